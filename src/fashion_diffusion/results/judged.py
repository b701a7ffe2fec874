"""A set of generated images as the judge reads it, with the real data's values at the same n."""

from __future__ import annotations

from .base import Estimate, Result


class RealValues(Result):
    """What as many real training images reach against the same reference (the scale of each measure)."""

    fid: float  # the FID floor at this n
    kid: float
    density: float
    coverage: float


class JudgedSet(Result):
    """Judge accuracy on the requested class and mean confidence in it, FID and KID against the real test
    set, density (fidelity) and coverage (variety), each with its 95% interval over the samples; the
    real data's values at the same n; and whether the judge can read the set at all."""

    n: int
    accuracy: Estimate
    confidence: Estimate
    fid: Estimate
    kid: Estimate
    density: Estimate
    coverage: Estimate
    real: RealValues
    judged_classes: float  # effective number of classes the judge assigns the set to
    readable: bool  # False: off scale (collapsed onto a few judged classes); no verdict is drawn from it
    per_class_accuracy: list[float]
    seeds: int = 1  # trained models pooled (their mean; intervals over the samples only)

    @property
    def fid_over_floor(self) -> float:
        return self.fid.value / self.real.fid

    def flat(self) -> dict[str, float]:
        """Flat keys for a CSV row or a DVC metrics file: each measure with `_low` / `_high`, the real
        values as `<measure>_real` (FID's as `fid_floor`), and n."""
        row: dict[str, float] = {"samples": self.n}
        for name in ("accuracy", "confidence", "fid", "kid", "density", "coverage"):
            estimate = getattr(self, name)
            row |= {name: estimate.value, f"{name}_low": estimate.low, f"{name}_high": estimate.high}
        row |= {"fid_floor": self.real.fid, "kid_real": self.real.kid}
        row |= {"density_real": self.real.density, "coverage_real": self.real.coverage}
        return row | {"judged_classes": self.judged_classes, "readable": self.readable}
