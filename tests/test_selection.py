"""CLIP-guided selection: the group / top-k mechanics, and what the study concludes from the judge's view
of the kept, rejected and random-k sets (an untrained tiny judge for the real values; hand-made judge
scores where a test needs a known verdict)."""

import numpy as np
import pandas as pd
import pytest
import torch

from fashion_diffusion.data.prepared import Dataset, to_model_range
from fashion_diffusion.evaluation.reference import Reference, Scores
from fashion_diffusion.evaluation.selection import SelectionError, combined_score, group_ids, random_k, select_topk
from fashion_diffusion.evaluation.setup import EvaluationSetup
from fashion_diffusion.results.base import NOT_RESOLVED, OFF_SCALE
from fashion_diffusion.scoring.judge.net import JudgeNet, JudgeNetConfig
from fashion_diffusion.studies.selection import (
    clip_judge_agreement,
    group_counts,
    headline,
    kept_versus_random,
    outcome,
    selection_study,
)
from tests.support.fixtures.applications import compared

CLASSES = 3
GROUP, K, GROUPS_PER_CLASS = 10, 3, 6


def test_combined_score_hand_example():
    scores = pd.DataFrame({"good": [1.0, 2.0], "blurry": [0.5, 3.0], "class_prob": [0.1, 0.9]})
    np.testing.assert_allclose(combined_score(scores, {"good": 1.0, "blurry": -1.0, "class_prob": 2.0}), [0.7, 0.8])
    with pytest.raises(SelectionError, match="'sharp'.*good, blurry, class_prob"):
        combined_score(scores, {"good": 1.0, "sharp": 1.0})


def test_groups_are_consecutive_runs_within_each_class():
    labels = np.array([0, 0, 0, 0, 1, 1, 1, 1])
    assert group_ids(labels, 2).tolist() == [0, 0, 1, 1, 2, 2, 3, 3]


def test_select_topk_picks_the_k_highest_per_group_lower_index_wins_ties():
    groups = np.array([0, 0, 0, 0, 1, 1, 1])
    scores = np.array([0.5, 0.9, 0.5, 0.1, 0.2, 0.2, 0.2])
    assert np.flatnonzero(select_topk(groups, scores, 2)).tolist() == [0, 1, 4, 5]
    with pytest.raises(SelectionError, match="group 1 has 3 images, fewer than select.k=4"):
        select_topk(groups, scores, 4)


def test_random_k_gives_k_per_group_and_is_seeded():
    groups = np.repeat(np.arange(4), 10)
    mask = random_k(groups, 3, seed=7)
    assert np.bincount(groups[mask]).tolist() == [3, 3, 3, 3]
    np.testing.assert_array_equal(mask, random_k(groups, 3, seed=7))
    assert not np.array_equal(mask, random_k(groups, 3, seed=8))


def test_groups_are_resampled_whole_and_within_their_class():
    labels = np.repeat([0, 1], 6)
    groups = group_ids(labels, 2)  # three groups per class
    counts = group_counts(groups, labels, resamples=50, seed=0)
    assert counts.shape == (50, 12)
    np.testing.assert_array_equal(counts[:, 0::2], counts[:, 1::2])  # both images of a group drawn together
    np.testing.assert_array_equal(counts[:, labels == 0].sum(axis=1), np.full(50, 6))  # three groups of class 0
    assert (counts[:, labels == 0] != 1).any()  # with replacement
    one_each = group_counts(np.arange(4), np.arange(4), resamples=50, seed=0)  # one group per class
    assert one_each.std(axis=0).min() > 0  # drawn over all groups, or no resample would differ


def test_clip_judge_agreement_averages_the_within_class_rank_correlations():
    labels = np.array([0, 0, 0, 1, 1, 1, 2, 2, 2])
    combined = np.array([3.0, 1.0, 2.0, 1.0, 2.0, 3.0, 1.0, 2.0, 3.0])
    confidence = np.array([0.9, 0.2, 0.6, 0.4, 0.8, 0.3, 0.5, 0.5, 0.5])  # class 2: constant, undefined
    assert clip_judge_agreement(labels, combined, confidence) == pytest.approx((1.0 - 0.5) / 2)
    assert clip_judge_agreement(labels[6:], combined[6:], confidence[6:]) is None


@pytest.mark.parametrize(
    ("accuracy", "coverage", "kid", "said"),
    [
        ("higher", "lower", NOT_RESOLVED, "higher accuracy, lower coverage: a trade (KID not resolved)"),
        ("higher", NOT_RESOLVED, NOT_RESOLVED, "higher accuracy (KID not resolved)"),
        ("higher", "lower", "better", "better by KID (higher accuracy, lower coverage)"),
        (NOT_RESOLVED, NOT_RESOLVED, "worse", "worse by KID"),
        (NOT_RESOLVED, NOT_RESOLVED, NOT_RESOLVED, NOT_RESOLVED),
        (OFF_SCALE, OFF_SCALE, OFF_SCALE, OFF_SCALE),
    ],
)
def test_only_kid_says_better_or_worse_and_a_fidelity_variety_split_is_a_trade(accuracy, coverage, kid, said):
    from fashion_diffusion.results.sets import SetComparison

    comparison = SetComparison(
        accuracy=compared("selection", 0.04, 0.01, accuracy),
        coverage=compared("selection", -0.05, 0.01, coverage),
        kid=compared("selection", 0.001, 0.001, kid),
    )
    assert outcome(comparison) == said


@pytest.fixture(scope="module")
def setup() -> EvaluationSetup:
    """An untrained tiny judge and its features of random images: 150 training and 240 test images."""
    torch.manual_seed(0)
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, size=(390, 28, 28), dtype=np.uint8)
    labels = np.arange(390) % CLASSES
    data = Dataset(images[:150], labels[:150], images[150:], labels[150:], ["a", "b", "c"])
    judge = JudgeNet(JudgeNetConfig([4, 8], 16, CLASSES, 28)).eval()
    reference = Reference.build(judge, to_model_range(data.test_images), data.test_labels, CLASSES, 0)
    return EvaluationSetup(data, reference, torch.device("cpu"), 200, 0)


def samples(setup: EvaluationSetup, kept_collapsed: bool):
    """GROUPS_PER_CLASS groups of GROUP images per class, features drawn like the test set's; the first K of
    every group (the kept) judged right and, when `kept_collapsed`, all alike (one feature per group, moved
    off the real data by a standard deviation); the others judged right half the time."""
    rng = np.random.default_rng(1)
    labels = np.repeat(np.arange(CLASSES), GROUP * GROUPS_PER_CLASS)
    groups = group_ids(labels, GROUP)
    test = setup.reference.test_features
    features = test[rng.integers(0, len(test), len(labels))] + 0.05 * test.std(axis=0) * rng.normal(
        size=(len(labels), test.shape[1])
    )
    kept = np.zeros(len(labels), dtype=bool)
    for g in np.unique(groups):
        members = np.flatnonzero(groups == g)
        kept[members[:K]] = True
        if kept_collapsed:
            features[members[:K]] = features[members[0]] + test.std(axis=0)
    right = kept | (rng.random(len(labels)) < 0.5)
    probs = np.eye(CLASSES)[np.where(right, labels, (labels + 1) % CLASSES)]
    return Scores(probs, features.astype(np.float32), labels), groups, kept


def test_kept_minus_random_is_paired_by_group_and_gives_each_measure_its_words(setup):
    scores, groups, kept = samples(setup, kept_collapsed=True)
    random = random_k(groups, K, seed=3)
    compared_ = kept_versus_random(setup, scores, groups, kept, random)
    assert compared_.accuracy.verdict == "higher" and compared_.coverage.verdict == "lower"
    assert compared_.kid.verdict == "worse"  # three copies of one image per group: far from the real data
    assert {c.family for c in (compared_.accuracy, compared_.coverage, compared_.kid)} == {"selection"}
    itself = kept_versus_random(setup, scores, groups, kept, kept)
    assert (itself.accuracy.value, itself.accuracy.se_sampling) == (0.0, 0.0)  # same images, same resamples
    assert itself.kid.verdict == NOT_RESOLVED and itself.kid.low == itself.kid.high == 0.0


def test_an_unreadable_selection_draws_no_verdict(setup):
    scores, groups, kept = samples(setup, kept_collapsed=False)
    collapsed = Scores(np.eye(CLASSES)[np.zeros(len(scores.labels), dtype=int)], scores.features, scores.labels)
    compared_ = kept_versus_random(setup, collapsed, groups, kept, random_k(groups, K, seed=3))
    assert compared_.off_scale and compared_.accuracy.p is None
    assert outcome(compared_) == OFF_SCALE


def test_the_selection_study_judges_every_set_at_its_own_n(setup):
    scores, groups, kept = samples(setup, kept_collapsed=False)
    random = random_k(groups, K, seed=3)
    combined = kept.astype(float) + np.linspace(0, 0.1, len(kept))
    weights = {"clear": 1.0, "class_prob": 1.0}
    study = selection_study(setup, scores, groups, kept, random, combined, GROUP, K, weights)
    n_kept = CLASSES * GROUPS_PER_CLASS * K
    assert (study.kept.n, study.random.n, study.rejected.n) == (n_kept, n_kept, len(kept) - n_kept)
    assert study.kept.real == study.random.real != study.rejected.real  # the real values at each n
    assert study.kept.accuracy.value == 1.0 and study.kept.accuracy.degenerate
    assert study.kept_versus_random.accuracy.verdict == "higher"
    assert study.groups == CLASSES * GROUPS_PER_CLASS and study.weights == weights
    numbers = headline(study)
    assert numbers["accuracy_difference"] == pytest.approx(1.0 - study.random.accuracy.value)
    assert study.outcome.startswith("higher accuracy")
