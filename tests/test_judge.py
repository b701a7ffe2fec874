import dataclasses
from pathlib import Path

import pytest
import torch

from fashion_diffusion import judge
from fashion_diffusion.config import JudgeConfig
from fashion_diffusion.data import load_raw, to_model_range

DATASET = Path("/usr/share/datasets/fashion-mnist")
CPU = torch.device("cpu")


@pytest.fixture(scope="module")
def small_real():
    if not DATASET.is_dir():
        pytest.skip(f"{DATASET} not installed (apt-get install dataset-fashion-mnist)")
    return load_raw(DATASET, train_limit=2000, test_limit=1000)


def random_images(n: int, seed: int = 0) -> torch.Tensor:
    return torch.rand(n, 1, 28, 28, generator=torch.Generator().manual_seed(seed)) * 2 - 1


def test_model_output_shapes_and_helpers():
    model = judge.JudgeNet(judge.JudgeNetConfig(channels=[4, 8], hidden=16)).train()
    images = random_images(5)
    assert model(images).shape == (5, 10)
    assert judge.features(model, images, batch_size=2).shape == (5, 16)
    probs = judge.predict_proba(model, images, batch_size=2)
    assert probs.shape == (5, 10)
    torch.testing.assert_close(probs.sum(dim=1), torch.ones(5))
    assert model.training  # the helpers restore the mode they found


def test_augment_is_seeded_and_keeps_shape_and_range():
    images = random_images(8)
    first = judge.augment(images, torch.Generator().manual_seed(3), max_shift=2, hflip=True)
    again = judge.augment(images, torch.Generator().manual_seed(3), max_shift=2, hflip=True)
    assert first.shape == images.shape
    torch.testing.assert_close(first, again)
    assert not torch.equal(first, images)
    assert first.min() >= -1 and first.max() <= 1
    torch.testing.assert_close(judge.augment(images, torch.Generator(), max_shift=0, hflip=False), images)


def test_training_is_deterministic_and_checkpoint_round_trips(tmp_path):
    images, labels = random_images(64), torch.arange(64) % 10
    cfg = JudgeConfig(epochs=1, batch_size=32, channels=[4, 8], hidden=16)
    first = judge.train_judge(images, labels, cfg, CPU)
    second = judge.train_judge(images, labels, cfg, CPU)
    for a, b in zip(first.state_dict().values(), second.state_dict().values()):
        torch.testing.assert_close(a, b)

    judge.save_judge(first, tmp_path / "judge.pt", cfg)
    loaded = judge.load_judge(tmp_path / "judge.pt")
    assert loaded.config == first.config
    torch.testing.assert_close(judge.predict_proba(loaded, images), judge.predict_proba(first, images))


def test_one_epoch_on_real_subset_beats_chance(small_real):
    cfg = dataclasses.replace(JudgeConfig(), epochs=1, batch_size=64)
    model = judge.train_judge(to_model_range(small_real.train_images), small_real.train_labels, cfg, CPU)
    accuracy, per_class = judge.evaluate_accuracy(model, to_model_range(small_real.test_images),
                                                  small_real.test_labels)
    assert per_class.shape == (10,)
    assert accuracy > 0.5


def test_fid_floor_is_small_for_real_images(small_real):
    model = judge.JudgeNet(judge.JudgeNetConfig(channels=[4, 8], hidden=16))
    train, test = to_model_range(small_real.train_images), to_model_range(small_real.test_images)
    floor = judge.fid_floor(model, train, test, n=500, seed=0)
    noise = judge.features(model, random_images(500))
    assert 0 <= floor < judge.metrics.fid(noise, judge.features(model, test))
    with pytest.raises(ValueError, match="n must be"):
        judge.fid_floor(model, train, test, n=1, seed=0)
