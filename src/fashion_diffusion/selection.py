"""CLIP-guided top-k selection of generated images, and its effect as seen by the judge.

Per requested class, keep the k images with the highest combined CLIP score; compare the kept
images with the rejected ones and with k random images per class, using the independent judge
classifier's correctness and confidence.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from fashion_diffusion.errors import InputError
from fashion_diffusion.metrics import spearman


class SelectionError(InputError, ValueError):
    """A bad selection request; the message names the offending key or class."""


def combined_score(scores: pd.DataFrame, weights: dict[str, float]) -> np.ndarray:
    """Weighted sum of score columns: sum_c weights[c] * scores[c] -> float64 (N,)."""
    unknown = [name for name in weights if name not in scores.columns]
    if unknown:
        raise SelectionError(f"select.weights: unknown score {unknown[0]!r} "
                             f"(columns: {', '.join(map(str, scores.columns))})")
    total = np.zeros(len(scores), dtype=np.float64)
    for name, weight in weights.items():
        total += weight * scores[name].to_numpy(dtype=np.float64)
    return total


def select_topk(labels: np.ndarray, scores: np.ndarray, k: int) -> np.ndarray:
    """Within each class of labels (N,), the k highest scores (N,); ties go to the lower index.

    Returns a bool mask (N,) with exactly k True per class.
    """
    mask = np.zeros(len(labels), dtype=bool)
    for indices in _class_indices(labels, k):
        order = np.argsort(-scores[indices], kind="stable")  # stable: equal scores keep index order
        mask[indices[order[:k]]] = True
    return mask


def random_k(labels: np.ndarray, k: int, seed: int) -> np.ndarray:
    """k images per class of labels (N,) drawn without replacement: bool mask (N,)."""
    rng = np.random.default_rng(seed)
    mask = np.zeros(len(labels), dtype=bool)
    for indices in _class_indices(labels, k):
        mask[rng.choice(indices, size=k, replace=False)] = True
    return mask


def selection_effect(labels: np.ndarray, mask: np.ndarray, random_mask: np.ndarray,
                     judge_correct: np.ndarray, judge_confidence: np.ndarray,
                     clip_score: np.ndarray) -> dict[str, float]:
    """Judge accuracy and mean confidence of the selected, rejected, random-k and all images.

    All inputs are (N,): requested labels, bool masks, bool judge correctness, float judge
    confidence and CLIP score. Returns flat keys `{group}_accuracy`, `{group}_confidence`,
    `{group}_n` for group in selected, rejected, random, all; and `clip_judge_spearman`, the
    Spearman correlation of clip_score with judge_confidence within each class, averaged over
    classes (classes where it is undefined, e.g. constant or a single image, are skipped; NaN
    if none is defined).
    """
    judge_correct = np.asarray(judge_correct, dtype=np.float64)
    groups = {"selected": mask, "rejected": ~mask, "random": random_mask,
              "all": np.ones(len(labels), dtype=bool)}
    effect = {}
    for group, members in groups.items():
        effect[f"{group}_accuracy"] = _mean(judge_correct[members])
        effect[f"{group}_confidence"] = _mean(judge_confidence[members])
        effect[f"{group}_n"] = int(members.sum())
    per_class = np.array([spearman(clip_score[labels == c], judge_confidence[labels == c])
                          for c in np.unique(labels) if (labels == c).sum() >= 2])
    effect["clip_judge_spearman"] = _mean(per_class[~np.isnan(per_class)])
    return effect


def _class_indices(labels: np.ndarray, k: int) -> list[np.ndarray]:
    """Indices of each class, in class order; stops if any class has fewer than k images."""
    if k < 1:
        raise SelectionError(f"select.k must be at least 1, got {k}")
    classes = np.unique(labels)
    groups = [np.flatnonzero(labels == c) for c in classes]
    for c, indices in zip(classes, groups):
        if len(indices) < k:
            raise SelectionError(f"class {c} has {len(indices)} images, fewer than select.k={k}")
    return groups


def _mean(values: np.ndarray) -> float:
    return float(np.mean(values)) if len(values) else float("nan")
