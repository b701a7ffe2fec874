"""Why some classes are harder to generate (section 4.2): per-class difficulty of the samples, properties
of the real classes, and the hypothesis that links them, tested prediction by prediction."""

from __future__ import annotations

from .base import Comparison, Estimate, Result

# The words of a rank correlation whose sign a hypothesis predicts: (predicted sign, the other sign)
HYPOTHESIS_WORDS = ("supported", "contradicted")
# What the predictions say together
HELD = "held (supported where resolved, never contradicted)"
MIXED = "mixed (some predictions supported, others contradicted)"
FAILED = "failed (its resolved predictions contradicted)"
UNDEFINED = "undefined (constant over the classes)"


class ClassRow(Result):
    """One class: judge accuracy on its samples (95% interval over them), KID of the samples against the
    class's real test images (interval over the samples) beside what as many real training images of the
    class reach, FID likewise as a level (a covariance of n = samples per class is rank-deficient), the
    judge's accuracy on the class's real test images, and two properties of its real training images."""

    name: str
    generated_accuracy: Estimate
    kid: Estimate
    kid_real: float
    fid: float
    fid_real: float
    real_accuracy: float
    pixel_variance: float  # mean over pixels of the variance across the class's images, in [0, 1] units
    edge_density: float  # share of pixels whose Sobel magnitude exceeds difficulty.edge_threshold


class Hypothesis(Result):
    """One prediction: the Spearman correlation over classes of a property with a difficulty measure
    (95% percentile interval over resampled classes), and the same tested against 0 (normal interval,
    Holm within the family), whose verdict says whether the predicted sign is supported. Both None when
    the correlation is undefined (a property or measure constant over the classes)."""

    property: str
    measure: str
    predicted_sign: int  # +1 or -1
    rho: Estimate | None
    versus_zero: Comparison | None

    @property
    def verdict(self) -> str:
        return self.versus_zero.verdict if self.versus_zero else UNDEFINED


class ClassDifficulty(Result):
    samples_per_class: int
    classes: list[ClassRow]
    family: str
    hypotheses: list[Hypothesis]
    supported: int
    contradicted: int
    unresolved: int
    conclusion: str  # HELD, MIXED, FAILED, or base.NOT_RESOLVED
