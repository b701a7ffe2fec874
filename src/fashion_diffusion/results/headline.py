"""The headline sample set and the instrument that reads it: how the set was sampled, the judge's own
accuracy on real images, and the set as the judge reads it, class by class against the real images."""

from __future__ import annotations

import math

from pydantic import model_validator

from .base import Comparison, Estimate, Result
from .judged import JudgedSet


class TrajectoryRun(Result):
    """The recorded denoising trajectories (the pictures of 1.3 and the recognition point)."""

    sampler: str
    steps: int
    eta: float
    per_class: int
    record_every: int  # a frame every this many steps


class SampleRun(Result):
    """The headline set's sampling as the sampler ran it: `steps` as run (ddpm: all T), `eta` only for a
    sampler that has one (ddim: as configured; ddpm: 1), None for the DPM-Solvers (their noise is fixed
    by the algorithm)."""

    sampler: str
    steps: int
    eta: float | None
    guidance_scale: float
    use_ema: bool
    styles: list[str]  # requested style levels ([]: none)
    per_class: int
    samples: int
    device: str
    seconds: float
    images_per_second: float
    trajectories: TrajectoryRun


class JudgeResult(Result):
    """The independent judge (a classifier trained on real training images only) on the real test set."""

    test_accuracy: float
    per_class_test_accuracy: dict[str, float]  # class name -> accuracy
    test_images: int
    parameters: int
    seconds: float  # training time


class ClassAccuracy(Result):
    """One class of the headline set: judge accuracy on its generated images (interval over the samples)
    and on its real test images, and generated minus real."""

    name: str
    generated: Estimate
    real: float
    real_images: int
    versus_real: Comparison  # HIGHER_LOWER words

    @property
    def above_real(self) -> bool:
        return self.versus_real.resolved and self.versus_real.value > 0


class HeadlineResult(Result):
    """The headline set as the judge reads it (`judged`), each class against the real images (one family,
    `family`), and what that concludes: the weakest class (lowest generated accuracy, whether or not it
    lies below its real accuracy), the classes resolved below their real accuracy (`failing`) and above it
    (`above_real`)."""

    judged: JudgedSet
    family: str
    classes: list[ClassAccuracy]
    weakest: str
    failing: list[str]
    above_real: list[str]

    @model_validator(mode="after")
    def _weakest_is_a_lowest_class(self) -> HeadlineResult:
        """`weakest` names a class of the lowest generated accuracy (classes without samples, NaN, aside)."""
        accuracy = {c.name: c.generated.value for c in self.classes}
        lowest = min((value for value in accuracy.values() if not math.isnan(value)), default=math.nan)
        if accuracy.get(self.weakest) != lowest and not math.isnan(lowest):
            raise ValueError(f"weakest is {self.weakest!r}, not a class of the lowest generated accuracy ({lowest})")
        return self

    @property
    def weakest_class(self) -> ClassAccuracy:
        return next(c for c in self.classes if c.name == self.weakest)

    def headline(self) -> dict[str, float]:
        """The numbers `dvc metrics show` prints for the samples (reports/headline/samples.json)."""
        j = self.judged
        return {
            "fid": j.fid.value,
            "fid_low": j.fid.low,
            "fid_high": j.fid.high,
            "fid_over_floor": j.fid_over_floor,
            "kid": j.kid.value,
            "accuracy": j.accuracy.value,
            "accuracy_low": j.accuracy.low,
            "accuracy_high": j.accuracy.high,
            "coverage": j.coverage.value,
            "coverage_real": j.real.coverage,
            "density": j.density.value,
            "worst_class_accuracy": self.weakest_class.generated.value,
        }
