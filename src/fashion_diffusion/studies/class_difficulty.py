"""Why some classes are harder to generate: per-class difficulty of the samples against measurable
properties of the real class, as Spearman rank correlations over the classes, each with a bootstrap
interval over classes (with ten classes these intervals are wide).

Difficulty, from the samples of class c:
    generated_accuracy   judge accuracy on them (the requested class is the judge's argmax)
    fid                  FID of them against the real test images of class c (every class at the same n)
Properties of the real class c:
    pixel_variance       mean over pixels of the variance across the class's training images (shape diversity)
    real_accuracy        judge accuracy on the class's real test images (how confusable the class is)
    edge_density         share of pixels whose Sobel gradient magnitude (images in [0, 1]) exceeds a threshold
The hypothesis under test (the seed's 4.2): classes that are more varied, more confusable or more
detailed are harder, so each property predicts the sign of its correlation with each measure (EXPECTED).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..stats import metrics
from ..stats.bootstrap import bootstrap, mean_estimate

# (property, difficulty measure) -> the sign of the Spearman correlation the hypothesis predicts
EXPECTED = {
    ("pixel_variance", "generated_accuracy"): -1,
    ("pixel_variance", "fid"): 1,
    ("real_accuracy", "generated_accuracy"): 1,
    ("real_accuracy", "fid"): -1,
    ("edge_density", "generated_accuracy"): -1,
    ("edge_density", "fid"): 1,
}
SOBEL = np.array([[-1.0, 0.0, 1.0], [-2.0, 0.0, 2.0], [-1.0, 0.0, 1.0]])


def edge_density(images: np.ndarray, threshold: float) -> np.ndarray:
    """(N,) share of pixels of uint8 images (N, H, W) whose Sobel gradient magnitude exceeds threshold
    (images scaled to [0, 1], so the magnitude lies in [0, 4 sqrt 2]); the one-pixel border is skipped."""
    x = images.astype(np.float32) / 255.0
    height, width = x.shape[1:]

    def window(dy, dx):
        return x[:, 1 + dy : height - 1 + dy, 1 + dx : width - 1 + dx]

    gx = sum(SOBEL[dy + 1, dx + 1] * window(dy, dx) for dy in (-1, 0, 1) for dx in (-1, 0, 1))
    gy = sum(SOBEL[dx + 1, dy + 1] * window(dy, dx) for dy in (-1, 0, 1) for dx in (-1, 0, 1))
    return (np.sqrt(gx**2 + gy**2) > threshold).mean(axis=(1, 2))


def class_properties(
    train_images: np.ndarray, train_labels: np.ndarray, real_accuracy: np.ndarray, edge_threshold: float
) -> pd.DataFrame:
    """One row per class: pixel_variance, real_accuracy (given, (C,)), edge_density."""
    rows = []
    for c in range(len(real_accuracy)):
        images = train_images[train_labels == c]
        rows.append(
            {
                "pixel_variance": float((images.astype(np.float64) / 255.0).var(axis=0).mean()),
                "real_accuracy": float(real_accuracy[c]),
                "edge_density": float(edge_density(images, edge_threshold).mean()),
            }
        )
    return pd.DataFrame(rows)


def class_quality(
    features: np.ndarray,
    correct: np.ndarray,
    labels: np.ndarray,
    test_features: np.ndarray,
    test_labels: np.ndarray,
    floor_features: np.ndarray,
    floor_labels: np.ndarray,
    resamples: int,
    seed: int,
) -> pd.DataFrame:
    """One row per class of the samples: generated_accuracy with its interval, FID against the class's
    real test images, and the floor: FID of as many real training images of the class (floor_*)."""
    rows = []
    for c in np.unique(labels):
        mine = labels == c
        accuracy = mean_estimate(correct[mine], resamples, seed)
        rows.append(
            {
                **accuracy.as_dict("generated_accuracy"),
                "fid": metrics.fid(features[mine], test_features[test_labels == c]),
                "fid_floor": metrics.fid(floor_features[floor_labels == c], test_features[test_labels == c]),
            }
        )
    return pd.DataFrame(rows)


def rank_correlations(table: pd.DataFrame, resamples: int, seed: int) -> pd.DataFrame:
    """Spearman correlation over classes (rows of `table`) for every pair in EXPECTED, with a bootstrap
    interval over classes; columns property, measure, rho, rho_low, rho_high, expected_sign."""
    rows = []
    for (prop, measure), sign in EXPECTED.items():
        x, y = table[prop].to_numpy(), table[measure].to_numpy()
        rho = bootstrap(lambda idx: metrics.spearman(x[idx], y[idx]), len(x), resamples, seed)  # noqa: B023 (called at once)
        rows.append({"property": prop, "measure": measure, **rho.as_dict("rho"), "expected_sign": sign})
    return pd.DataFrame(rows)


def failing_classes(table: pd.DataFrame) -> list[str]:
    """Classes whose generated accuracy interval lies wholly below the judge's accuracy on the class's
    real images: the gap is resolved at this n. `table` has class, generated_accuracy_high, real_accuracy."""
    return table.loc[table["generated_accuracy_high"] < table["real_accuracy"], "class"].tolist()
