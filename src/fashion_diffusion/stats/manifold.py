"""Fidelity and variety of a sample set, apart: density and coverage (Naeem et al. 2020, arXiv
2002.09797), the outlier-robust forms of precision and recall (Kynkaanniemi et al. 2019).

Each real reference feature x_i gets a ball of radius r_i, the distance to its k-th nearest other
reference feature; the balls together estimate the real data's manifold.

    density  = 1 / (k N) sum_j sum_i 1[|y_j - x_i| < r_i]     (N samples y_j; about 1 for real data)
    coverage = 1 / M sum_i 1[some y_j lies in the ball of x_i]  (M reference features; the share of the
               real manifold that the samples reach)

FID mixes the two: a set that repeats its most typical images scores high density and low coverage.
Both depend on N (more samples reach more balls), so each is shown beside the value that as many real
images reach against the same reference. Both are linear in how often each sample is drawn, so a
bootstrap over samples is one matrix product (`of_counts`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

K_NEAREST = 5  # Naeem et al.'s k


def pairwise_distances(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Euclidean distances (N, M) between rows of a (N, D) and b (M, D), float64."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    squared = (a**2).sum(axis=1)[:, None] + (b**2).sum(axis=1)[None, :] - 2.0 * a @ b.T
    return np.sqrt(np.clip(squared, 0.0, None))


@dataclass(frozen=True)
class RealManifold:
    """Real reference features (M, D) and the radius of each one's k-nearest-neighbour ball (M,)."""

    features: np.ndarray
    radii: np.ndarray
    k: int

    @classmethod
    def of(cls, features, k: int = K_NEAREST) -> RealManifold:
        features = np.asarray(features, dtype=np.float64)
        if len(features) <= k:
            raise ValueError(
                f"a manifold of k = {k} nearest neighbours needs more than {k} features, got {len(features)}"
            )
        distances = pairwise_distances(features, features)
        radii = np.partition(distances, k, axis=1)[:, k]  # index 0 is the feature itself (distance 0)
        return cls(features, radii, k)

    def membership(self, samples) -> np.ndarray:
        """(M, N) bool: whether sample j lies inside the ball of reference feature i."""
        return pairwise_distances(self.features, samples) < self.radii[:, None]

    def density_coverage(self, samples) -> tuple[float, float]:
        density, coverage = self.of_counts(self.membership(samples), np.ones((1, len(samples))))
        return float(density[0]), float(coverage[0])

    def of_counts(self, membership: np.ndarray, counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Density and coverage (B,) of B resampled sets: counts (B, N) says how often each sample is
        in each (`stats.bootstrap.resample_counts`); membership (M, N) from `membership`."""
        counts = np.asarray(counts, dtype=np.float64)
        inside = membership.astype(np.float64)
        density = counts @ inside.sum(axis=0) / (self.k * counts.sum(axis=1))
        coverage = ((counts @ inside.T) > 0).mean(axis=1)
        return density, coverage
