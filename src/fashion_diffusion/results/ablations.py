"""The ablations as learning curves: variants of the denoiser trained at equal compute, judged at every
budget and compared with the reference variant, with training seeds in every comparison."""

from __future__ import annotations

from .base import Comparison, Estimate, Result
from .judged import JudgedSet
from .sets import SetComparison


class VariantTraining(Result):
    """How one variant was trained: its cost per image, its steps at each budget, each seed's run."""

    name: str
    arch: str  # the model.archs entry
    parameters: int
    gflops_per_image: float  # forward pass, at the data's resolution
    batch_size: int
    alignment_weight: float  # of the CLIP alignment term; 0 for none
    warmup_steps: int
    steps: list[int]  # at each budget
    seeds: list[int]  # training seeds it was trained with
    train_seconds: list[float]  # per seed, on its own process
    final_loss: list[float]  # per seed: the training loss over the last logged steps
    threads: int  # torch threads of each training process
    workers: int  # trainings run at once


class LossBucket(Result):
    t_low: int
    t_high: int  # exclusive


class AblationPoint(Result):
    """One variant at one budget: its samples judged (the mean over its training seeds; intervals over
    the samples) and its held-out noise-prediction error per noise-level bucket."""

    variant: str
    budget_gflop: float
    steps: int
    judged: JudgedSet
    held_out_mse: list[Estimate]  # one per bucket of AblationStudy.buckets
    sample_seconds: float  # per seed, mean


class AblationComparison(Result):
    """A variant minus the reference at one budget: by the judge (accuracy, coverage, KID: off scale when
    the judge cannot read either set) and by held-out error per bucket (always readable)."""

    variant: str
    budget_gflop: float
    judged: SetComparison
    held_out_mse: list[Comparison]  # one per bucket


class SeedSpread(Result):
    """At one budget, for one measure: the standard deviation between training seeds of one design
    (pooled over the replicated variants) beside the standard deviation of the same measure over sample
    resamples of one set (the bootstrap's, the mean over the replicated variants' sets)."""

    budget_gflop: float
    measure: str  # accuracy, coverage, kid, or held_out_mse_<bucket index>
    seed_sd: float
    seed_dof: int
    sampling_sd: float


class Reversal(Result):
    """A variant resolved on one side of the reference at one budget and on the other at a later one."""

    variant: str
    measure: str
    from_budget: float
    from_verdict: str
    to_budget: float
    to_verdict: str


class AblationStudy(Result):
    reference: str
    budgets_gflop: list[float]
    per_class: int  # samples per class of each judged set
    training_seeds: list[int]
    replicated: list[str]  # variants trained with every seed
    questions: dict[str, str]  # question (simpler, no_skip, no_time, larger) -> variant
    clip_variant: str
    buckets: list[LossBucket]
    loss_images: int  # held-out test images of the error by bucket
    variants: dict[str, VariantTraining]
    points: list[AblationPoint]
    comparisons: list[AblationComparison]
    seed_spread: list[SeedSpread]
    reversals: list[Reversal]
    judge_family: str
    error_family: str

    def point(self, variant: str, budget: float) -> AblationPoint:
        return next(p for p in self.points if p.variant == variant and p.budget_gflop == budget)

    def comparison(self, variant: str, budget: float) -> AblationComparison:
        return next(c for c in self.comparisons if c.variant == variant and c.budget_gflop == budget)

    def curve(self, variant: str) -> list[AblationPoint]:
        return [self.point(variant, budget) for budget in self.budgets_gflop]

    @property
    def largest(self) -> float:
        return self.budgets_gflop[-1]
