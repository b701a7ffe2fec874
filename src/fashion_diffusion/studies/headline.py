"""The headline sample set against the real images, class by class.

For each class c, the judge's accuracy on its generated images (p_g, from n_g images) and on its real
test images (p_r, from n_r images) are independent proportions. Their difference p_g - p_r has

    se^2 = se_g^2 + se_r^2,    se_r = binomial(p_r, n_r)
    se_g = max(standard deviation of p_g over the set's bootstrap resamples, binomial(p_g, n_g))
    binomial(p, n) = sqrt(q (1 - q) / (n + 2)),  q = (p n + 1) / (n + 2)      (Agresti & Caffo 2000)

The resamples are those of `Reference.measure` (within each class), so the class's interval agrees with
the set's. The add-two estimate q keeps a class at 0% or 100% (whose resamples never vary) from
claiming no sampling error: 100 of 100 samples right does not resolve above a real 98.7%. The classes'
differences are one family (Holm). A class the judge recognises better among samples than among real
images is "higher" than real: never a failing class, even when it is the weakest of the set.
"""

from __future__ import annotations

import numpy as np

from ..evaluation.reference import Scores
from ..evaluation.setup import EvaluationSetup
from ..results.base import HIGHER_LOWER, Estimate
from ..results.headline import ClassAccuracy, HeadlineResult
from ..stats import inference
from ..stats.bootstrap import percentile_interval, resample_indices
from ..stats.inference import Difference

FAMILY = "classes against real images"


def class_accuracy_resamples(scores: Scores, classes: int, resamples: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Judge accuracy of each requested class (classes,) and over the set's bootstrap resamples (B,
    classes): the resamples of `Reference.measure` (within each class), so they agree with its interval."""
    index = resample_indices(len(scores.labels), resamples, seed, strata=scores.labels)
    correct = scores.correct.astype(np.float64)
    resampled = correct[index]  # (B, N): a resample keeps every image's class in its place
    members = [scores.labels == c for c in range(classes)]
    values = np.array([correct[m].mean() if m.any() else np.nan for m in members])
    by_class = np.stack([resampled[:, m].mean(axis=1) if m.any() else np.full(resamples, np.nan) for m in members])
    return values, by_class.T


def binomial_se(p: float, n: int) -> float:
    """The standard error of a proportion p of n from the add-two estimate (p n + 1) / (n + 2), which is
    not zero at p = 0 or 1 (Agresti & Caffo 2000)."""
    q = (p * n + 1) / (n + 2)
    return float(np.sqrt(q * (1 - q) / (n + 2)))


def versus_real(
    generated: np.ndarray,
    resampled: np.ndarray,
    generated_images: np.ndarray,
    real: np.ndarray,
    real_images: np.ndarray,
    readable: bool,
) -> dict:
    """class index -> Comparison of generated minus real accuracy (arrays (C,), resampled (B, C), image
    counts (C,)), one family (see the module); every class off scale when the judge cannot read the set."""
    differences = {}
    for c in range(len(generated)):
        bootstrap = Difference.of_resamples(generated[c] - real[c], resampled[:, c] - real[c]).se_sampling
        generated_se = max(bootstrap, binomial_se(generated[c], generated_images[c]))
        differences[c] = Difference(
            float(generated[c] - real[c]), float(np.hypot(generated_se, binomial_se(real[c], real_images[c])))
        )
    return inference.family(FAMILY, differences, HIGHER_LOWER, set() if readable else set(differences))


def headline(
    setup: EvaluationSetup, scores: Scores, class_names: list[str], real: np.ndarray, real_images: np.ndarray
) -> HeadlineResult:
    """The headline set (`scores`) judged, and each class against the judge's accuracy `real` (C,) on the
    `real_images` (C,) real test images of each class."""
    generated, resampled = class_accuracy_resamples(scores, len(class_names), setup.resamples, setup.seed)
    counts = np.bincount(scores.labels, minlength=len(class_names))
    compared = versus_real(generated, resampled, counts, real, real_images, scores.readable())
    classes = []
    for c, name in enumerate(class_names):
        low, high = percentile_interval(resampled[:, c])
        classes.append(
            ClassAccuracy(
                name=name,
                generated=Estimate(value=float(generated[c]), low=low, high=high),
                real=float(real[c]),
                real_images=int(real_images[c]),
                versus_real=compared[c],
            )
        )
    return HeadlineResult(
        judged=setup.judged(scores),
        family=FAMILY,
        classes=classes,
        weakest=class_names[int(np.nanargmin(generated))],
        failing=[c.name for c in classes if c.versus_real.resolved and c.versus_real.value < 0],
        above_real=[c.name for c in classes if c.above_real],
    )
