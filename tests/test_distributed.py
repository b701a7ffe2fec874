"""Data-parallel training: two gloo processes under torchrun reach the weights of one process that
trains on the same global batches, and a killed two-process run resumes exactly."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
import torch
import torch.nn.functional as F

from fashion_diffusion.core.runtime import available_cores, running_experiments, set_threads
from fashion_diffusion.model.schedule import cosine_schedule
from fashion_diffusion.training import distributed
from fashion_diffusion.training.batches import Batch
from fashion_diffusion.training.clip_alignment import clip_alignment_term
from fashion_diffusion.training.loop import TrainData, shard_alignment_share, train
from tests.conftest import denoiser_config
from tests.support import tiny_pipeline
from tests.support.tiny import tiny_params
from tests.support.tiny_training import KILL_AT, LAST_CHECKPOINT, max_difference, run_tiny, weights

# fp32, 40 AdamW steps: one process and two differ only by float summation order (about 1e-7 seen).
TOLERANCE = 1e-5


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """The tiny run trained by one process and, uninterrupted, by two: {processes: saved weights}."""
    folder = tmp_path_factory.mktemp("ddp")
    saved = {}
    for processes in (1, 2):
        output = folder / f"{processes}.pt"
        result = run_tiny(folder / f"{processes}.ckpt", output, processes=processes)
        assert result.returncode == 0, result.stderr[-3000:]
        saved[processes] = weights(output)
    return saved


@pytest.mark.slow  # the `runs` fixture: a training alone and one under torchrun (about 15 s)
def test_two_processes_reach_the_weights_of_one_on_the_same_global_batch(runs):
    assert runs[2]["world"] == 2 and runs[1]["world"] == 1
    for key in ("model", "ema"):
        assert max_difference(runs[2][key], runs[1][key]) <= TOLERANCE, key
    # the logged losses are those of the whole batch, not of rank 0's shard
    assert runs[2]["losses"]["loss"] == pytest.approx(runs[1]["losses"]["loss"], abs=1e-5)


@pytest.mark.slow  # two more torchrun launches (about 20 s), after the `runs` fixture
def test_a_killed_two_process_run_resumes_to_the_uninterrupted_weights(runs, tmp_path):
    checkpoint, output = tmp_path / "interrupted.ckpt", tmp_path / "resumed.pt"
    killed = run_tiny(checkpoint, output, kill_at=KILL_AT, processes=2)
    assert killed.returncode != 0
    assert torch.load(checkpoint, weights_only=True)["step"] == LAST_CHECKPOINT
    assert not output.exists()

    resumed_run = run_tiny(checkpoint, output, processes=2)
    assert resumed_run.returncode == 0, resumed_run.stderr[-3000:]
    resumed = weights(output)
    assert resumed["resumed_from"] == LAST_CHECKPOINT
    for key in ("model", "ema"):
        assert max_difference(resumed[key], runs[2][key]) == 0, key  # as exact as a single process's resume
        assert max_difference(resumed[key], runs[1][key]) <= TOLERANCE, key


def test_weighted_shard_terms_add_up_to_the_whole_batch_term():
    """Shards of 3, 4 and 3 examples: each shard's means, weighted by its share, sum to the batch's."""
    generator = torch.Generator().manual_seed(0)
    schedule, null_class = cosine_schedule(50), 3
    labels = torch.tensor([0, 1, 3, 2, 3, 0, 1, 3, 2, 2])  # 3 = dropped to the null class
    whole = Batch(
        torch.randn(10, 1, 4, 4, generator=generator),
        labels,
        None,
        torch.randint(0, 50, (10,), generator=generator),
        torch.randn(10, 1, 4, 4, generator=generator),
    )
    prediction = torch.randn(10, 1, 4, 4, generator=generator)
    distance = lambda x0, y: x0.flatten(1).mean(dim=1) + y.float()  # noqa: E731  any per-example loss

    def terms(batch: Batch, rows: slice) -> tuple[torch.Tensor, torch.Tensor]:
        mse = F.mse_loss(prediction[rows], batch.noise)
        return mse, clip_alignment_term(schedule, prediction[rows], batch.t, batch.class_labels, null_class, distance)

    whole_mse, whole_alignment = terms(whole, slice(0, 10))
    mse_sum, alignment_sum = 0.0, 0.0
    for rank, rows in enumerate([slice(0, 3), slice(3, 7), slice(7, 10)]):
        shard = whole.shard(rank, 3)
        assert torch.equal(shard.t, whole.t[rows])
        mse, alignment = terms(shard, rows)
        mse_sum += mse * (len(shard) / len(whole))
        alignment_sum += alignment * shard_alignment_share(schedule, whole, shard, null_class)
    torch.testing.assert_close(mse_sum, whole_mse)
    torch.testing.assert_close(alignment_sum, whole_alignment)


def test_torchrun_environment_names_the_process(monkeypatch):
    for name, value in {"RANK": "3", "WORLD_SIZE": "4", "LOCAL_RANK": "1", "LOCAL_WORLD_SIZE": "2"}.items():
        monkeypatch.setenv(name, value)
    process = distributed.this_process()
    assert process == distributed.Process(rank=3, world=4, local_rank=1, local_world=2)
    assert process.distributed and not process.is_main


def test_a_single_process_communicates_nothing(monkeypatch):
    monkeypatch.delenv("WORLD_SIZE", raising=False)
    process, model, cpu = distributed.this_process(), torch.nn.Linear(2, 2), torch.device("cpu")
    assert process == distributed.SINGLE and process.is_main
    assert distributed.join(process, cpu) == cpu
    assert distributed.data_parallel(model, process, cpu) is model
    assert distributed.sum_over_processes([1.5, 2.0], process, cpu) == [1.5, 2.0]


def test_more_processes_than_gpus_is_a_one_line_error_naming_the_key():
    with pytest.raises(distributed.DistributedError, match="train.processes"):
        distributed.require_gpus(torch.cuda.device_count() + 1, torch.device("cuda"))


def test_a_global_batch_smaller_than_the_processes_is_a_one_line_error_naming_the_key(tmp_path):
    data = TrainData(torch.zeros(8, 1, 8, 8), torch.zeros(8, dtype=torch.long), None, identity="zeros")
    four_processes = distributed.Process(rank=0, world=4, local_rank=0, local_world=4)
    with pytest.raises(distributed.DistributedError, match="train.batch_size"):
        train(
            denoiser_config(),
            cosine_schedule(50),
            {"timesteps": 50},
            data,
            tiny_params(train__batch_size=2).train,
            torch.device("cpu"),
            tmp_path / "last.pt",
            process=four_processes,
        )


def test_threads_zero_shares_the_cores_among_the_processes_of_a_machine():
    before = torch.get_num_threads()
    try:
        assert set_threads(0, processes_here=2) == max(1, available_cores() // 2)
        assert set_threads(0, processes_here=4 * available_cores()) == 1
        assert set_threads(3, processes_here=2) == 3  # an explicit count wins
        assert set_threads(0, processes_here=1) == 3  # alone: left as it is (torch's default at start)
    finally:
        torch.set_num_threads(before)


def test_threads_zero_shares_the_cores_among_the_experiments_of_dvcs_queue(tmp_path, monkeypatch):
    exps = tmp_path / "repo" / ".dvc" / "tmp" / "exps"
    for name in ("tmpa1", "tmpb2", "cache", "celery"):  # two running experiments beside DVC's own folders
        (exps / name).mkdir(parents=True)
    assert running_experiments(tmp_path / "repo") == 1  # the repository itself is not a queue workspace
    assert running_experiments(exps / "tmpa1") == 2
    before = torch.get_num_threads()
    try:
        torch.set_num_threads(available_cores())
        monkeypatch.chdir(exps / "tmpa1")
        assert set_threads(0) == max(1, available_cores() // 2)
        (exps / "tmpb2").rmdir()  # the other experiment ended: a later stage takes the cores back
        torch.set_num_threads(available_cores())
        assert set_threads(0) == available_cores()
    finally:
        torch.set_num_threads(before)


@pytest.mark.slow  # a real `dvc repro train` (prepare included): about 25 s here under load
def test_train_stage_with_two_processes_under_dvc(tmp_path):
    """`train.processes: 2` makes `dvc repro train` start torchrun; rank 0 alone commits the outputs."""
    repo = tiny_pipeline.make_copy(tmp_path / "repo", {**tiny_pipeline.TINY, "train.processes": 2, "train.threads": 0})
    result = tiny_pipeline.run(repo, "repro", "train")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    metrics = json.loads((repo / "models/train_metrics.json").read_text())
    assert metrics["processes"] == 2 and metrics["steps"] == 24
    assert (repo / "models/diffusion.pt").is_file() and len(list((repo / "models/snapshots").iterdir())) == 2
    assert not (repo / ".staging/train").exists()


@pytest.mark.slow
def test_throughput_tool_measures_one_and_two_processes():
    tool = Path(__file__).resolve().parents[1] / "tools/train_throughput.py"
    done = subprocess.run(
        [sys.executable, str(tool), "--layouts", "1x1", "2x1", "--steps", "20", "--batch-size", "8"],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    results = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    assert [(r["processes"], r["threads"]) for r in results] == [(1, 1), (2, 1)]
    assert all(r["images_per_second"] > 0 and r["steps_timed"] == 10 for r in results)
