"""Generated images as training data, measured as a classification accuracy score (Ravuri & Vinyals
2019): a classifier of the judge's architecture and recipe is trained on N images per class that are
generated, real, or both, and tested on the real test set.

Every set is trained once per seed; a test image's correctness is averaged over the seeds, so the
accuracy's interval (over test images) carries the test-set sampling, and the per-seed accuracies show
the training randomness. A set minus the real set is paired over the same test images, and its interval
adds the training-seed spread (the variance between seeds, pooled over the sets).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import torch

from ..config import JudgeParams
from ..data.prepared import balanced_draw, to_model_range
from ..evaluation.comparison import SeedSpread
from ..results.augmentation import AugmentationStudy, TrainingSet
from ..results.base import HIGHER_LOWER, Estimate
from ..scoring.judge.inference import predict_proba
from ..scoring.judge.training import train_judge
from ..stats import inference
from ..stats.bootstrap import percentile_interval, resample_indices
from ..stats.inference import Difference

GENERATED, REAL, BOTH = "generated", "real", "real + generated"
FAMILY = "training data"


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


def augmentation_study(
    correct: dict[str, np.ndarray],
    seeds: list[int],
    per_class: int,
    epochs: int,
    batch_size: int,
    resamples: int,
    seed: int,
) -> AugmentationStudy:
    """Each set's accuracy (mean over the training seeds, interval over the test images resampled with
    `seed`) from `test_correctness`'s name -> bool (seeds, M), and each set minus the real set: paired over
    the test images (sampling error), plus the training-seed error of a difference of two seed means, from
    the variance between seeds pooled over the sets (`SeedSpread`); one family, higher / lower."""
    per_image = {name: runs.mean(axis=0) for name, runs in correct.items()}  # (M,) share of seeds right
    per_seed = {name: runs.mean(axis=1) for name, runs in correct.items()}  # (seeds,) accuracies
    index = resample_indices(len(per_image[REAL]), resamples, seed)
    spread = SeedSpread.pooled([values.tolist() for values in per_seed.values()])
    se_seed = spread.standard_error(len(seeds), len(seeds))
    differences = {}
    for name, images in per_image.items():
        if name != REAL:
            paired = images - per_image[REAL]
            differences[name] = Difference.of_resamples(paired.mean(), paired[index].mean(axis=1), se_seed, spread.dof)
    versus_real = inference.family(FAMILY, differences, HIGHER_LOWER)
    sets = []
    for name, images in per_image.items():
        low, high = percentile_interval(images[index].mean(axis=1))
        sets.append(
            TrainingSet(
                name=name,
                accuracy=Estimate(value=float(images.mean()), low=low, high=high),
                seed_accuracies=per_seed[name].tolist(),
                versus_real=versus_real.get(name),
            )
        )
    return AugmentationStudy(
        per_class=per_class,
        epochs=epochs,
        batch_size=batch_size,
        seeds=seeds,
        test_images=len(per_image[REAL]),
        seed_sd=math.sqrt(spread.variance) if spread.dof else None,
        seed_dof=spread.dof,
        family=FAMILY,
        sets=sets,
    )


def table(study: AugmentationStudy) -> pd.DataFrame:
    """One row per training set (accuracy with its interval, each seed's): the CSV and the figure's data."""
    return pd.DataFrame(
        [
            {
                "set": s.name,
                "accuracy": s.accuracy.value,
                "accuracy_low": s.accuracy.low,
                "accuracy_high": s.accuracy.high,
                **{f"seed_{seed}": value for seed, value in zip(study.seeds, s.seed_accuracies)},
            }
            for s in study.sets
        ]
    )
