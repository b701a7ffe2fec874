"""CLIP-guided top-k selection: each class's samples are cut into groups of `group_size` consecutive
images ("generate n, keep k", repeated); in each group the k images with the highest combined CLIP score
are kept (or, as the baseline, k drawn at random). `studies/selection.py` judges what it does.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..core.errors import InputError


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


def _members(groups: np.ndarray, k: int) -> list[np.ndarray]:
    """Indices of each group, in group order; stops if any group has fewer than k images."""
    if k < 1:
        raise SelectionError(f"select.k must be at least 1, got {k}")
    members = [np.flatnonzero(groups == g) for g in np.unique(groups)]
    for g, indices in zip(np.unique(groups), members):
        if len(indices) < k:
            raise SelectionError(f"group {g} has {len(indices)} images, fewer than select.k={k}")
    return members
