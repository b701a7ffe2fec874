import numpy as np
import pytest

from fashion_diffusion.stats.bootstrap import bootstrap, difference_estimate, mean_estimate, resample_indices


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


def test_basic_interval_reflects_the_percentile_interval_around_the_value():
    values = np.arange(10, dtype=float)
    percentile = bootstrap(lambda idx: values[idx].max(), 10, 500, 0)
    basic = bootstrap(lambda idx: values[idx].max(), 10, 500, 0, method="basic")
    assert percentile.value == basic.value == 9.0
    assert basic.low == pytest.approx(2 * 9.0 - percentile.high)
    assert basic.high == pytest.approx(2 * 9.0 - percentile.low)
