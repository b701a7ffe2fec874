"""Generated training data (5.1): the training sets, and each set compared with the real one over the
test images with the training-seed spread added (hand-made correctness; one tiny training run)."""

import math

import numpy as np
import pytest
import torch

from fashion_diffusion.evaluation.comparison import SeedSpread
from fashion_diffusion.results.base import NOT_RESOLVED
from fashion_diffusion.studies import augmentation
from fashion_diffusion.studies.augmentation import (
    BOTH,
    FAMILY,
    GENERATED,
    REAL,
    augmentation_study,
    table,
    training_sets,
)
from tests.support.tiny import tiny_params


def test_training_sets_take_the_first_generated_images_and_a_real_draw_of_each_class():
    generated_labels = np.repeat(np.arange(2), 5)
    sets = training_sets(
        np.arange(10)[:, None, None].astype(np.uint8) * np.ones((1, 2, 2), np.uint8),
        generated_labels,
        np.zeros((40, 2, 2), np.uint8),
        np.repeat(np.arange(2), 20),
        per_class=3,
        seed=0,
    )
    assert [len(sets[name][1]) for name in (GENERATED, REAL, BOTH)] == [6, 6, 12]
    assert sets[GENERATED][0][:, 0, 0].tolist() == [0, 1, 2, 5, 6, 7]  # the first 3 of each class


def correctness(accuracy: dict[str, list[float]], images: int = 2000, seed: int = 0) -> dict[str, np.ndarray]:
    """name -> bool (seeds, images): each seed's run right on about its share of the test images."""
    rng = np.random.default_rng(seed)
    difficulty = rng.random(images)  # a test image's difficulty, shared by every set and seed
    return {
        name: np.stack([difficulty + 0.05 * rng.normal(size=images) < share for share in shares])
        for name, shares in accuracy.items()
    }


def test_a_set_minus_real_is_paired_over_the_test_images_and_carries_the_seed_spread():
    correct = correctness({GENERATED: [0.70, 0.72, 0.74], REAL: [0.83, 0.84, 0.85], BOTH: [0.835, 0.845, 0.86]})
    study = augmentation_study(correct, [0, 1, 2], 100, 8, 64, resamples=400, seed=0)
    sets = {s.name: s for s in study.sets}
    generated, both = sets[GENERATED].versus_real, sets[BOTH].versus_real
    assert sets[REAL].versus_real is None and study.real.name == REAL
    per_seed = [correct[name].mean(axis=1).tolist() for name in (GENERATED, REAL, BOTH)]
    spread = SeedSpread.pooled(per_seed)
    assert study.seed_dof == 6 and study.seed_sd == pytest.approx(math.sqrt(spread.variance))
    assert generated.se_seed == pytest.approx(spread.standard_error(3, 3)) and generated.dof is not None
    expected = correct[GENERATED].mean() - correct[REAL].mean()
    assert generated.value == pytest.approx(expected) and generated.verdict == "lower"
    assert both.family == FAMILY and both.verdict in ("higher", NOT_RESOLVED)
    assert sets[GENERATED].seed_accuracies == pytest.approx(per_seed[0])
    assert all(s.accuracy.low <= s.accuracy.value <= s.accuracy.high for s in study.sets)
    assert list(table(study).columns) == [
        "set",
        "accuracy",
        "accuracy_low",
        "accuracy_high",
        "seed_0",
        "seed_1",
        "seed_2",
    ]


def test_with_one_seed_the_comparisons_carry_the_test_images_only():
    correct = correctness({GENERATED: [0.70], REAL: [0.84], BOTH: [0.85]})
    study = augmentation_study(correct, [0], 100, 8, 64, resamples=200, seed=0)
    generated = study.sets[0].versus_real
    assert study.seed_sd is None and study.seed_dof == 0
    assert generated.se_seed == 0.0 and generated.dof is None and generated.se_sampling > 0


def test_each_set_is_trained_once_per_seed_and_tested_on_every_test_image():
    rng = np.random.default_rng(0)
    images, labels = rng.integers(0, 256, (12, 28, 28), dtype=np.uint8), np.arange(12) % 2
    update = {"epochs": 1, "batch_size": 4, "channels": [4, 8], "hidden": 16, "bf16": False}
    recipe = tiny_params().judge.model_copy(update=update)
    sets = {GENERATED: (images[:6], labels[:6]), REAL: (images[6:], labels[6:])}
    correct = augmentation.test_correctness(sets, images[:5], labels[:5], recipe, [0, 1], 2, torch.device("cpu"))
    assert {name: c.shape for name, c in correct.items()} == {GENERATED: (2, 5), REAL: (2, 5)}
    assert correct[GENERATED].dtype == bool
