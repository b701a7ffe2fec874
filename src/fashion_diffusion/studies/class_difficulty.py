"""Why some classes are harder to generate: per-class difficulty of the samples against measurable
properties of the real class, as Spearman rank correlations over the classes, each with a bootstrap
interval over classes (with ten classes these intervals are wide), tested against 0 in one family (Holm).

Difficulty, from the samples of class c:
    generated_accuracy   judge accuracy on them (the requested class is the judge's argmax)
    kid                  KID of them against the real test images of class c (unbiased at every n; FID at
                         n = samples per class is shown as a level only: its covariance is rank-deficient)
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

from ..evaluation.reference import Scores
from ..results.base import NOT_RESOLVED, Estimate
from ..results.difficulty import FAILED, HELD, HYPOTHESIS_WORDS, MIXED, ClassDifficulty, ClassRow, Hypothesis
from ..stats import inference, metrics
from ..stats.bootstrap import mean_estimate, percentile_interval, resample_counts, resample_indices, shifted_interval
from ..stats.inference import Difference

# (property, difficulty measure) -> the sign of the Spearman correlation the hypothesis predicts
EXPECTED = {
    ("pixel_variance", "generated_accuracy"): -1,
    ("pixel_variance", "kid"): 1,
    ("real_accuracy", "generated_accuracy"): 1,
    ("real_accuracy", "kid"): -1,
    ("edge_density", "generated_accuracy"): -1,
    ("edge_density", "kid"): 1,
}
FAMILY = "class difficulty hypotheses"
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
    scores: Scores,
    test_features: np.ndarray,
    test_labels: np.ndarray,
    real_features: np.ndarray,
    real_labels: np.ndarray,
    resamples: int,
    seed: int,
) -> pd.DataFrame:
    """One row per class of the samples: generated_accuracy with its interval; KID against the class's
    real test features with its (shifted) interval over the samples, resampled with `seed`, and kid_real,
    the KID of the class's real training images (`real_*`, as many as samples) against the same; FID and
    fid_real likewise, as levels."""
    rows = []
    for c in np.unique(scores.labels):
        mine, reference = scores.labels == c, test_features[test_labels == c]
        samples, real = scores.features[mine], real_features[real_labels == c]
        kernel = metrics.KernelReference.of(reference)
        counts = resample_counts(resample_indices(len(samples), resamples, seed), len(samples))
        kid = kernel.kid(samples)
        kid_low, kid_high = shifted_interval(
            metrics.kid_of_counts(*kernel.terms(samples), kernel.pair_mean, counts), kid
        )
        gaussian = metrics.GaussianReference.of(reference)
        rows.append(
            {
                **mean_estimate(scores.correct[mine], resamples, seed).as_dict("generated_accuracy"),
                "kid": kid,
                "kid_low": kid_low,
                "kid_high": kid_high,
                "kid_real": kernel.kid(real),
                "fid": gaussian.fid(samples),
                "fid_real": gaussian.fid(real),
            }
        )
    return pd.DataFrame(rows)


def hypotheses(table: pd.DataFrame, resamples: int, seed: int) -> list[Hypothesis]:
    """The Spearman correlation over classes (rows of `table`) of every (property, measure) of EXPECTED,
    with its percentile interval over resampled classes, tested against 0 in one family (Holm): the
    predicted sign's side is "supported", the other "contradicted". A correlation that is undefined (a
    column constant over the classes) is left out of the family, with no value and no verdict."""
    index = resample_indices(len(table), resamples, seed)
    rhos, differences, words = {}, {}, {}
    for key, sign in EXPECTED.items():
        x, y = (table[column].to_numpy(dtype=np.float64) for column in key)
        rho = metrics.spearman(x, y)
        if np.isnan(rho):
            continue
        resampled = np.array([metrics.spearman(x[rows], y[rows]) for rows in index])
        low, high = percentile_interval(resampled)
        rhos[key] = Estimate(value=rho, low=low, high=high)
        differences[key] = Difference.of_resamples(rho, resampled)
        words[key] = HYPOTHESIS_WORDS if sign > 0 else HYPOTHESIS_WORDS[::-1]
    tested = inference.family(FAMILY, differences, words)
    return [
        Hypothesis(
            property=prop,
            measure=measure,
            predicted_sign=sign,
            rho=rhos.get((prop, measure)),
            versus_zero=tested.get((prop, measure)),
        )
        for (prop, measure), sign in EXPECTED.items()
    ]


def conclusion(tested: list[Hypothesis]) -> str:
    """What the predictions say together: HELD, MIXED, FAILED, or NOT_RESOLVED when none is resolved."""
    verdicts = [h.verdict for h in tested]
    supported, contradicted = verdicts.count(HYPOTHESIS_WORDS[0]), verdicts.count(HYPOTHESIS_WORDS[1])
    if supported and contradicted:
        return MIXED
    if supported:
        return HELD
    return FAILED if contradicted else NOT_RESOLVED


def difficulty_study(table: pd.DataFrame, samples_per_class: int, resamples: int, seed: int) -> ClassDifficulty:
    """The per-class table (class, the properties, the `class_quality` columns) with the hypotheses tested."""
    tested = hypotheses(table, resamples, seed)
    verdicts = [h.verdict for h in tested]
    return ClassDifficulty(
        samples_per_class=samples_per_class,
        classes=[
            ClassRow(
                name=row["class"],
                generated_accuracy=_estimate(row, "generated_accuracy"),
                kid=_estimate(row, "kid"),
                **{
                    key: row[key]
                    for key in ("kid_real", "fid", "fid_real", "real_accuracy", "pixel_variance", "edge_density")
                },
            )
            for row in table.to_dict("records")
        ],
        family=FAMILY,
        hypotheses=tested,
        supported=verdicts.count(HYPOTHESIS_WORDS[0]),
        contradicted=verdicts.count(HYPOTHESIS_WORDS[1]),
        unresolved=len(verdicts) - verdicts.count(HYPOTHESIS_WORDS[0]) - verdicts.count(HYPOTHESIS_WORDS[1]),
        conclusion=conclusion(tested),
    )


def _estimate(row: dict, name: str) -> Estimate:
    return Estimate(value=row[name], low=row[f"{name}_low"], high=row[f"{name}_high"])
