"""Generated images as training data (section 5.1): classifiers trained on generated, real, or both kinds
of images, tested on the real test set (a classification accuracy score)."""

from __future__ import annotations

from .base import Comparison, Estimate, Result


class TrainingSet(Result):
    """Classifiers trained on one set, once per training seed: the accuracy (mean over the seeds) with its
    interval over the test images, each seed's accuracy, and the set minus the real set (paired over the
    test images, with the training-seed spread; None for the real set itself)."""

    name: str
    accuracy: Estimate
    seed_accuracies: list[float]
    versus_real: Comparison | None


class AugmentationStudy(Result):
    per_class: int  # images per class in each training set (generated, real, or as many of each)
    epochs: int
    batch_size: int
    seeds: list[int]
    test_images: int
    # the standard deviation of one training's accuracy between seeds, pooled over the sets, and its degrees
    # of freedom; None with one seed (the comparisons then carry the test-image spread only)
    seed_sd: float | None
    seed_dof: float
    family: str
    sets: list[TrainingSet]

    @property
    def real(self) -> TrainingSet:
        return next(s for s in self.sets if s.versus_real is None)
