import numpy as np
import pandas as pd
import pytest

from fashion_diffusion.evaluation.selection import (
    SelectionError,
    combined_score,
    group_ids,
    random_k,
    select_topk,
    selection_effect,
    selection_gain,
)


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


def test_selection_effect_hand_example():
    labels = np.array([0, 0, 0, 1, 1, 1])
    groups = labels.copy()
    mask = np.array([True, False, False, True, False, False])
    random_mask = np.array([False, True, False, False, False, True])
    correct = np.array([True, False, True, True, False, False])
    confidence = np.array([0.9, 0.2, 0.6, 0.4, 0.8, 0.3])
    clip = np.array([3.0, 1.0, 2.0, 1.0, 2.0, 3.0])
    effect = selection_effect(labels, groups, mask, random_mask, correct, confidence, clip, resamples=200, seed=0)
    assert effect["selected_accuracy"] == 1.0 and effect["selected_n"] == 2
    assert effect["selected_confidence"] == pytest.approx(0.65)
    assert effect["rejected_accuracy"] == 0.25 and effect["rejected_n"] == 4
    assert effect["random_accuracy"] == 0.0 and effect["random_confidence"] == pytest.approx(0.25)
    assert effect["all_accuracy"] == 0.5
    assert effect["gain"] == pytest.approx(((1 - 2 / 3) + (1 - 1 / 3)) / 2)  # per group: kept minus the group
    assert effect["clip_judge_spearman"] == pytest.approx((1.0 - 0.5) / 2)  # class 0: ranks agree; class 1: -0.5


def test_selection_gain_interval_excludes_zero_only_when_selection_picks_better_images():
    groups = np.repeat(np.arange(40), 10)
    rng = np.random.default_rng(0)
    correct = rng.random(400) < 0.7
    good_pick = np.zeros(400, dtype=bool)
    blind_pick = random_k(groups, 3, seed=1)
    for g in range(40):
        members = np.flatnonzero(groups == g)
        good_pick[members[np.argsort(~correct[members], kind="stable")[:3]]] = True  # the correct ones first
    assert selection_gain(groups, good_pick, correct, 1000, 0).low > 0
    assert not selection_gain(groups, blind_pick, correct, 1000, 0).excludes(0.0)
