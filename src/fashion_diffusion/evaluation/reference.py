"""The judge, the real data it measures against, and what it measures of a set of generated images.

The independent judge (`scoring/judge`, trained on real images only) reads every generated set two
ways: its argmax says which class an image looks like (accuracy on the requested class: fidelity to
the label), and its penultimate features place the set against the real test set: FID and KID (the
distance between the two distributions), density (fidelity) and coverage (variety, `stats.manifold`).
Every value stands beside the value that as many real training images reach (`RealAtN`), since FID and
coverage depend on n.

The judge can be read only where its inputs look like what it was trained on. A set it cannot read
(noise, blobs) collapses onto a few judged classes whatever was requested: `Scores.judged_classes` (the
effective number of classes the judge assigns) below `READABLE_CLASS_SHARE` of the classes marks the set
off scale, and no accuracy, FID, KID, density or coverage verdict is drawn from it.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import torch

from ..data.prepared import balanced_draw, to_model_range
from ..scoring.judge.inference import features, predict_proba
from ..scoring.judge.net import JudgeNet
from ..stats import metrics
from ..stats.bootstrap import one_blas_thread, percentile_interval, resample_counts, resample_indices, shifted_interval
from ..stats.manifold import RealManifold

# What the judge measures of a set. FID, KID and coverage are biased by a resample's repeated images
# (FID and KID rise, coverage falls), so their intervals are shifted back (`stats.bootstrap`).
MEASURES = ("accuracy", "confidence", "fid", "kid", "density", "coverage")
SHIFTED = frozenset({"fid", "kid", "coverage"})
# A set is off scale when the judge spreads it over fewer effective classes than this share of the
# classes (real test images: about all of them; noise: one to three).
READABLE_CLASS_SHARE = 0.5


@dataclass
class Measured:
    """The measures of one set (`MEASURES`), and each one over the bootstrap resamples (B,)."""

    values: dict[str, float]
    resampled: dict[str, np.ndarray]

    def interval(self, name: str) -> tuple[float, float]:
        """The 95% interval of one measure (shifted for the biased ones)."""
        if name in SHIFTED:
            return shifted_interval(self.resampled[name], self.values[name])
        return percentile_interval(self.resampled[name])

    @staticmethod
    def mean(sets: list[Measured]) -> Measured:
        """Several sets (e.g. one per training seed, resampled with the same indices) as their mean."""
        return Measured(
            {name: float(np.mean([s.values[name] for s in sets])) for name in sets[0].values},
            {name: np.mean([s.resampled[name] for s in sets], axis=0) for name in sets[0].resampled},
        )


@dataclass
class Scores:
    """The judge's view of one set of generated images (requested labels (N,))."""

    probs: np.ndarray  # (N, classes) judge probabilities
    features: np.ndarray  # (N, D) judge penultimate features
    labels: np.ndarray  # (N,) requested classes
    _measured: dict = field(default_factory=dict, repr=False, compare=False)

    @property
    def correct(self) -> np.ndarray:
        return self.probs.argmax(axis=1) == self.labels

    @property
    def confidence(self) -> np.ndarray:
        """(N,) judge probability of the requested class."""
        return self.probs[np.arange(len(self.labels)), self.labels]

    @property
    def judged_classes(self) -> float:
        """The effective number of classes the judge assigns the set to: exp of the entropy of its argmax
        histogram (10 for ten equally used classes, 1 when every image goes to one class)."""
        shares = np.bincount(self.probs.argmax(axis=1), minlength=self.probs.shape[1]) / len(self.labels)
        shares = shares[shares > 0]
        return float(np.exp(-(shares * np.log(shares)).sum()))

    def readable(self) -> bool:
        """Whether the judge can read this set: it does not collapse onto a few classes (see the module)."""
        return self.judged_classes >= READABLE_CLASS_SHARE * self.probs.shape[1]


def judge_samples(judge: JudgeNet, images: np.ndarray, labels: np.ndarray) -> Scores:
    """Judge probabilities and features of uint8 images (N, H, W) generated for labels (N,)."""
    x = to_model_range(images)
    return Scores(predict_proba(judge, x).numpy(), features(judge, x).numpy(), np.asarray(labels))


@dataclass(frozen=True)
class RealAtN:
    """What n real training images (a class-balanced seeded draw) reach against the same reference:
    the scale beside a generated set of n images."""

    n: int
    fid: float
    kid: float
    density: float
    coverage: float


@dataclass
class Reference:
    """The judge and the real test set it measures against."""

    judge: JudgeNet
    test_features: np.ndarray  # (M, D)
    test_labels: np.ndarray  # (M,)
    num_classes: int
    draw_seed: int  # of the class-balanced real draws (manifold references, real sets at n)
    _manifolds: dict = field(default_factory=dict, repr=False)

    @classmethod
    def build(
        cls, judge: JudgeNet, test_images: torch.Tensor, test_labels: np.ndarray, num_classes: int, draw_seed: int
    ) -> Reference:
        return cls(judge, features(judge, test_images).numpy(), np.asarray(test_labels), num_classes, draw_seed)

    def judge_images(self, images: np.ndarray, labels: np.ndarray) -> Scores:
        return judge_samples(self.judge, images, labels)

    @cached_property
    def gaussian(self) -> metrics.GaussianReference:
        """The test features' Gaussian statistics, for repeated FIDs against them."""
        return metrics.GaussianReference.of(self.test_features)

    @cached_property
    def kernel(self) -> metrics.KernelReference:
        """The test features for KID, with their own kernel term computed once."""
        return metrics.KernelReference.of(self.test_features)

    def manifold(self, n: int) -> RealManifold:
        """The real manifold density and coverage of n images are measured against: n test images, as
        many of each class (a draw of `draw_seed`), the same for every set of n."""
        if n not in self._manifolds:
            draw = balanced_draw(self.test_labels, max(1, n // self.num_classes), self.draw_seed)
            self._manifolds[n] = RealManifold.of(self.test_features[draw])
        return self._manifolds[n]

    def measure(self, scores: Scores, resamples: int, seed: int) -> Measured:
        """Every measure of `MEASURES` of a set, and over its bootstrap resamples: (resamples, N) indices
        drawn within each requested class (`resample_indices(N, resamples, seed, strata=labels)`), so
        sets of the same labels compared with the same seed are resampled image for image (paired).
        Computed once per set."""
        key = (id(self), resamples, seed)
        if key in scores._measured:
            return scores._measured[key]
        n = len(scores.labels)
        index = resample_indices(n, resamples, seed, strata=scores.labels)
        counts = resample_counts(index, n)
        kernel, cross = self.kernel.terms(scores.features)
        manifold = self.manifold(n)
        membership = manifold.membership(scores.features)
        density, coverage = manifold.of_counts(membership, counts)
        with one_blas_thread(), ThreadPoolExecutor(torch.get_num_threads()) as pool:
            fids = np.fromiter(pool.map(lambda rows: self.gaussian.fid(scores.features[rows]), index), np.float64)
        values = {
            "accuracy": float(scores.correct.mean()),
            "confidence": float(scores.confidence.mean()),
            "fid": self.gaussian.fid(scores.features),
            "kid": self.kernel.kid(scores.features),
            **dict(zip(("density", "coverage"), manifold.density_coverage(scores.features))),
        }
        resampled = {
            "accuracy": counts @ scores.correct.astype(np.float64) / n,
            "confidence": counts @ scores.confidence.astype(np.float64) / n,
            "fid": fids,
            "kid": metrics.kid_of_counts(kernel, cross, self.kernel.pair_mean, counts),
            "density": density,
            "coverage": coverage,
        }
        scores._measured[key] = Measured(values, resampled)
        return scores._measured[key]

    def real_at(self, train_images: torch.Tensor, train_labels: np.ndarray, n: int) -> RealAtN:
        """What n real training images (n / classes of each, a draw of `draw_seed`) reach."""
        draw = balanced_draw(np.asarray(train_labels), max(1, n // self.num_classes), self.draw_seed)
        real = features(self.judge, train_images[torch.as_tensor(draw)]).numpy()
        density, coverage = self.manifold(n).density_coverage(real)
        return RealAtN(n, self.gaussian.fid(real), self.kernel.kid(real), density, coverage)
