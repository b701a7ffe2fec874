import math

import numpy as np
import pytest
import torch

from fashion_diffusion.stats import metrics


def diagonal_fid(mu1, var1, mu2, var2) -> float:
    """Closed form for diagonal covariances: |mu1 - mu2|^2 + sum(v1 + v2 - 2 sqrt(v1 v2))."""
    return float(np.sum((mu1 - mu2) ** 2) + np.sum(var1 + var2 - 2 * np.sqrt(var1 * var2)))


def test_frechet_distance_matches_diagonal_closed_form():
    mu1, var1 = np.array([0.0, 1.0, -2.0]), np.array([1.0, 4.0, 0.25])
    mu2, var2 = np.array([1.0, 1.0, 0.0]), np.array([9.0, 1.0, 0.25])
    expected = diagonal_fid(mu1, var1, mu2, var2)  # 5 + (4 + 1 + 0) = 10
    assert expected == pytest.approx(10.0)
    assert metrics.frechet_distance(mu1, np.diag(var1), mu2, np.diag(var2)) == pytest.approx(expected, rel=1e-10)


def test_fid_on_large_samples_approaches_closed_form():
    rng = np.random.default_rng(0)
    mu1, var1 = np.array([0.0, 1.0, -2.0, 0.5]), np.array([1.0, 4.0, 0.25, 2.0])
    mu2, var2 = np.array([1.0, 1.0, 0.0, 0.5]), np.array([9.0, 1.0, 0.25, 0.5])
    a = mu1 + np.sqrt(var1) * rng.standard_normal((200_000, 4))
    b = mu2 + np.sqrt(var2) * rng.standard_normal((200_000, 4))
    assert metrics.fid(a, b) == pytest.approx(diagonal_fid(mu1, var1, mu2, var2), rel=0.02)


def test_fid_of_identical_sets_is_zero_and_accepts_torch():
    features = torch.randn(500, 16, generator=torch.Generator().manual_seed(0))
    assert metrics.fid(features, features) == pytest.approx(0.0, abs=1e-8)
    mu, sigma = metrics.gaussian_stats(features)
    assert mu.dtype == np.float64 and sigma.shape == (16, 16)


def test_fid_with_rank_deficient_covariance_is_finite_and_nonnegative():
    rng = np.random.default_rng(1)
    a, b = rng.standard_normal((10, 32)), rng.standard_normal((10, 32))  # N < D: singular covariances
    value = metrics.fid(a, b)
    assert math.isfinite(value) and value >= 0


def test_frechet_distance_non_diagonal_matches_direct_computation():
    rng = np.random.default_rng(2)
    m1, m2 = rng.standard_normal((5, 5)), rng.standard_normal((5, 5))
    sigma1, sigma2 = m1 @ m1.T + 0.1 * np.eye(5), m2 @ m2.T + 0.1 * np.eye(5)
    mu1, mu2 = rng.standard_normal(5), rng.standard_normal(5)
    # Tr sqrtm(sigma1 sigma2) via the eigenvalues of the (non-symmetric) product, which are
    # real and positive for two positive definite matrices.
    trace_sqrt = np.sum(np.sqrt(np.linalg.eigvals(sigma1 @ sigma2).real))
    expected = np.sum((mu1 - mu2) ** 2) + np.trace(sigma1) + np.trace(sigma2) - 2 * trace_sqrt
    assert metrics.frechet_distance(mu1, sigma1, mu2, sigma2) == pytest.approx(expected, rel=1e-9)
    # symmetric in its two arguments
    assert metrics.frechet_distance(mu2, sigma2, mu1, sigma1) == pytest.approx(expected, rel=1e-9)


def test_class_accuracy_and_confidence_by_hand():
    probs = np.array(
        [
            [0.7, 0.2, 0.1],  # requested 0: right
            [0.1, 0.3, 0.6],  # requested 0: wrong
            [0.2, 0.5, 0.3],  # requested 1: right
            [0.1, 0.1, 0.8],  # requested 1: wrong
        ]
    )
    requested = np.array([0, 0, 1, 1])
    overall, per_class = metrics.class_accuracy(probs, requested, num_classes=3)
    assert overall == pytest.approx(0.5)
    np.testing.assert_allclose(per_class[:2], [0.5, 0.5])
    assert np.isnan(per_class[2])  # class 2 was never requested
    confidence = metrics.requested_class_confidence(probs, requested)
    assert confidence == pytest.approx((0.7 + 0.1 + 0.5 + 0.1) / 4)


def test_recognition_point_on_hand_made_trajectories():
    fractions = np.array([0.0, 0.25, 0.5, 0.75, 1.0])
    # argmax per recorded point for 4 trajectories, all requesting class 1
    argmax = np.array(
        [
            [0, 1, 1, 1, 1],  # recognised from 0.25 on
            [1, 1, 0, 1, 1],  # flips back at 0.5: recognised for good only from 0.75
            [1, 1, 1, 1, 0],  # lost at the end: never recognised
            [1, 1, 1, 1, 1],  # recognised from pure noise
        ]
    ).T  # (S, N)
    probs = np.eye(3)[argmax] * 0.8 + 0.2 / 3  # (S, N, C), argmax as above
    result = metrics.recognition_point(probs, np.ones(4, dtype=np.int64), fractions)
    np.testing.assert_array_equal(result[[0, 1, 3]], [0.25, 0.75, 0.0])
    assert np.isnan(result[2])


def test_recognition_point_rejects_mismatched_shapes():
    with pytest.raises(ValueError, match="strictly increasing"):
        metrics.recognition_point(np.zeros((2, 1, 3)), np.zeros(1), np.array([0.5, 0.5]))
    with pytest.raises(ValueError, match="expected probs"):
        metrics.recognition_point(np.zeros((3, 1, 3)), np.zeros(1), np.array([0.0, 1.0]))


def test_spearman_by_hand_with_ties():
    # ranks of a: [1, 2.5, 2.5, 4]; of b: [1, 2, 3, 4]
    a, b = [10.0, 20.0, 20.0, 30.0], [1.0, 2.0, 3.0, 4.0]
    # centred ranks: a [-1.5, 0, 0, 1.5], b [-1.5, -0.5, 0.5, 1.5] -> 4.5 / sqrt(4.5 * 5)
    assert metrics.spearman(a, b) == pytest.approx(4.5 / math.sqrt(4.5 * 5.0))
    assert metrics.spearman([1, 2, 3], [30, 20, 10]) == pytest.approx(-1.0)
    assert metrics.spearman([1, 2, 3], [1, 4, 9]) == pytest.approx(1.0)  # monotone, not linear
    assert math.isnan(metrics.spearman([1, 1, 1], [1, 2, 3]))


def test_roc_auc_matches_hand_computed_values():
    # pairs (pos > neg): 0.9 beats 3, 0.8 beats 2 and ties 1, 0.3 beats 1 -> 6.5 of 9
    assert metrics.roc_auc([0.9, 0.8, 0.3], [0.1, 0.4, 0.8]) == pytest.approx(6.5 / 9)
    assert metrics.roc_auc([2.0, 3.0], [0.0, 1.0]) == 1.0
    assert metrics.roc_auc([0.0], [1.0, 2.0]) == 0.0
    assert metrics.roc_auc([1.0, 1.0], [1.0]) == 0.5


def test_kid_is_near_zero_for_one_distribution_and_grows_with_a_shift():
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=(400, 8)), rng.normal(size=(400, 8))
    same, shifted = metrics.kid(a, b), metrics.kid(a, b + 0.5)
    assert abs(same) < shifted / 20
    # unbiased: a small set scores about the same as a large one (FID would grow as n shrinks)
    assert abs(metrics.kid(a[:20], b)) < shifted / 10
