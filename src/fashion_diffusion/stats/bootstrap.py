"""Bootstrap intervals: how far a statistic could move with another draw of the samples.

    percentile interval = quantiles (alpha/2, 1 - alpha/2) of statistic(resample_b), b = 1..B,
    each resample drawing n of the n items with replacement (Efron & Tibshirani 1993, ch. 13).
    shifted interval = percentile interval - bias, bias = median_b statistic(resample_b) - statistic,
    for statistics that a resample biases (FID and KID rise when images repeat; ch. 10 for the bias).

Groups (e.g. classes) can be resampled within themselves (`strata`), so every resample keeps the
same number of images per class, as the experiment did.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from threadpoolctl import threadpool_limits

INTERVALS = ("percentile", "shifted")  # the methods of `bootstrap`


@dataclass(frozen=True)
class Estimate:
    """A statistic with its 95% bootstrap interval."""

    value: float
    low: float
    high: float

    def excludes(self, reference: float) -> bool:
        """Whether the interval lies wholly on one side of `reference` (e.g. 0 for a difference)."""
        return self.low > reference or self.high < reference

    def as_dict(self, prefix: str) -> dict[str, float]:
        return {prefix: self.value, f"{prefix}_low": self.low, f"{prefix}_high": self.high}


def flat_estimates(estimates: dict[str, Estimate]) -> dict[str, float]:
    """{name: Estimate} -> {name, name_low, name_high}: flat keys for JSON metrics."""
    return {key: value for name, estimate in estimates.items() for key, value in estimate.as_dict(name).items()}


def resample_indices(n: int, resamples: int, seed: int, strata: np.ndarray | None = None) -> np.ndarray:
    """(resamples, n) indices drawn with replacement, within each stratum if strata (n,) is given."""
    rng = np.random.default_rng(seed)
    if strata is None:
        return rng.integers(0, n, size=(resamples, n))
    strata = np.asarray(strata)
    out = np.empty((resamples, n), dtype=np.int64)
    for group in np.unique(strata):
        members = np.flatnonzero(strata == group)
        out[:, members] = members[rng.integers(0, len(members), size=(resamples, len(members)))]
    return out


def resample_counts(indices: np.ndarray, n: int) -> np.ndarray:
    """(B, n) float64: how often each of the n items appears in each resample of indices (B, n'), so a
    statistic that is linear or quadratic in the items (a mean, KID, density, coverage) is one matrix
    product for all resamples."""
    indices = np.asarray(indices)
    counts = np.zeros((len(indices), n))
    np.add.at(counts, (np.arange(len(indices))[:, None], indices), 1.0)
    return counts


def bootstrap(
    statistic: Callable[[np.ndarray], float],
    n: int,
    resamples: int,
    seed: int,
    strata: np.ndarray | None = None,
    method: str = "percentile",
    value: float | None = None,
) -> Estimate:
    """statistic(indices) on all n items (or the given `value`), with a 95% interval over resamples.

    method "percentile": the quantiles q(2.5%), q(97.5%) of the resampled statistic.
    method "shifted": that interval less the resamples' bias (`shifted_interval`), for a statistic
    biased by the sample (FID and KID rise when a resample repeats images); it contains the value.
    """
    if method not in INTERVALS:
        raise ValueError(f"bootstrap method is {method!r}; valid: {', '.join(INTERVALS)}")
    value = float(statistic(np.arange(n))) if value is None else value
    with one_blas_thread():
        values = np.array([statistic(idx) for idx in resample_indices(n, resamples, seed, strata)])
    low, high = shifted_interval(values, value) if method == "shifted" else percentile_interval(values)
    return Estimate(value, low, high)


def mean_estimate(values: np.ndarray, resamples: int, seed: int, strata: np.ndarray | None = None) -> Estimate:
    """The mean of values (n,) with its interval (vectorised: one matrix of resampled means)."""
    values = np.asarray(values, dtype=np.float64)
    means = values[resample_indices(len(values), resamples, seed, strata)].mean(axis=1)
    low, high = np.quantile(means, [0.025, 0.975])
    return Estimate(float(values.mean()), float(low), float(high))


def difference_estimate(a: np.ndarray, b: np.ndarray, resamples: int, seed: int) -> Estimate:
    """mean(a) - mean(b) for two independent sets, each resampled on its own."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    diffs = a[resample_indices(len(a), resamples, seed)].mean(axis=1) - b[
        resample_indices(len(b), resamples, seed + 1)
    ].mean(axis=1)
    low, high = np.quantile(diffs, [0.025, 0.975])
    return Estimate(float(a.mean() - b.mean()), float(low), float(high))


def percentile_interval(values: np.ndarray) -> tuple[float, float]:
    """The 95% interval of resampled values (n,): their 2.5% and 97.5% quantiles (see `_finite_quantiles`)."""
    low, high = _finite_quantiles(values, [0.025, 0.975])
    return low, high


def shifted_interval(values: np.ndarray, value: float) -> tuple[float, float]:
    """The percentile interval of resampled values (n,) less their bias, median(values) - value:
    [value + (q2.5% - median), value + (q97.5% - median)].

    It keeps the percentile interval's width and moves it back by how far the resamples typically sit
    from the value (FID and KID of a resample sit above it: repeated images look less diverse). The
    median, not the mean, estimates that bias: it lies between the two quantiles, so the interval
    contains the value by construction (the mean of a skewed statistic can lie outside them), and one
    outlying resample cannot move it.
    """
    low, median, high = _finite_quantiles(values, [0.025, 0.5, 0.975])
    # (q - median) first: its sign is exact, so rounding cannot push the value outside
    return float(value + (low - median)), float(value + (high - median))


def _finite_quantiles(values: np.ndarray, levels: list[float]) -> list[float]:
    """Quantiles of the finite values (a resample can make a statistic undefined, e.g. a rank
    correlation of a constant); NaN when none is finite."""
    finite = np.asarray(values, dtype=np.float64)
    finite = finite[np.isfinite(finite)]
    if not len(finite):
        return [float("nan")] * len(levels)
    return [float(q) for q in np.quantile(finite, levels)]


def one_blas_thread():
    """Resampled statistics are many small matrix problems (FID: 256 x 256 eigenvalues); threads
    fight over them, 20x slower on a busy 2-core machine than one thread (measured), so loops run
    with one BLAS thread."""
    return threadpool_limits(limits=1, user_api="blas")
