import signal

import pytest
import torch

from fashion_diffusion.training.batches import Batch, batch_indices, drop_labels
from fashion_diffusion.training.ema import ema_update
from fashion_diffusion.training.lr import warmup_constant, warmup_cosine
from tests.support.tiny_training import KILL_AT, LAST_CHECKPOINT, finish, run_tiny, start_tiny, weights


def test_ema_update_arithmetic():
    model, ema = torch.nn.Linear(2, 1), torch.nn.Linear(2, 1)
    with torch.no_grad():
        model.weight.fill_(1.0)
        ema.weight.fill_(3.0)
    ema_update(ema, model, decay=0.75)
    torch.testing.assert_close(ema.weight, torch.full((1, 2), 0.75 * 3.0 + 0.25 * 1.0))


def test_lr_warmup_then_cosine_to_zero():
    assert warmup_cosine(0, 10, 110) == pytest.approx(0.1)
    assert warmup_cosine(9, 10, 110) == pytest.approx(1.0)
    assert warmup_cosine(60, 10, 110) == pytest.approx(0.5)
    assert warmup_cosine(110, 10, 110) == pytest.approx(0.0)


def test_lr_warmup_then_constant_does_not_depend_on_the_run_length():
    assert warmup_constant(0, 10) == pytest.approx(0.1)
    assert warmup_constant(9, 10) == pytest.approx(1.0)
    assert warmup_constant(500, 10) == 1.0 and warmup_constant(0, 0) == 1.0


def test_label_dropout_rate_and_null_value():
    labels = torch.zeros(20_000, dtype=torch.long)
    dropped = drop_labels(labels, 10, 0.1, torch.Generator().manual_seed(0))
    assert set(dropped.unique().tolist()) == {0, 10}
    assert (dropped == 10).float().mean().item() == pytest.approx(0.1, abs=0.01)


def test_batches_cover_each_epoch_once():
    batches = torch.cat([batch_indices(s, 12, 4, seed=3) for s in range(3)])
    assert sorted(batches.tolist()) == list(range(12))
    assert not torch.equal(batch_indices(0, 12, 4, seed=3), batch_indices(3, 12, 4, seed=3))


def test_shards_of_a_batch_make_up_the_batch():
    batch = Batch(
        torch.arange(10.0).reshape(10, 1, 1, 1), torch.arange(10), None, torch.arange(10), torch.zeros(10, 1, 1, 1)
    )
    parts = [batch.shard(rank, 3) for rank in range(3)]
    assert [len(p.t) for p in parts] == [3, 4, 3]
    assert torch.cat([p.t for p in parts]).tolist() == list(range(10))


def test_training_killed_at_a_known_step_and_resumed_matches_an_uninterrupted_run(tmp_path):
    reference = tmp_path / "reference.pt"
    uninterrupted_run = start_tiny(tmp_path / "uninterrupted.ckpt", reference)  # side by side with the killed run

    checkpoint, output = tmp_path / "interrupted.ckpt", tmp_path / "resumed.pt"
    killed = run_tiny(checkpoint, output, kill_at=KILL_AT)
    assert finish(uninterrupted_run).returncode == 0
    assert killed.returncode == -signal.SIGKILL
    assert torch.load(checkpoint, weights_only=True)["step"] == LAST_CHECKPOINT
    assert not output.exists()

    resumed_run = run_tiny(checkpoint, output)
    assert resumed_run.returncode == 0, resumed_run.stderr[-2000:]
    resumed, uninterrupted = weights(output), weights(reference)
    assert resumed["resumed_from"] == LAST_CHECKPOINT
    for key in ("model", "ema"):
        for name, value in uninterrupted[key].items():
            torch.testing.assert_close(resumed[key][name], value, rtol=0, atol=0, msg=f"{key}.{name}")
