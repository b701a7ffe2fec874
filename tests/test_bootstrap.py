import numpy as np
import pytest

from fashion_diffusion.stats import metrics
from fashion_diffusion.stats.bootstrap import (
    bootstrap,
    difference_estimate,
    mean_estimate,
    resample_indices,
    shifted_interval,
)


def test_resampling_within_strata_keeps_each_stratum_in_place():
    strata = np.array([0, 0, 0, 1, 1])
    idx = resample_indices(5, 50, seed=0, strata=strata)
    assert idx.shape == (50, 5)
    assert set(idx[:, :3].ravel()) <= {0, 1, 2} and set(idx[:, 3:].ravel()) <= {3, 4}


def test_mean_interval_covers_the_mean_and_narrows_with_n():
    rng = np.random.default_rng(0)
    small, large = rng.normal(1.0, 1.0, 50), rng.normal(1.0, 1.0, 5000)
    est_small, est_large = mean_estimate(small, 1000, 0), mean_estimate(large, 1000, 0)
    assert est_small.low < est_small.value < est_small.high
    assert est_large.high - est_large.low < (est_small.high - est_small.low) / 5
    assert est_large.low < 1.0 < est_large.high


def test_difference_of_clearly_different_sets_excludes_zero():
    rng = np.random.default_rng(1)
    clear = difference_estimate(rng.normal(1, 1, 400), rng.normal(0, 1, 400), 1000, 0)
    unclear = difference_estimate(rng.normal(0, 1, 400), rng.normal(0, 1, 400), 1000, 0)
    assert clear.excludes(0.0) and clear.low > 0
    assert not unclear.excludes(0.0)


def test_shifted_interval_is_the_percentile_interval_less_the_median_bias_and_contains_the_value():
    distinct = lambda idx: float(len(np.unique(idx)))  # noqa: E731 (biased like FID: a resample repeats items)
    percentile = bootstrap(distinct, 10, 500, 0)
    shifted = bootstrap(distinct, 10, 500, 0, method="shifted")
    resampled = np.array([distinct(idx) for idx in resample_indices(10, 500, 0)])
    bias = np.median(resampled) - 10.0
    assert percentile.value == shifted.value == 10.0 and bias < 0
    assert percentile.high < 10.0  # the percentile interval misses the value
    assert shifted.low == pytest.approx(percentile.low - bias) and shifted.high == pytest.approx(percentile.high - bias)
    assert shifted.low <= shifted.value <= shifted.high


def test_shifted_fid_interval_contains_the_fid_that_its_resamples_overestimate():
    rng = np.random.default_rng(2)
    reference = metrics.GaussianReference.of(rng.normal(size=(2000, 16)))
    samples = rng.normal(size=(100, 16))  # drawn like the reference: FID is small, resamples raise it
    fid = lambda idx: reference.fid(samples[idx])  # noqa: E731
    percentile = bootstrap(fid, 100, 300, 0)
    shifted = bootstrap(fid, 100, 300, 0, method="shifted")
    assert percentile.low > percentile.value  # every likely resample has a higher FID than the samples
    assert shifted.low <= shifted.value <= shifted.high
    assert shifted.high - shifted.low == pytest.approx(percentile.high - percentile.low)


def test_shifted_interval_ignores_undefined_resamples_and_unknown_methods_stop():
    shifted = shifted_interval(np.array([np.nan, 1.0, 2.0, 3.0, np.inf]), 2.5)  # quantiles 1.05, 2, 2.95
    assert shifted == pytest.approx((2.5 + 1.05 - 2.0, 2.5 + 2.95 - 2.0))
    assert np.isnan(shifted_interval(np.array([np.nan]), 1.0)).all()
    with pytest.raises(ValueError, match="valid: percentile, shifted"):
        bootstrap(lambda idx: 0.0, 5, 10, 0, method="basic")
