"""CLIP-guided top-k selection and whether it helps, judged by the independent classifier.

Each class's samples are cut into groups of `group_size` consecutive images ("generate n, keep
k", repeated); in each group the k images with the highest combined CLIP score are kept. The
gain of selection is measured per group as the judge accuracy of its kept images minus that of
the whole group (the expected accuracy of k kept at random), with a bootstrap interval over groups.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..core.errors import InputError
from ..stats.bootstrap import Estimate, mean_estimate
from ..stats.metrics import spearman


class SelectionError(InputError, ValueError):
    """A bad selection request; the message names the offending key or group."""


def combined_score(scores: pd.DataFrame, weights: dict[str, float]) -> np.ndarray:
    """Weighted sum of score columns: sum_c weights[c] * scores[c] -> float64 (N,)."""
    unknown = [name for name in weights if name not in scores.columns]
    if unknown:
        raise SelectionError(
            f"select.weights: unknown score {unknown[0]!r} (columns: {', '.join(map(str, scores.columns))})"
        )
    total = np.zeros(len(scores), dtype=np.float64)
    for name, weight in weights.items():
        total += weight * scores[name].to_numpy(dtype=np.float64)
    return total


def group_ids(labels: np.ndarray, group_size: int) -> np.ndarray:
    """(N,) group of each image: consecutive runs of `group_size` images of the same class."""
    labels = np.asarray(labels)
    groups = np.empty(len(labels), dtype=np.int64)
    next_id = 0
    for c in np.unique(labels):
        members = np.flatnonzero(labels == c)
        groups[members] = next_id + np.arange(len(members)) // group_size
        next_id = groups[members].max() + 1
    return groups


def select_topk(groups: np.ndarray, scores: np.ndarray, k: int) -> np.ndarray:
    """Within each group of groups (N,), the k highest scores (N,); ties go to the lower index.

    Returns a bool mask (N,) with exactly k True per group."""
    mask = np.zeros(len(groups), dtype=bool)
    for indices in _members(groups, k):
        order = np.argsort(-scores[indices], kind="stable")  # stable: equal scores keep index order
        mask[indices[order[:k]]] = True
    return mask


def random_k(groups: np.ndarray, k: int, seed: int) -> np.ndarray:
    """k images per group drawn without replacement: bool mask (N,)."""
    rng = np.random.default_rng(seed)
    mask = np.zeros(len(groups), dtype=bool)
    for indices in _members(groups, k):
        mask[rng.choice(indices, size=k, replace=False)] = True
    return mask


def selection_effect(
    labels: np.ndarray,
    groups: np.ndarray,
    mask: np.ndarray,
    random_mask: np.ndarray,
    judge_correct: np.ndarray,
    judge_confidence: np.ndarray,
    clip_score: np.ndarray,
    resamples: int,
    seed: int,
) -> dict[str, float]:
    """Judge accuracy and confidence of the selected, rejected, random-k and all images, the gain
    of selection with its interval, and the CLIP-judge rank agreement.

    All inputs are (N,). Returns flat keys `{set}_accuracy`, `{set}_confidence`, `{set}_n` for the
    sets selected, rejected, random, all; `gain` (+ `gain_low`, `gain_high`): mean over groups of
    (accuracy of the kept - accuracy of the group); `clip_judge_spearman`: Spearman correlation of
    clip_score with judge_confidence within each class, averaged over classes (undefined ones skipped).
    """
    correct = np.asarray(judge_correct, dtype=np.float64)
    sets = {"selected": mask, "rejected": ~mask, "random": random_mask, "all": np.ones(len(labels), dtype=bool)}
    effect: dict[str, float] = {}
    for name, members in sets.items():
        effect[f"{name}_accuracy"] = _mean(correct[members])
        effect[f"{name}_confidence"] = _mean(judge_confidence[members])
        effect[f"{name}_n"] = int(members.sum())
    effect |= selection_gain(groups, mask, correct, resamples, seed).as_dict("gain")
    per_class = np.array(
        [
            spearman(clip_score[labels == c], judge_confidence[labels == c])
            for c in np.unique(labels)
            if (labels == c).sum() >= 2
        ]
    )
    effect["clip_judge_spearman"] = _mean(per_class[~np.isnan(per_class)])
    effect["groups"] = int(len(np.unique(groups)))
    return effect


def selection_gain(groups: np.ndarray, mask: np.ndarray, correct: np.ndarray, resamples: int, seed: int) -> Estimate:
    """Mean over groups of accuracy(kept) - accuracy(group), bootstrapped over groups."""
    ids = np.unique(groups)
    gains = np.array([correct[(groups == g) & mask].mean() - correct[groups == g].mean() for g in ids])
    return mean_estimate(gains, resamples, seed)


def _members(groups: np.ndarray, k: int) -> list[np.ndarray]:
    """Indices of each group, in group order; stops if any group has fewer than k images."""
    if k < 1:
        raise SelectionError(f"select.k must be at least 1, got {k}")
    members = [np.flatnonzero(groups == g) for g in np.unique(groups)]
    for g, indices in zip(np.unique(groups), members):
        if len(indices) < k:
            raise SelectionError(f"group {g} has {len(indices)} images, fewer than select.k={k}")
    return members


def _mean(values: np.ndarray) -> float:
    return float(np.mean(values)) if len(values) else float("nan")
