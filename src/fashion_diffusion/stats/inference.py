"""From a measured difference to a verdict: one rule for every comparison the report draws.

A difference d has a sampling standard error s_b (the standard deviation of its bootstrap
resamples) and, when the two sides are different trainings, a training-seed standard error s_w,
estimated from trainings repeated with other seeds with nu_w degrees of freedom. They add:

    s^2 = s_b^2 + s_w^2,   nu = s^4 / (s_w^4 / nu_w)       (Welch-Satterthwaite; s_b's nu is infinite)
    95% interval  d -/+ t(0.975, nu) s,   p = 2 P(T_nu > |d| / s)

With no seed component nu is infinite and t the normal quantile. The interval and p agree: the
interval excludes 0 exactly when p < 0.05.

Every table of verdicts is a family: its p-values are adjusted by Holm's step-down method (Holm 1979),
so the chance of any false comparative word in a family stays at most 5%; a comparison is resolved when
its adjusted p-value is below `results.base.FAMILY_ALPHA`. A comparison whose sets the instrument cannot
read (off scale) gets no p-value and does not count in its family.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import stats as scipy_stats

from ..results.base import FAMILY_ALPHA, NOT_RESOLVED, OFF_SCALE, Comparison

LEVEL = 0.95


@dataclass(frozen=True)
class Difference:
    """A measured difference (subject minus other) with its standard errors."""

    value: float
    se_sampling: float
    se_seed: float = 0.0
    seed_dof: float = math.inf  # degrees of freedom of the seed variance estimate

    @classmethod
    def of_resamples(cls, value: float, resampled: np.ndarray, se_seed: float = 0.0, seed_dof: float = math.inf):
        """The difference with the standard deviation of its bootstrap resamples (B,) as s_b."""
        finite = np.asarray(resampled, dtype=np.float64)
        finite = finite[np.isfinite(finite)]
        return cls(float(value), float(finite.std(ddof=1)) if len(finite) > 1 else math.nan, se_seed, seed_dof)

    @property
    def se(self) -> float:
        return math.hypot(self.se_sampling, self.se_seed)

    @property
    def dof(self) -> float:
        if self.se_seed == 0 or math.isinf(self.seed_dof):
            return math.inf
        return self.se**4 / (self.se_seed**4 / self.seed_dof)

    def quantile(self) -> float:
        upper = 1 - (1 - LEVEL) / 2
        return float(scipy_stats.norm.ppf(upper) if math.isinf(self.dof) else scipy_stats.t.ppf(upper, self.dof))

    def interval(self) -> tuple[float, float]:
        half = self.quantile() * self.se
        return self.value - half, self.value + half

    def p_value(self) -> float:
        if self.se == 0:
            return 0.0 if self.value != 0 else 1.0
        z = abs(self.value) / self.se
        tail = scipy_stats.norm.sf(z) if math.isinf(self.dof) else scipy_stats.t.sf(z, self.dof)
        return float(min(1.0, 2 * tail))


def holm(p_values: list[float]) -> list[float]:
    """Holm's step-down adjusted p-values, in the input's order: the i-th smallest p times (m - i + 1),
    made non-decreasing along the order, capped at 1."""
    m = len(p_values)
    order = np.argsort(p_values, kind="stable")
    adjusted = np.empty(m)
    running = 0.0
    for rank, index in enumerate(order):
        running = max(running, min(1.0, (m - rank) * p_values[index]))
        adjusted[index] = running
    return adjusted.tolist()


def family(
    name: str, differences: dict, words: dict | tuple[str, str], off_scale: set | frozenset = frozenset()
) -> dict:
    """key -> Comparison for one family of differences (key -> Difference).

    words: (word when the difference is positive, word when negative), for the whole family or per key.
    Keys in `off_scale` keep their measured difference but get no p-value and the verdict OFF_SCALE;
    the Holm adjustment runs over the others."""
    read = [key for key in differences if key not in off_scale]
    adjusted = dict(zip(read, holm([differences[key].p_value() for key in read])))
    out = {}
    for key, difference in differences.items():
        low, high = difference.interval()
        if key in adjusted:
            up, down = words[key] if isinstance(words, dict) else words
            verdict = (up if difference.value > 0 else down) if adjusted[key] < FAMILY_ALPHA else NOT_RESOLVED
        else:
            verdict = OFF_SCALE
        out[key] = Comparison(
            value=difference.value,
            low=low,
            high=high,
            se_sampling=difference.se_sampling,
            se_seed=difference.se_seed,
            dof=None if math.isinf(difference.dof) else difference.dof,
            p=difference.p_value() if key in adjusted else None,
            p_holm=adjusted.get(key),
            family=name,
            verdict=verdict,
        )
    return out


def pooled_seed_variance(groups: list[list[float]]) -> tuple[float, float]:
    """The variance between training seeds, pooled over groups (e.g. variants) that were each trained
    with two or more seeds: (sum of squared deviations from each group's mean / degrees of freedom,
    degrees of freedom = sum of (seeds - 1)). Groups of one seed add nothing; (nan, 0) when none has two."""
    dof = sum(len(g) - 1 for g in groups if len(g) > 1)
    if dof == 0:
        return math.nan, 0.0
    squares = sum(float(((np.asarray(g) - np.mean(g)) ** 2).sum()) for g in groups if len(g) > 1)
    return squares / dof, float(dof)
