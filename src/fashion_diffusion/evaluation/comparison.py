"""Judged sample sets compared with a base set made from the same labels and seed, measure by measure.

Sets generated from the same seed and labels start from the same noise, image for image, so image i of
every set and of the base form a pair: both are resampled with the same indices (`Reference.measure`,
within each requested class; a paired bootstrap), and the difference's sampling error is the standard
deviation of the resampled differences. Three measures carry verdicts, each in its own words:

    accuracy  (judge accuracy on the requested class: fidelity to the label)   higher / lower
    coverage  (the share of the real manifold the samples reach: variety)      higher / lower
    kid       (distance to the real test set, unbiased at every n)             better / worse

Only the distance says better or worse: higher accuracy bought with lower coverage is a trade, not a
gain. FID is shown as a level beside its floor, not compared: its bias depends on n and on the model.
When the two sides are different trainings, a training-seed component is added
(`stats.inference.Difference`, `SeedSpread`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..results.base import BETTER_WHEN_LOWER, HIGHER_LOWER
from ..results.sets import SetComparison
from ..stats import inference
from ..stats.inference import Difference, pooled_seed_variance
from .reference import Measured, Scores

VERDICT_MEASURES = {"accuracy": HIGHER_LOWER, "coverage": HIGHER_LOWER, "kid": BETTER_WHEN_LOWER}


@dataclass(frozen=True)
class SeedSpread:
    """The variance of a measure between training seeds of one design, pooled over the designs that
    were trained with several seeds, and its degrees of freedom (`stats.inference.pooled_seed_variance`)."""

    variance: float
    dof: float

    @classmethod
    def pooled(cls, groups: list[list[float]]) -> SeedSpread:
        return cls(*pooled_seed_variance(groups))

    def standard_error(self, seeds_a: int, seeds_b: int) -> float:
        """Of the difference between the seed means of two designs trained seeds_a and seeds_b times."""
        return math.sqrt(self.variance * (1 / seeds_a + 1 / seeds_b)) if self.dof else 0.0


def paired(base: Measured, other: Measured, measure: str, seed_error: float = 0.0, seed_dof: float = math.inf):
    """other minus base for one measure: the point difference, with the resampled differences' standard
    deviation as its sampling error and `seed_error` as its training-seed error."""
    resampled = other.resampled[measure] - base.resampled[measure]
    return Difference.of_resamples(other.values[measure] - base.values[measure], resampled, seed_error, seed_dof)


def check_paired(labels: dict[str, np.ndarray]) -> None:
    """Every set must request the same labels in the same order as the first, or they do not pair."""
    names = list(labels)
    for name in names[1:]:
        if not np.array_equal(labels[name], labels[names[0]]):
            raise ValueError(f"set {name!r} does not pair with {names[0]!r}: its requested labels differ")


def set_differences(
    setup, base: Scores | list[Scores], others: dict, seed_errors: dict | None = None
) -> tuple[dict, set]:
    """Each set of `others` (key -> Scores, or one Scores per training seed, the same labels) minus
    `base`, paired, for every measure of VERDICT_MEASURES: ({(key, measure): Difference}, the (key,
    measure) pairs that are off scale: either side unreadable, `Scores.readable`). `seed_errors`: key ->
    {measure: (seed standard error, its degrees of freedom)} when the sets are different trainings."""
    base_sets = base if isinstance(base, list) else [base]
    groups = {key: value if isinstance(value, list) else [value] for key, value in others.items()}
    check_paired({"base": base_sets[0].labels, **{str(key): sets[0].labels for key, sets in groups.items()}})
    base_measured = Measured.mean([setup.measure(s) for s in base_sets])
    base_readable = all(s.readable() for s in base_sets)
    differences, off_scale = {}, set()
    for key, sets in groups.items():
        measured = Measured.mean([setup.measure(s) for s in sets])
        readable = base_readable and all(s.readable() for s in sets)
        for measure in VERDICT_MEASURES:
            se_seed, dof = (seed_errors or {}).get(key, {}).get(measure, (0.0, math.inf))
            differences[key, measure] = paired(base_measured, measured, measure, se_seed, dof)
            if not readable:
                off_scale.add((key, measure))
    return differences, off_scale


def set_family(name: str, differences: dict, off_scale: set) -> dict:
    """key -> SetComparison from `set_differences`' output (possibly several merged): one family,
    Holm-adjusted over all its keys and measures."""
    words = {pair: VERDICT_MEASURES[pair[1]] for pair in differences}
    compared = inference.family(name, differences, words, off_scale)
    keys = dict.fromkeys(key for key, _ in differences)
    return {key: SetComparison(**{m: compared[key, m] for m in VERDICT_MEASURES}) for key in keys}


def set_comparisons(
    family: str,
    setup,
    base: Scores | list[Scores],
    others: dict,
    seed_errors: dict[str, tuple[float, float]] | None = None,
) -> dict:
    """key -> SetComparison: each set of `others` (key -> Scores, or one Scores per training seed) minus
    `base`, paired, for every measure of VERDICT_MEASURES; one family, Holm-adjusted over all its keys and
    measures. `seed_errors`: key -> (seed standard error, its degrees of freedom) per measure name, as
    {measure: (se, dof)} under each key, when the sets are different trainings. A pair in which either
    set is off scale (`Scores.readable`) gets OFF_SCALE for every measure."""
    differences, off_scale = set_differences(setup, base, others, seed_errors)
    return set_family(family, differences, off_scale)
