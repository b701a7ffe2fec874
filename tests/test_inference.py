"""The statistics behind every verdict: differences with a training-seed component, Holm's method,
density and coverage, and the exact unbiased KID with its resampled form (small arrays)."""

import math

import numpy as np
import pytest
from scipy import stats as scipy_stats

from fashion_diffusion.results.base import NOT_RESOLVED, OFF_SCALE
from fashion_diffusion.stats import metrics
from fashion_diffusion.stats.bootstrap import resample_counts, resample_indices
from fashion_diffusion.stats.inference import Difference, family, holm, pooled_seed_variance
from fashion_diffusion.stats.manifold import RealManifold


def test_holm_adjusts_by_rank_and_keeps_the_order():
    # sorted: 0.005 x 4, 0.01 x 3, 0.03 x 2, 0.04 x 1 -> 0.02, 0.03, 0.06, max(0.06, 0.04)
    assert holm([0.01, 0.04, 0.03, 0.005]) == pytest.approx([0.03, 0.06, 0.06, 0.02])
    assert holm([0.3, 0.2]) == pytest.approx([0.4, 0.4])  # never below an earlier step
    assert holm([0.6, 0.7]) == [1.0, 1.0]


def test_a_difference_without_seeds_is_normal_and_its_interval_agrees_with_its_p_value():
    d = Difference(1.0, 0.5)
    low, high = d.interval()
    assert math.isinf(d.dof) and (low, high) == pytest.approx((1 - 1.959964 * 0.5, 1 + 1.959964 * 0.5), abs=1e-5)
    assert d.p_value() == pytest.approx(2 * scipy_stats.norm.sf(2.0))
    edge = Difference(1.959964 * 0.5, 0.5)  # the interval just touches 0 exactly when p = 0.05
    assert edge.interval()[0] == pytest.approx(0, abs=1e-5) and edge.p_value() == pytest.approx(0.05, abs=1e-5)


def test_a_seed_component_widens_the_interval_with_welch_satterthwaite_degrees_of_freedom():
    d = Difference(1.0, se_sampling=0.3, se_seed=0.4, seed_dof=3)
    assert d.se == pytest.approx(0.5)
    assert d.dof == pytest.approx(0.5**4 / (0.4**4 / 3))  # 7.32
    assert d.quantile() == pytest.approx(scipy_stats.t.ppf(0.975, d.dof))
    assert d.interval()[1] - d.value > 1.96 * 0.5  # wider than the normal interval of the same se


def test_pooled_seed_variance_uses_only_groups_of_two_or_more():
    variance, dof = pooled_seed_variance([[1.0, 3.0], [2.0, 2.0, 5.0], [9.0]])
    assert dof == 3 and variance == pytest.approx((2 + 6) / 3)  # squares: 1+1 and 1+1+4
    assert pooled_seed_variance([[1.0]])[1] == 0


def test_a_family_words_resolved_differences_holm_adjusted_and_leaves_off_scale_ones_out():
    differences = {"a": Difference(1.0, 0.3), "b": Difference(0.5, 0.24), "c": Difference(5.0, 0.1)}
    out = family("f", differences, ("better", "worse"), off_scale={"c"})
    assert out["c"].verdict == OFF_SCALE and out["c"].p is None and out["c"].value == 5.0
    assert out["a"].verdict == "better" and out["a"].p_holm == pytest.approx(2 * out["a"].p)  # m = 2, not 3
    # b alone (p = 0.037) would be resolved; Holm's second step, p x 1, keeps it only below 0.05
    assert out["b"].p == pytest.approx(0.0373, abs=1e-3) and out["b"].verdict == "better"
    weak = family("f", {"a": Difference(-0.5, 0.24), "b": Difference(-0.5, 0.24)}, ("higher", "lower"))
    assert weak["a"].p < 0.05 and weak["a"].verdict == NOT_RESOLVED  # 2 x 0.037 > 0.05


def test_density_and_coverage_of_real_data_and_of_a_collapsed_set():
    rng = np.random.default_rng(0)
    real = rng.normal(size=(600, 4))
    manifold = RealManifold.of(real[:300])
    density, coverage = manifold.density_coverage(real[300:])
    assert 0.8 < density < 1.2 and coverage > 0.9  # the same distribution: about 1, and nearly all covered
    collapsed = np.repeat(real[300:301], 300, axis=0)  # one image repeated: faithful but no variety
    density_c, coverage_c = manifold.density_coverage(collapsed)
    assert coverage_c < 0.05
    far = real[300:] + 10.0
    assert manifold.density_coverage(far) == (0.0, 0.0)


def test_resampled_density_and_coverage_equal_those_of_each_resampled_set():
    rng = np.random.default_rng(1)
    manifold = RealManifold.of(rng.normal(size=(100, 3)))
    samples = rng.normal(size=(80, 3))
    index = resample_indices(80, 5, seed=0)
    density, coverage = manifold.of_counts(manifold.membership(samples), resample_counts(index, 80))
    for b in range(5):
        assert (density[b], coverage[b]) == pytest.approx(manifold.density_coverage(samples[index[b]]))


def test_kid_is_the_unbiased_mmd_and_its_resampled_form_matches_a_direct_computation():
    rng = np.random.default_rng(2)
    a, b = rng.normal(size=(60, 5)), rng.normal(size=(300, 5))
    reference = metrics.KernelReference.of(b, chunk=64)
    k = metrics.polynomial_kernel
    direct = (
        (k(a, a).sum() - np.trace(k(a, a))) / (60 * 59)
        + (k(b, b).sum() - np.trace(k(b, b))) / (300 * 299)
        - 2 * k(a, b).mean()
    )
    assert reference.kid(a) == pytest.approx(direct) == pytest.approx(metrics.kid(a, b))
    assert abs(metrics.kid(rng.normal(size=(300, 5)), b)) < metrics.kid(b[:300] + 0.5, b) / 20  # unbiased: ~0
    index = resample_indices(60, 4, seed=0)
    kernel, cross = reference.terms(a)
    resampled = metrics.kid_of_counts(kernel, cross, reference.pair_mean, resample_counts(index, 60))
    for r, rows in zip(resampled, index):  # distinct positions pair, repeated images included
        x = a[rows]
        expected = (k(x, x).sum() - np.trace(k(x, x))) / (60 * 59) + reference.pair_mean - 2 * k(x, b).mean()
        assert r == pytest.approx(expected)
