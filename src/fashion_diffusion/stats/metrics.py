"""Sample-quality metrics computed in the judge's feature space: pure functions on arrays.

Statistics are computed in float64 whatever the input dtype. Inputs may be numpy arrays or
torch tensors (CPU or not); outputs are numpy arrays or Python floats. Inception weights
cannot be downloaded here, so FID uses the judge's penultimate features: its values are not
comparable with published Inception FIDs, only with each other at equal sample sizes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


def _as_float64(x) -> np.ndarray:
    if hasattr(x, "detach"):  # a torch tensor
        x = x.detach().cpu().double().numpy()
    return np.asarray(x, dtype=np.float64)


def gaussian_stats(features) -> tuple[np.ndarray, np.ndarray]:
    """Mean (D,) and unbiased covariance (D, D) of features (N, D), as in pytorch-fid."""
    x = _as_float64(features)
    if x.ndim != 2 or x.shape[0] < 2:
        raise ValueError(f"features must have shape (N >= 2, D), got {x.shape}")
    return x.mean(axis=0), np.cov(x, rowvar=False).reshape(x.shape[1], x.shape[1])


def _sqrt_psd(matrix: np.ndarray) -> np.ndarray:
    """Symmetric square root of a covariance; round-off negatives are clipped to zero."""
    eigenvalues, eigenvectors = np.linalg.eigh((matrix + matrix.T) / 2)
    return (eigenvectors * np.sqrt(np.clip(eigenvalues, 0.0, None))) @ eigenvectors.T


def _trace_sqrt_product(sigma1: np.ndarray, sigma2: np.ndarray, root1: np.ndarray | None = None) -> float:
    """Tr (sigma1 sigma2)^(1/2) = sum sqrt(eig(sigma1^(1/2) sigma2 sigma1^(1/2))).

    The middle product is symmetric PSD, so `eigvalsh` is stable and real, unlike sqrtm of the
    non-symmetric sigma1 sigma2 (pytorch-fid needs an eps retry and drops imaginary parts).
    `root1`, sigma1^(1/2) when already known, saves the eigendecomposition of sigma1.
    """
    root1 = _sqrt_psd(sigma1) if root1 is None else root1
    middle = root1 @ sigma2 @ root1
    eigenvalues = np.linalg.eigvalsh((middle + middle.T) / 2)
    return float(np.sqrt(np.clip(eigenvalues, 0.0, None)).sum())


def frechet_distance(mu1, sigma1, mu2, sigma2) -> float:
    """Frechet distance between N(mu1, sigma1) and N(mu2, sigma2) (Heusel et al. 2017, FID):

    d^2 = |mu1 - mu2|^2 + Tr(sigma1) + Tr(sigma2) - 2 Tr (sigma1 sigma2)^(1/2)
    """
    mu1, mu2 = _as_float64(mu1), _as_float64(mu2)
    sigma1, sigma2 = _as_float64(sigma1), _as_float64(sigma2)
    if mu1.shape != mu2.shape or sigma1.shape != sigma2.shape:
        raise ValueError(f"shape mismatch: mu {mu1.shape} vs {mu2.shape}, sigma {sigma1.shape} vs {sigma2.shape}")
    mean_term = float(np.sum((mu1 - mu2) ** 2))
    covariance_term = np.trace(sigma1) + np.trace(sigma2) - 2.0 * _trace_sqrt_product(sigma1, sigma2)
    return mean_term + float(covariance_term)


@dataclass(frozen=True)
class GaussianReference:
    """The Gaussian statistics of a fixed reference feature set, with the square root of its
    covariance computed once: FID against it then costs one `eigvalsh` (bootstraps call it often)."""

    mean: np.ndarray  # (D,)
    cov: np.ndarray  # (D, D)
    cov_root: np.ndarray  # (D, D) symmetric square root of cov

    @classmethod
    def of(cls, features) -> GaussianReference:
        mean, cov = gaussian_stats(features)
        return cls(mean, cov, _sqrt_psd(cov))

    def fid(self, features) -> float:
        """FID of features (N, D) against this reference; equal to `fid(features, reference features)`."""
        mean, cov = gaussian_stats(features)
        covariance_term = np.trace(cov) + np.trace(self.cov) - 2.0 * _trace_sqrt_product(self.cov, cov, self.cov_root)
        return float(np.sum((mean - self.mean) ** 2)) + float(covariance_term)


def fid(features_a, features_b) -> float:
    """FID between two feature sets (Na, D) and (Nb, D). Biased upwards at small N: compare
    only values computed at the same sample sizes."""
    return frechet_distance(*gaussian_stats(features_a), *gaussian_stats(features_b))


def class_accuracy(probs, requested_labels, num_classes: int) -> tuple[float, np.ndarray]:
    """How often the judge's argmax is the class the generator was asked for.

    probs (N, C), requested_labels (N,) -> (overall accuracy, per-class accuracy (num_classes,));
    a class with no requested images gets NaN.
    """
    probs, requested = _as_float64(probs), _as_float64(requested_labels).astype(np.int64)
    correct = probs.argmax(axis=1) == requested
    counts = np.bincount(requested, minlength=num_classes).astype(np.float64)
    hits = np.bincount(requested, weights=correct, minlength=num_classes)
    with np.errstate(invalid="ignore", divide="ignore"):
        per_class = np.where(counts > 0, hits / counts, np.nan)
    return float(correct.mean()), per_class


def requested_class_confidence(probs, requested_labels) -> float:
    """Mean judge probability of the requested class: probs (N, C), requested_labels (N,)."""
    probs, requested = _as_float64(probs), _as_float64(requested_labels).astype(np.int64)
    return float(probs[np.arange(len(requested)), requested].mean())


def recognition_point(probs_along_trajectory, requested_labels, fractions) -> np.ndarray:
    """When each denoising trajectory becomes, for good, an image of the requested class.

    probs_along_trajectory (S, N, C): judge probabilities at S recorded points of N trajectories;
    requested_labels (N,); fractions (S,): increasing fraction of the denoising completed at
    each point (0 = pure noise, 1 = final image).
    Returns (N,) float64: the smallest fraction from which the argmax equals the requested class
    at every later recorded point. NaN when the final image is not recognised, so `np.nanmean`
    averages over recognised images and `np.isnan` counts the others.
    """
    probs = _as_float64(probs_along_trajectory)
    requested = _as_float64(requested_labels).astype(np.int64)
    fractions = _as_float64(fractions)
    if probs.ndim != 3 or probs.shape[0] != fractions.shape[0] or probs.shape[1] != requested.shape[0]:
        raise ValueError(
            f"expected probs (S, N, C) with S={fractions.shape[0]}, N={requested.shape[0]}; got {probs.shape}"
        )
    if np.any(np.diff(fractions) <= 0):
        raise ValueError("fractions must be strictly increasing")
    correct = probs.argmax(axis=2) == requested[None, :]  # (S, N)
    correct_until_end = np.flip(np.logical_and.accumulate(np.flip(correct, 0), axis=0), 0)  # (S, N)
    first = correct_until_end.argmax(axis=0)  # first True; 0 when none
    return np.where(correct_until_end[-1], fractions[first], np.nan)


def _average_ranks(x: np.ndarray) -> np.ndarray:
    """1-based ranks; tied values share the average of the ranks they span."""
    _, inverse, counts = np.unique(x, return_inverse=True, return_counts=True)
    ends = np.cumsum(counts)
    return ((ends - counts + 1 + ends) / 2.0)[inverse.reshape(-1)]


def spearman(a, b) -> float:
    """Spearman rank correlation of two (N,) sequences, ties by average rank; NaN if either is
    constant."""
    a, b = _as_float64(a).reshape(-1), _as_float64(b).reshape(-1)
    if a.shape != b.shape or a.size < 2:
        raise ValueError(f"need two sequences of equal length >= 2, got {a.shape} and {b.shape}")
    rank_a, rank_b = _average_ranks(a), _average_ranks(b)
    rank_a, rank_b = rank_a - rank_a.mean(), rank_b - rank_b.mean()
    denominator = np.sqrt(np.sum(rank_a**2) * np.sum(rank_b**2))
    return float(np.sum(rank_a * rank_b) / denominator) if denominator > 0 else float("nan")


def roc_auc(positive, negative) -> float:
    """P(score of a positive > score of a negative), ties counting one half (Mann-Whitney U / n_pos n_neg)."""
    positive, negative = _as_float64(positive).reshape(-1), _as_float64(negative).reshape(-1)
    ranks = _average_ranks(np.concatenate([positive, negative]))
    n_pos, n_neg = len(positive), len(negative)
    return float((ranks[:n_pos].sum() - n_pos * (n_pos + 1) / 2.0) / (n_pos * n_neg))


def polynomial_kernel(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """KID's cubic polynomial kernel k(x, y) = (x.y / D + 1)^3 (Binkowski et al. 2018) between rows of
    a (N, D) and b (M, D): (N, M) float64."""
    return (a @ b.T / a.shape[1] + 1.0) ** 3


@dataclass(frozen=True)
class KernelReference:
    """A fixed reference feature set (M, D) for KID, with its own kernel term computed once: the mean
    of k(y, y') over all pairs of distinct reference rows. KID against it is then the unbiased squared
    MMD over all of both sets (no random subsets), and resampled sample sets cost one matrix product
    each (`kid_of_counts`)."""

    features: np.ndarray  # (M, D)
    pair_mean: float  # mean of k(y_l, y_l') over l != l'

    @classmethod
    def of(cls, features, chunk: int = 1024) -> KernelReference:
        y = _as_float64(features)
        total = diagonal = 0.0
        for start in range(0, len(y), chunk):  # (M, M) at once would take M^2 x 8 bytes
            block = polynomial_kernel(y[start : start + chunk], y)
            total += float(block.sum())
            diagonal += float(np.trace(block, offset=start))
        m = len(y)
        return cls(y, (total - diagonal) / (m * (m - 1)))

    def terms(self, features) -> tuple[np.ndarray, np.ndarray]:
        """The kernel among the samples (N, N) and each sample's mean kernel with the reference (N,)."""
        x = _as_float64(features)
        return polynomial_kernel(x, x), polynomial_kernel(x, self.features).mean(axis=1)

    def kid(self, features) -> float:
        """Unbiased squared MMD of features (N >= 2, D) against the reference:
        mean_{i != j} k(x_i, x_j) + mean_{l != l'} k(y_l, y_l') - 2 mean_{i, l} k(x_i, y_l)."""
        kernel, cross = self.terms(features)
        return float(kid_of_counts(kernel, cross, self.pair_mean, np.ones((1, len(cross))))[0])


def kid_of_counts(kernel: np.ndarray, cross: np.ndarray, pair_mean: float, counts: np.ndarray) -> np.ndarray:
    """KID of resampled sets: counts (B, N) says how often each of the N samples is in each of B
    resamples (`stats.bootstrap.resample_counts`); kernel (N, N) and cross (N,) from
    `KernelReference.terms`. Pairs of distinct positions in a resample count, so a repeated image pairs
    with itself (a resample's KID rises like its FID). Returns (B,)."""
    counts = np.asarray(counts, dtype=np.float64)
    size = counts.sum(axis=1)
    pairs = ((counts @ kernel) * counts).sum(axis=1) - counts @ np.diag(kernel)
    return pairs / (size * (size - 1)) + pair_mean - 2.0 * (counts @ cross) / size


def kid(features_a, features_b) -> float:
    """Kernel Inception Distance (Binkowski et al. 2018) in any feature space: the unbiased squared MMD
    between the two sets with the cubic polynomial kernel. Unbiased at small n, unlike FID."""
    return KernelReference.of(features_b).kid(features_a)
