"""Generated images as training data, measured as a classification accuracy score (Ravuri & Vinyals
2019): a classifier of the judge's architecture and recipe is trained on N images per class that are
generated, real, or both, and tested on the real test set.

Every set is trained once per seed; a test image's correctness is averaged over the seeds, so the
accuracy's interval (over test images) carries the test-set sampling, and the per-seed accuracies
show the training randomness. Differences between sets are paired over the same test images.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import torch

from ..config import JudgeParams
from ..data.prepared import balanced_draw, to_model_range
from ..scoring.judge.inference import predict_proba
from ..scoring.judge.training import train_judge
from ..stats.bootstrap import mean_estimate

GENERATED, REAL, BOTH = "generated", "real", "real + generated"


def training_sets(
    generated_images: np.ndarray,
    generated_labels: np.ndarray,
    train_images: np.ndarray,
    train_labels: np.ndarray,
    per_class: int,
    seed: int,
) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """The first `per_class` generated images of each class, as many real training images per class
    (a seeded draw), and the two together: name -> (uint8 images (N, H, W), labels (N,))."""
    generated = np.concatenate([np.flatnonzero(generated_labels == c)[:per_class] for c in np.unique(generated_labels)])
    real = balanced_draw(train_labels, per_class, seed)
    sets = {
        GENERATED: (generated_images[generated], generated_labels[generated]),
        REAL: (train_images[real], train_labels[real]),
    }
    sets[BOTH] = tuple(np.concatenate([sets[REAL][i], sets[GENERATED][i]]) for i in range(2))
    return sets


def test_correctness(
    sets: dict[str, tuple[np.ndarray, np.ndarray]],
    test_images: np.ndarray,
    test_labels: np.ndarray,
    recipe: JudgeParams,
    seeds: list[int],
    num_classes: int,
    device: torch.device,
) -> dict[str, np.ndarray]:
    """name -> bool (seeds, M): whether the classifier trained on the set with each seed gets each
    real test image right. `recipe` is the judge's (its epochs and batch size set for these small sets)."""
    test = to_model_range(test_images)
    correct = {}
    for name, (images, labels) in sets.items():
        runs = []
        for seed in seeds:
            model = train_judge(
                to_model_range(images), labels, recipe.model_copy(update={"seed": seed}), num_classes, device
            ).cpu()
            runs.append(predict_proba(model, test).argmax(dim=1).numpy() == test_labels)
        correct[name] = np.stack(runs)
    return correct


def summarise(correct: dict[str, np.ndarray], resamples: int, seed: int) -> pd.DataFrame:
    """One row per training set: accuracy (mean over seeds) with its interval, the lowest and highest
    single-seed accuracy, and the paired difference from the real set with its interval."""
    real = correct[REAL].mean(axis=0)
    rows = []
    for name, runs in correct.items():
        per_image = runs.mean(axis=0)
        rows.append(
            {
                "set": name,
                **mean_estimate(per_image, resamples, seed).as_dict("accuracy"),
                "seed_min": float(runs.mean(axis=1).min()),
                "seed_max": float(runs.mean(axis=1).max()),
                **mean_estimate(per_image - real, resamples, seed).as_dict("difference_from_real"),
            }
        )
    return pd.DataFrame(rows)
