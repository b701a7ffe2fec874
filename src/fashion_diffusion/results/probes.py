"""Cheap measurements of the trained model and of the architectures: when a trajectory becomes
recognisable, what each architecture costs, what sampling costs beyond time, and what the model does
when told the wrong timestep."""

from __future__ import annotations

from .base import Comparison, Estimate, Result


class ClassRecognition(Result):
    """The recognition points of one class's trajectories (fractions of the denoising process done)."""

    name: str
    median: float | None  # None: no trajectory of the class settled on it
    q25: float | None
    q75: float | None
    unrecognised: int  # trajectories that never settled on their class


class RecognitionResult(Result):
    """When the judge, reading the predicted x0 along each recorded trajectory, names the requested class
    and keeps naming it to the end: the recognition point, a fraction of the denoising process done."""

    trajectories: int
    median: float | None  # over every trajectory that settled
    unrecognised: int
    classes: list[ClassRecognition]
    earliest: str | None  # the class of the lowest median (None: no class settled)
    latest: str | None

    def of(self, name: str) -> ClassRecognition:
        return next(c for c in self.classes if c.name == name)


class ArchCost(Result):
    """What one architecture of `model.archs` costs, and the geometry the report names."""

    arch: str
    kind: str  # unet | plain_cnn
    parameters: int
    gflops_per_image: float  # forward pass, one image at the data's side
    step_seconds: float  # median training step (forward + backward + AdamW) of `batch` images
    images_per_second: float
    peak_rss_mib: float  # peak resident memory of the fresh process that measured it
    rss_above_baseline_mib: float  # what the model and its steps added to the imported libraries
    coarsest_side: int  # the side of the smallest feature map (the data's side for a plain CNN)
    time_frequencies: int  # sinusoids of the time embedding (0: the model is not told t)


class ArchCostStudy(Result):
    """Every architecture's cost, measured on the CPU with batch `batch` over `steps` timed steps."""

    trained: str  # the architecture of the main training run (model.arch)
    image_side: int
    batch: int
    steps: int
    bf16: bool
    archs: list[ArchCost]

    @property
    def trained_arch(self) -> ArchCost:
        return self.of(self.trained)

    def of(self, arch: str) -> ArchCost:
        return next(a for a in self.archs if a.arch == arch)


class ResolutionCost(Result):
    side: int
    gflops_per_image: float  # forward pass of the trained architecture, one image of side x side
    times_native: float  # its GFLOPs over those at the data's side


class SamplerMemory(Result):
    """Peak memory of generating `images` images with one sampler in a fresh process."""

    sampler: str
    measured_as: str  # ddpm is measured as the DDIM loop it is (all T steps, eta 1)
    steps_run: int  # memory does not grow with the steps, so the run stops early
    peak_rss_mib: float
    above_warm_up_mib: float  # what the images added to a one-image warm-up run
    mib_per_image: float
    seconds: float


class SamplingCost(Result):
    """What generation costs beyond time: compute at larger resolutions and memory per sampler."""

    image_side: int
    channels: int
    images: int  # per memory run
    resolutions: list[ResolutionCost]
    memory: list[SamplerMemory]


class TimestepCondition(Result):
    """The held-out noise-prediction MSE when the model is told one kind of timestep, and its increase
    over the error when told the true t (the same images, noise and x_t: paired over images)."""

    name: str  # "true t", "t -300", ..., "random t"
    shift: int | None  # None for the true t and the random t
    mse: Estimate
    times_true: float  # mse over the true-t mse
    increase: Comparison | None  # None for the true t itself; HIGHER_LOWER_ERROR words


class WrongTimestep(Result):
    """The trained model told the true timestep, shifted ones and a random one (one family)."""

    images: int
    family: str
    conditions: list[TimestepCondition]

    @property
    def true(self) -> TimestepCondition:
        return next(c for c in self.conditions if c.increase is None)

    @property
    def random(self) -> TimestepCondition:
        return next(c for c in self.conditions if c.increase is not None and c.shift is None)

    @property
    def shifted(self) -> list[TimestepCondition]:
        return [c for c in self.conditions if c.shift is not None]

    @property
    def unresolved(self) -> list[str]:
        """The conditions whose increase over the true t is not resolved (nor off scale)."""
        return [c.name for c in self.conditions if c.increase is not None and not c.increase.resolved]
