"""Studies that compare sample sets of one trained model, each set against a base set drawn from the
same noise: the sampler study, the guidance sweep, quality over training, one step against gradual."""

from __future__ import annotations

from .base import Comparison, Estimate, Result
from .judged import JudgedSet


class SetComparison(Result):
    """A set minus the base set it pairs with, for the three measures that carry verdicts: judge accuracy
    (fidelity: higher / lower), coverage (variety: higher / lower), KID (distance: better / worse)."""

    accuracy: Comparison
    coverage: Comparison
    kid: Comparison

    @property
    def off_scale(self) -> bool:
        return self.kid.off_scale


class SamplerRun(Result):
    sampler: str
    steps: int  # as the sampler ran them (ddpm: all T)
    eta: float | None  # as the sampler ran it (DDIM's; 1 for ddpm; None for the DPM-Solvers, which have none)
    guidance_scale: float
    per_class: int
    default: bool  # the default sampler's run: the base of the comparisons
    seconds: float
    seconds_per_1000: float
    judged: JudgedSet
    versus_default: SetComparison | None  # None: the default itself, or a run of its own n (no pair)


class SamplerStudy(Result):
    family: str  # the name of the comparisons' family
    runs: list[SamplerRun]

    @property
    def default(self) -> SamplerRun:
        return next(run for run in self.runs if run.default)


class ClassShare(Result):
    name: str
    share: Estimate


class GuidanceScale(Result):
    scale: float
    default: bool  # the default scale (sample.guidance_scale): the base of the comparisons
    seconds: float
    judged: JudgedSet
    versus_default: SetComparison | None  # None: the default itself
    class_distribution: list[list[float]]  # (requested, judged class): the share the judge assigns to each


class GuidanceStudy(Result):
    """The default sampler at every guidance scale on the same labels and noise, each scale compared with
    the default scale; the judge's classes for the null class's (unconditional) samples; and what the
    sweep concludes."""

    family: str
    class_names: list[str]
    per_class: int
    scales: list[GuidanceScale]
    null_samples: int
    unconditional: list[ClassShare]  # the share of the null class's samples judged as each class, largest first
    best_kid_scale: float | None  # the lowest KID point value among the readable scales; None: none readable
    better_than_default: list[float]  # the scales resolved better than the default by KID
    accuracy_at_zero: Estimate | None  # judge accuracy with no guidance (the conditional model); None: 0 not swept
    accuracy_at_default: Estimate

    @property
    def default(self) -> GuidanceScale:
        return next(scale for scale in self.scales if scale.default)


class Snapshot(Result):
    step: int
    judged: JudgedSet
    versus_previous: SetComparison | None  # None: the first snapshot


class LossBucket(Result):
    """Held-out noise-prediction MSE (the predicted noise against the true noise, whatever the model's
    target) for t in [t_low, t_high): the mean over the held-out images, with its 95% interval over them."""

    t_low: int
    t_high: int
    mse: Estimate


class SnapshotStudy(Result):
    """The EMA snapshots written during training, each sampled on the same labels and noise and compared
    with the one before; and where the trained model errs: held-out MSE by timestep."""

    family: str
    per_class: int
    snapshots: list[Snapshot]
    still_improving: bool  # the last snapshot is resolved better than the one before by KID
    held_out_images: int
    loss_by_timestep: list[LossBucket]
    hardest: LossBucket  # the bucket of the largest MSE (point value)
    easiest: LossBucket  # the bucket of the smallest MSE
    hardest_over_easiest: float  # the ratio of their MSEs


class OneStepStudy(Result):
    """The headline samples regenerated from the same noise in one step (the model's x0 estimate from pure
    noise at t = `timestep`), both judged, and the gradual set minus the one-step set, pair by pair."""

    family: str
    timestep: int
    seconds: float  # of the one-step generation
    one_step: JudgedSet
    gradual: JudgedSet
    gradual_minus_one_step: SetComparison
