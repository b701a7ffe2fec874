"""The judge and the real test set it measures against, and the FID floor of real images.

All FIDs are computed in the judge's penultimate feature space against the real test set, each
next to its floor: the FID of the same number of real training images, so a number has a scale
(FID is biased upwards at small n, by an amount that depends on n).
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import torch

from ..data.prepared import to_model_range
from ..scoring.judge.inference import features, predict_proba
from ..scoring.judge.net import JudgeNet
from ..stats import metrics
from ..stats.bootstrap import Estimate, bootstrap, mean_estimate, one_blas_thread, resample_indices, shifted_interval


@dataclass
class Scores:
    """The judge's view of one set of generated images (requested labels (N,))."""

    probs: np.ndarray  # (N, classes) judge probabilities
    features: np.ndarray  # (N, D) judge penultimate features
    labels: np.ndarray  # (N,) requested classes
    _resampled_fids: dict = field(default_factory=dict, repr=False, compare=False)

    def resampled_fids(self, gaussian: metrics.GaussianReference, resamples: int, seed: int) -> np.ndarray:
        """(resamples,) FID against `gaussian` of each bootstrap resample of these images, resampled
        within each requested class (`resample_indices(N, resamples, seed, strata=labels)`).

        A set's headline interval and every paired comparison with the same seed use the same
        resamples, so they are computed once per set (the most expensive statistic of the evaluation
        stages: one eigendecomposition each), on this process's share of the cores (torch's thread count), each thread with one BLAS thread."""
        key = (id(gaussian), resamples, seed)
        if key not in self._resampled_fids:
            index = resample_indices(len(self.labels), resamples, seed, strata=self.labels)
            with one_blas_thread(), ThreadPoolExecutor(torch.get_num_threads()) as pool:
                fids = pool.map(lambda rows: gaussian.fid(self.features[rows]), index)
                self._resampled_fids[key] = np.fromiter(fids, dtype=np.float64, count=resamples)
        return self._resampled_fids[key]

    @property
    def correct(self) -> np.ndarray:
        return self.probs.argmax(axis=1) == self.labels

    @property
    def confidence(self) -> np.ndarray:
        """(N,) judge probability of the requested class."""
        return self.probs[np.arange(len(self.labels)), self.labels]


def judge_samples(judge: JudgeNet, images: np.ndarray, labels: np.ndarray) -> Scores:
    """Judge probabilities and features of uint8 images (N, H, W) generated for labels (N,)."""
    x = to_model_range(images)
    return Scores(predict_proba(judge, x).numpy(), features(judge, x).numpy(), np.asarray(labels))


@dataclass
class Reference:
    """The judge and the real test set it measures against."""

    judge: JudgeNet
    test_features: np.ndarray  # (M, D)
    num_classes: int

    @classmethod
    def build(cls, judge: JudgeNet, test_images: torch.Tensor, num_classes: int) -> Reference:
        return cls(judge, features(judge, test_images).numpy(), num_classes)

    def judge_images(self, images: np.ndarray, labels: np.ndarray) -> Scores:
        return judge_samples(self.judge, images, labels)

    def score(self, images: np.ndarray, labels: np.ndarray) -> dict:
        """Point values: FID, accuracy (overall and per class) and mean confidence."""
        scores = self.judge_images(images, labels)
        accuracy, per_class = metrics.class_accuracy(scores.probs, scores.labels, self.num_classes)
        return {
            "fid": metrics.fid(scores.features, self.test_features),
            "accuracy": accuracy,
            "per_class_accuracy": per_class,
            "confidence": float(scores.confidence.mean()),
        }

    @cached_property
    def gaussian(self) -> metrics.GaussianReference:
        """The test features' Gaussian statistics, for repeated FIDs against them."""
        return metrics.GaussianReference.of(self.test_features)

    def headline(self, scores: Scores, resamples: int, seed: int) -> dict[str, Estimate]:
        """FID, KID, accuracy and confidence, each with a bootstrap interval over the samples
        (resampled within each requested class, so every resample keeps the class balance). FID's and
        KID's intervals are shifted back by the rise that repeated images give a resample."""
        fid_value = self.gaussian.fid(scores.features)
        fid = Estimate(fid_value, *shifted_interval(scores.resampled_fids(self.gaussian, resamples, seed), fid_value))
        kid_value = metrics.kid(scores.features, self.test_features, seed=seed)
        kid = bootstrap(
            lambda idx: metrics.kid(scores.features[idx], self.test_features, subsets=5, seed=seed),
            len(scores.labels),
            max(20, resamples // 10),
            seed,
            strata=scores.labels,
            method="shifted",
            value=kid_value,
        )
        return {
            "fid": fid,
            "kid": kid,
            "accuracy": mean_estimate(scores.correct, resamples, seed, strata=scores.labels),
            "confidence": mean_estimate(scores.confidence, resamples, seed, strata=scores.labels),
        }


def fid_floors(
    judge: JudgeNet, train_images: torch.Tensor, test_features: np.ndarray, sizes: list[int], seed: int
) -> dict[int, float]:
    """FID of n real training images (one seeded draw, nested across n) against the test features, per n.

    What a perfect generator would score with n samples against the same reference set."""
    order = torch.randperm(len(train_images), generator=torch.Generator().manual_seed(seed))
    return {n: metrics.fid(features(judge, train_images[order[:n]]), test_features) for n in sorted(set(sizes))}
