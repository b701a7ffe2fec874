"""CLIP-guided selection judged by the independent classifier (bonus 3).

Every group of `group_size` samples of a class keeps its top k by the combined CLIP score
(`evaluation/selection.py`); beside the kept and the rejected images, k images drawn at random from every
group are the baseline: the same n as the kept, so coverage and KID, which depend on n, compare. Each set
is judged as every set is (`EvaluationSetup.judged`). Kept minus random is compared by judge accuracy
(fidelity: higher / lower), coverage (variety: higher / lower) and KID (distance: better / worse), with a
bootstrap over groups within classes: a resample draws groups, and each drawn group brings its kept and
its random images (paired by group). One family, Holm-adjusted. Higher accuracy bought with lower coverage
is a trade; only KID says better or worse.
"""

from __future__ import annotations

import numpy as np

from ..evaluation.comparison import VERDICT_MEASURES
from ..evaluation.reference import Reference, Scores
from ..evaluation.setup import EvaluationSetup
from ..results.base import NOT_RESOLVED, OFF_SCALE
from ..results.clip import SelectionStudy
from ..results.sets import SetComparison
from ..stats import inference, metrics
from ..stats.bootstrap import resample_counts, resample_indices
from ..stats.inference import Difference

FAMILY = "selection"


def subset(scores: Scores, mask: np.ndarray) -> Scores:
    """The judge's view of the images of a bool mask (N,)."""
    return Scores(scores.probs[mask], scores.features[mask], scores.labels[mask])


def group_counts(groups: np.ndarray, labels: np.ndarray, resamples: int, seed: int) -> np.ndarray:
    """(B, N): how often each image's group is drawn in each of B resamples of the groups (groups (N,),
    drawn with replacement within their class, labels (N,); over all groups when a class has one group,
    which a resample within it would always redraw)."""
    ids, first = np.unique(groups, return_index=True)
    classes = labels[first]
    within = np.unique(classes, return_counts=True)[1].min() > 1
    index = resample_indices(len(ids), resamples, seed, strata=classes if within else None)
    return resample_counts(index, len(ids))[:, np.searchsorted(ids, groups)]


def resampled(reference: Reference, scores: Scores, counts: np.ndarray) -> dict[str, np.ndarray]:
    """Each measure of VERDICT_MEASURES of a set over resamples given as counts (B, n) of its images."""
    n = len(scores.labels)
    manifold = reference.manifold(n)
    _, coverage = manifold.of_counts(manifold.membership(scores.features), counts)
    kernel, cross = reference.kernel.terms(scores.features)
    return {
        "accuracy": counts @ scores.correct.astype(np.float64) / counts.sum(axis=1),
        "coverage": coverage,
        "kid": metrics.kid_of_counts(kernel, cross, reference.kernel.pair_mean, counts),
    }


def kept_versus_random(
    setup: EvaluationSetup, scores: Scores, groups: np.ndarray, kept: np.ndarray, random: np.ndarray
) -> SetComparison:
    """Kept minus random (bool masks (N,) over the images of `scores`, k of every group each), by every
    measure of VERDICT_MEASURES, bootstrapped over the groups within classes; one family."""
    counts = group_counts(groups, scores.labels, setup.resamples, setup.seed)
    sets = {name: subset(scores, mask) for name, mask in (("kept", kept), ("random", random))}
    values = {name: setup.measure(s).values for name, s in sets.items()}
    over = {
        name: resampled(setup.reference, s, counts[:, mask]) for (name, s), mask in zip(sets.items(), (kept, random))
    }
    differences = {
        measure: Difference.of_resamples(
            values["kept"][measure] - values["random"][measure], over["kept"][measure] - over["random"][measure]
        )
        for measure in VERDICT_MEASURES
    }
    off_scale = set(VERDICT_MEASURES) if not all(s.readable() for s in sets.values()) else set()
    return SetComparison(**inference.family(FAMILY, differences, VERDICT_MEASURES, off_scale))


def outcome(comparison: SetComparison) -> str:
    """Kept minus random in words: KID's verdict when resolved, with the resolved accuracy and coverage
    words; without it, those words, and "a trade" when they point opposite ways."""
    if comparison.off_scale:
        return OFF_SCALE
    accuracy, coverage, kid = comparison.accuracy, comparison.coverage, comparison.kid
    said = ", ".join(
        f"{c.verdict} {name}" for name, c in (("accuracy", accuracy), ("coverage", coverage)) if c.resolved
    )
    if kid.resolved:
        return f"{kid.verdict} by KID" + (f" ({said})" if said else "")
    if not said:
        return NOT_RESOLVED
    trade = accuracy.resolved and coverage.resolved and accuracy.verdict != coverage.verdict
    return f"{said}: a trade (KID not resolved)" if trade else f"{said} (KID not resolved)"


def clip_judge_agreement(labels: np.ndarray, combined: np.ndarray, confidence: np.ndarray) -> float | None:
    """Spearman correlation of the combined CLIP score with the judge's confidence within each class (N,),
    averaged over the classes where it is defined; None where it is nowhere."""
    per_class = [
        metrics.spearman(combined[labels == c], confidence[labels == c])
        for c in np.unique(labels)
        if (labels == c).sum() >= 2
    ]
    defined = [rho for rho in per_class if not np.isnan(rho)]
    return float(np.mean(defined)) if defined else None


def selection_study(
    setup: EvaluationSetup,
    scores: Scores,
    groups: np.ndarray,
    kept: np.ndarray,
    random: np.ndarray,
    combined: np.ndarray,
    group_size: int,
    k: int,
    weights: dict[str, float],
) -> SelectionStudy:
    """The kept, rejected and random-k sets (bool masks (N,) over `scores`, groups (N,) of `group_size`,
    k kept of each) judged, kept minus random compared, and the CLIP-judge rank agreement of the combined
    score (N,)."""
    comparison = kept_versus_random(setup, scores, groups, kept, random)
    return SelectionStudy(
        group_size=group_size,
        k=k,
        groups=len(np.unique(groups)),
        weights=weights,
        kept=setup.judged(subset(scores, kept)),
        rejected=setup.judged(subset(scores, ~kept)),
        random=setup.judged(subset(scores, random)),
        kept_versus_random=comparison,
        family=FAMILY,
        outcome=outcome(comparison),
        clip_judge_spearman=clip_judge_agreement(scores.labels, combined, scores.confidence),
    )


def headline(study: SelectionStudy) -> dict[str, float | None]:
    """The numbers `dvc metrics show` prints for selection (reports/headline/selection.json)."""
    compared = study.kept_versus_random
    return {
        "kept_accuracy": study.kept.accuracy.value,
        "random_accuracy": study.random.accuracy.value,
        "accuracy_difference": compared.accuracy.value,
        "accuracy_difference_low": compared.accuracy.low,
        "accuracy_difference_high": compared.accuracy.high,
        "coverage_difference": compared.coverage.value,
        "kid_difference": compared.kid.value,
        "clip_judge_spearman": study.clip_judge_spearman,
    }
