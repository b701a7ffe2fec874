import dataclasses
import runpy
from pathlib import Path

import pytest
import torch

from fashion_diffusion.data.prepared import load_raw, save_prepared, to_model_range
from fashion_diffusion.results.base import read_result
from fashion_diffusion.results.headline import JudgeResult
from fashion_diffusion.scoring.judge.inference import evaluate_accuracy, features, load_judge, predict_proba, save_judge
from fashion_diffusion.scoring.judge.net import JudgeNet, JudgeNetConfig, augment
from fashion_diffusion.scoring.judge.training import train_judge
from tests.support.tiny import ROOT, tiny_params, write_tiny_params

DATASET = Path("/usr/share/datasets/fashion-mnist")
STAGES = ROOT / "stages"
CPU = torch.device("cpu")


@pytest.fixture(autouse=True)
def one_thread():
    """Two torch threads on a CPU shared with another busy process run these tiny trainings
    about 30x slower than one thread (measured: 36 s against 0.7 s)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope="module")
def small_real():
    if not DATASET.is_dir():
        pytest.skip(f"{DATASET} not installed (apt-get install dataset-fashion-mnist)")
    return load_raw(DATASET, train_limit=2000, test_limit=1000)


def random_images(n: int, seed: int = 0) -> torch.Tensor:
    return torch.rand(n, 1, 28, 28, generator=torch.Generator().manual_seed(seed)) * 2 - 1


def test_model_output_shapes_and_helpers():
    model = JudgeNet(JudgeNetConfig([32, 64], 256, 10, 28)).train()
    images = random_images(5)
    assert model(images).shape == (5, 10)
    assert features(model, images, batch_size=2).shape == (5, 256)
    probs = predict_proba(model, images, batch_size=2)
    assert probs.shape == (5, 10)
    torch.testing.assert_close(probs.sum(dim=1), torch.ones(5))
    assert model.training  # the helpers restore the mode they found


def test_augment_is_seeded_and_keeps_shape_and_range():
    images = random_images(8)
    first = augment(images, torch.Generator().manual_seed(3), max_shift=2, hflip=True)
    again = augment(images, torch.Generator().manual_seed(3), max_shift=2, hflip=True)
    assert first.shape == images.shape
    torch.testing.assert_close(first, again)
    assert not torch.equal(first, images)
    assert first.min() >= -1 and first.max() <= 1
    torch.testing.assert_close(augment(images, torch.Generator(), max_shift=0, hflip=False), images)


def test_training_is_deterministic_and_checkpoint_round_trips(tmp_path):
    images, labels = random_images(64), torch.arange(64) % 10
    cfg = tiny_params(judge__epochs=1, judge__batch_size=32, judge__channels=[4, 8], judge__hidden=16).judge
    first = train_judge(images, labels, cfg, 10, CPU)
    second = train_judge(images, labels, cfg, 10, CPU)
    for a, b in zip(first.state_dict().values(), second.state_dict().values()):
        torch.testing.assert_close(a, b)

    save_judge(first, tmp_path / "judge.pt")
    loaded = load_judge(tmp_path / "judge.pt")
    assert loaded.config == first.config
    torch.testing.assert_close(predict_proba(loaded, images), predict_proba(first, images))


def test_one_epoch_on_real_subset_beats_chance(small_real):
    # narrower than the default so the test stays fast when other processes share the CPU
    cfg = tiny_params(judge__epochs=1, judge__batch_size=32, judge__channels=[16, 32], judge__hidden=64).judge
    model = train_judge(to_model_range(small_real.train_images), small_real.train_labels, cfg, 10, CPU)
    accuracy, per_class = evaluate_accuracy(model, to_model_range(small_real.test_images), small_real.test_labels)
    assert per_class.shape == (10,)
    assert accuracy > 0.5


def test_train_judge_stage_writes_its_outs(tmp_path, monkeypatch, small_real):
    """The real stage script on a tiny prepared set, run in tmp_path."""
    tiny = dataclasses.replace(
        small_real,
        train_images=small_real.train_images[:256],
        train_labels=small_real.train_labels[:256],
        test_images=small_real.test_images[:100],
        test_labels=small_real.test_labels[:100],
    )
    save_prepared(tiny, tmp_path / "data/prepared/fashion_mnist.npz")
    write_tiny_params(
        tmp_path,
        judge__epochs=1,
        judge__batch_size=64,
        judge__channels=[4, 8],
        judge__hidden=16,
        judge__device="cpu",
        data__train_limit=256,
        data__test_limit=100,
        evaluate__loss_by_t_images=32,
        clip__validation_images=100,
    )
    monkeypatch.chdir(tmp_path)
    runpy.run_path(str(STAGES / "train_judge.py"), run_name="__main__")

    report = read_result(tmp_path / "models/judge_metrics.json", JudgeResult)
    assert sorted(p.name for p in (tmp_path / "models").iterdir()) == ["judge.pt", "judge_metrics.json"]
    assert list(report.per_class_test_accuracy) == tiny.class_names and 0 <= report.test_accuracy <= 1
    assert report.test_images == 100 and report.parameters == sum(
        w.numel() for w in load_judge(tmp_path / "models/judge.pt").parameters()
    )
    assert load_judge(tmp_path / "models/judge.pt").config.hidden == 16
