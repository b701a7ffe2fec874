import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch

from fashion_diffusion.training import batch_indices, drop_labels, ema_update, lr_factor

CHILD = Path(__file__).with_name("train_tiny.py")
STEPS = 400


def test_ema_update_arithmetic():
    model, ema = torch.nn.Linear(2, 1), torch.nn.Linear(2, 1)
    with torch.no_grad():
        model.weight.fill_(1.0)
        ema.weight.fill_(3.0)
    ema_update(ema, model, decay=0.75)
    torch.testing.assert_close(ema.weight, torch.full((1, 2), 0.75 * 3.0 + 0.25 * 1.0))


def test_lr_warmup_then_cosine_to_zero():
    assert lr_factor(0, 10, 110) == pytest.approx(0.1)
    assert lr_factor(9, 10, 110) == pytest.approx(1.0)
    assert lr_factor(60, 10, 110) == pytest.approx(0.5)
    assert lr_factor(110, 10, 110) == pytest.approx(0.0)


def test_label_dropout_rate_and_null_value():
    labels = torch.zeros(20_000, dtype=torch.long)
    dropped = drop_labels(labels, 10, 0.1, torch.Generator().manual_seed(0))
    assert set(dropped.unique().tolist()) == {0, 10}
    assert (dropped == 10).float().mean().item() == pytest.approx(0.1, abs=0.01)


def test_batches_cover_each_epoch_once():
    batches = torch.cat([batch_indices(s, 12, 4, seed=3) for s in range(3)])
    assert sorted(batches.tolist()) == list(range(12))
    assert not torch.equal(batch_indices(0, 12, 4, seed=3), batch_indices(3, 12, 4, seed=3))


def _run(checkpoint: Path, output: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, str(CHILD), str(checkpoint), str(output), str(STEPS)])


def test_training_killed_and_resumed_matches_an_uninterrupted_run(tmp_path):
    reference = tmp_path / "reference.pt"
    assert _run(tmp_path / "uninterrupted.ckpt", reference).wait(timeout=300) == 0

    checkpoint, output = tmp_path / "interrupted.ckpt", tmp_path / "resumed.pt"
    child = _run(checkpoint, output)
    deadline = time.time() + 120
    while not checkpoint.exists() and time.time() < deadline:
        time.sleep(0.01)
    time.sleep(0.3)
    child.send_signal(signal.SIGKILL)
    child.wait()
    killed_at = torch.load(checkpoint, weights_only=False)["step"]
    assert 0 < killed_at < STEPS, "the kill must land mid-run for this test to mean anything"
    assert not output.exists()

    assert _run(checkpoint, output).wait(timeout=300) == 0
    resumed, uninterrupted = torch.load(output), torch.load(reference)
    assert resumed["resumed_from"] == killed_at
    for key in ("model", "ema"):
        for name, value in uninterrupted[key].items():
            torch.testing.assert_close(resumed[key][name], value, rtol=0, atol=0, msg=f"{key}.{name}")
