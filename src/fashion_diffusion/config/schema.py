"""The schema of params.yaml: types, ranges, choices and the rules that relate keys; no values.

params.yaml is the one source of values: no field here has a default, so a key missing from the
file is an error, not a silent fallback. Each section is a pydantic model that forbids unknown
keys and does not coerce types (`strict`), so `epochs: 1.5` or `lr: fast` are rejected.
Rules between keys of different sections live on `Params` (`_cross_section_rules`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from .constants import CLASS_NAMES, IMAGE_SIDE, SPLIT_SIZES, total_steps
from .sampler_names import SAMPLERS
from .style_names import STYLE_LEVEL_NAMES, StyleRequestError, parse_requests

PositiveInt = Annotated[int, Field(gt=0)]
NonNegativeInt = Annotated[int, Field(ge=0)]
PositiveFloat = Annotated[float, Field(gt=0)]
NonNegativeFloat = Annotated[float, Field(ge=0)]
Probability = Annotated[float, Field(ge=0, le=1)]
Seed = Annotated[int, Field(ge=0, lt=2**31)]
# warmup_cosine: linear warm-up, cosine decay to 0 at the run's end; onecycle: torch's OneCycleLR;
# warmup_constant: linear warm-up, then the peak rate to the end (training/lr.py)
LrSchedule = Literal["warmup_cosine", "onecycle", "warmup_constant"]
Device = Literal["auto", "cpu", "cuda"]
Range = Annotated[list[NonNegativeFloat], Field(min_length=2, max_length=2)]
SamplerName = Literal[SAMPLERS]  # type: ignore[valid-type]


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


def _increasing(values: list, key: str) -> None:
    if any(b <= a for a, b in zip(values, values[1:])):
        raise ValueError(f"{key} must be strictly increasing, got {values}")


def _at_most(key: str, value: int, limit_name: str, limit: int) -> None:
    if value > limit:
        raise ValueError(f"{key} must be at most {limit_name} ({limit}), got {value}")


def _less_than(key: str, value: int, limit_name: str, limit: int) -> None:
    if value >= limit:
        raise ValueError(f"{key} must be less than {limit_name} ({limit}), got {value}")


# The first 100 images of each split hold every class (at least 4 of each); fewer may miss one,
# and the per-class style bins and accuracies need them all.
MIN_LIMIT = 100


class DataParams(Section):
    source: str  # folder with the four idx .gz files (Debian's dataset-fashion-mnist)
    download_fallback: bool  # torchvision's downloader when `source` is absent
    download_dir: str
    train_limit: Annotated[int, Field(ge=0, le=SPLIT_SIZES["train"])]  # 0 = all
    test_limit: Annotated[int, Field(ge=0, le=SPLIT_SIZES["test"])]

    @model_validator(mode="after")
    def _every_class(self) -> DataParams:
        for key, limit in (("train_limit", self.train_limit), ("test_limit", self.test_limit)):
            if 0 < limit < MIN_LIMIT:
                raise ValueError(
                    f"data.{key} must be 0 (all) or at least {MIN_LIMIT} (so that every class is present), got {limit}"
                )
        return self

    def size(self, split: Literal["train", "test"]) -> int:
        """Images the prepared split will hold."""
        limit = self.train_limit if split == "train" else self.test_limit
        return limit or SPLIT_SIZES[split]


class StyleParams(Section):
    attributes: Annotated[list[Literal[tuple(STYLE_LEVEL_NAMES)]], Field(min_length=1)]  # type: ignore[valid-type]
    levels: Annotated[int, Field(ge=2, le=10)]
    area_threshold: Annotated[float, Field(gt=0, lt=1)]

    @model_validator(mode="after")
    def _unique(self) -> StyleParams:
        if len(set(self.attributes)) != len(self.attributes):
            raise ValueError(f"style.attributes names an attribute twice: {self.attributes}")
        return self


class ArchParams(Section):
    kind: Literal["unet", "plain_cnn"]  # plain_cnn: the blocks at full resolution, no down/up path
    block: Literal["conv", "residual"]
    channels: Annotated[list[PositiveInt], Field(min_length=1, max_length=6)]
    blocks_per_level: Annotated[int, Field(ge=1, le=4)]
    attention_levels: list[NonNegativeInt]
    skip_connections: bool  # false: the U-Net's up path gets no features from the down path (ablation)
    time_embedding: bool  # false: the model is not told the timestep (ablation)


class ModelParams(Section):
    arch: str
    archs: Annotated[dict[str, ArchParams], Field(min_length=1)]
    embedding_dim: Annotated[int, Field(ge=2, multiple_of=2)]  # sinusoidal halves
    norm_groups: PositiveInt

    @model_validator(mode="after")
    def _consistent(self) -> ModelParams:
        if self.arch not in self.archs:
            raise ValueError(f"model.arch is {self.arch!r}; valid: {', '.join(self.archs)}")
        for name, arch in self.archs.items():
            bad = [c for c in arch.channels if c % self.norm_groups]
            if bad:
                raise ValueError(
                    f"model.norm_groups ({self.norm_groups}) must divide every channel count; "
                    f"model.archs.{name}.channels has {bad[0]}"
                )
            outside = [level for level in arch.attention_levels if level >= len(arch.channels)]
            if outside:
                raise ValueError(
                    f"model.archs.{name}.attention_levels: level {outside[0]} does not exist "
                    f"(levels 0..{len(arch.channels) - 1})"
                )
        return self


class DiffusionParams(Section):
    timesteps: Annotated[int, Field(ge=2, le=10_000)]
    cosine_s: Annotated[float, Field(gt=0, le=0.5)]  # Nichol & Dhariwal's offset
    prediction: Literal["epsilon", "v"]  # what the denoiser outputs: the noise, or the velocity v


class TrainParams(Section):
    seed: Seed
    device: Device
    epochs: PositiveInt
    max_steps: NonNegativeInt  # > 0 caps the step count (tiny runs)
    batch_size: PositiveInt
    lr: Annotated[float, Field(gt=0, le=1)]  # the peak learning rate
    lr_schedule: LrSchedule
    adam_eps: Annotated[float, Field(gt=0, le=1e-2)]
    weight_decay: Annotated[float, Field(ge=0, le=1)]
    warmup_steps: NonNegativeInt
    grad_clip: PositiveFloat
    loss_weighting: Literal["none", "min_snr"]
    min_snr_gamma: PositiveFloat
    zero_init: bool  # zero the output conv and each residual block's last conv
    ema_decay: Annotated[float, Field(ge=0, lt=1)]
    ema_warmup: Annotated[float, Field(ge=1)]  # decay (1 + s) / (ema_warmup + s) until ema_decay caps it
    p_uncond: Annotated[float, Field(ge=0, lt=1)]  # classifier-free guidance: class dropped to the null class
    p_style_drop: Probability  # each style attribute dropped to its null level
    bf16: bool
    checkpoint_every: PositiveInt
    snapshots: PositiveInt  # EMA snapshots spread over training, for quality-over-training
    log_every: PositiveInt
    processes: PositiveInt  # > 1: the stage starts itself under torchrun (data parallel)
    threads: NonNegativeInt  # per process; 0 = cores // processes on this machine (alone: torch's default)


class SampleParams(Section):
    seed: Seed
    device: Device  # where stage sample runs the trained model
    sampler: SamplerName  # ddpm = all T steps with eta 1
    steps: PositiveInt  # sampler steps (ddpm always uses all T)
    eta: Annotated[float, Field(ge=0, le=1)]  # DDIM's noise level (0 deterministic, 1 DDPM-like)
    bf16: bool  # bfloat16 autocast for the model while sampling
    batch_size: NonNegativeInt  # images per model call; 0 = all at once
    per_class: PositiveInt  # the headline sample set: evaluated, CLIP-scored and selected from
    grid_per_class: PositiveInt  # the first images of each class shown in the samples figure
    guidance_scale: Annotated[float, Field(ge=0, le=20)]  # 0 = conditional prediction only
    use_ema: bool
    styles: list[str]  # e.g. [ink=bold, slant=left]
    trajectory_per_class: PositiveInt
    trajectory_steps: PositiveInt
    trajectory_every: PositiveInt
    denoise_fractions: Annotated[list[Probability], Field(min_length=1)]

    @model_validator(mode="after")
    def _trajectories(self) -> SampleParams:
        _increasing(self.denoise_fractions, "sample.denoise_fractions")
        _at_most("sample.trajectory_every", self.trajectory_every, "sample.trajectory_steps", self.trajectory_steps)
        return self


class ClipTrainParams(Section):
    seed: Seed
    steps: PositiveInt
    batch_size: Annotated[int, Field(ge=2)]  # a contrastive batch needs negatives
    lr: Annotated[float, Field(gt=0, le=1)]
    warmup_steps: NonNegativeInt
    weight_decay: Annotated[float, Field(ge=0, le=1)]
    bf16: bool
    embed_dim: PositiveInt
    width: Annotated[int, Field(ge=32, multiple_of=32)]  # heads of width 32
    text_width: Annotated[int, Field(ge=32, multiple_of=32)]
    vision_layers: PositiveInt
    text_layers: PositiveInt
    patch_size: Annotated[int, Field(ge=1, le=IMAGE_SIDE)]
    context_length: Annotated[int, Field(ge=8, le=77)]
    blur_sigma: Range  # Gaussian blur sigma range (pixels) for "blurry" captions
    noise_std: Range  # added noise std range for "noisy" captions
    captions: dict[Literal["plain", "clear", "blurry", "noisy"], str]

    @model_validator(mode="after")
    def _consistent(self) -> ClipTrainParams:
        _less_than("clip.train.warmup_steps", self.warmup_steps, "clip.train.steps", self.steps)
        if IMAGE_SIDE % self.patch_size:  # else the vision transformer silently drops the image's border
            divisors = [d for d in range(1, IMAGE_SIDE + 1) if IMAGE_SIDE % d == 0]
            raise ValueError(
                f"clip.train.patch_size ({self.patch_size}) must divide the image side ({IMAGE_SIDE}): "
                f"one of {', '.join(map(str, divisors))}"
            )
        for key, bounds in (("blur_sigma", self.blur_sigma), ("noise_std", self.noise_std)):
            if not 0 < bounds[0] <= bounds[1]:
                raise ValueError(f"clip.train.{key} must be [low, high] with 0 < low <= high, got {bounds}")
        missing = {"plain", "clear", "blurry", "noisy"} - set(self.captions)
        if missing:
            raise ValueError(f"clip.train.captions is missing {sorted(missing)[0]!r}")
        for role, text in self.captions.items():
            _has_label_slot(text, f"clip.train.captions.{role}")
        return self


def _has_label_slot(template: str, key: str) -> None:
    if "{label}" not in template:
        raise ValueError(f"{key} must contain {{label}}, got {template!r}")


def open_clip_problem(model: str, pretrained: str) -> str | None:
    """What is wrong with an open_clip scorer's clip.model (an architecture open_clip knows) or
    clip.pretrained (one of its tags, or an existing file); None if nothing."""
    import open_clip  # slow to import: only for an open_clip scorer

    if model not in open_clip.list_models():
        return f"clip.model must be 'trained' or an open_clip architecture (open_clip.list_models()), got {model!r}"
    tags = open_clip.list_pretrained_tags_by_model(model)
    if pretrained not in tags and not Path(pretrained).is_file():
        known = ", ".join(tags[:3]) + (f", ... ({len(tags)} tags)" if len(tags) > 3 else "")
        return (
            f"clip.pretrained must be a tag for {model} ({known or 'none'}) or an existing checkpoint file, "
            f"got {pretrained!r}"
        )
    return None


class ClipParams(Section):
    model: str  # "trained": the in-domain scorer of stage train_clip; else an open_clip architecture
    pretrained: str  # open_clip tag or local checkpoint; only with an open_clip architecture
    device: Device
    # scoring prompts; "clear" is the score the validation's AUCs read, "blurry" and "noisy" name the corruptions
    prompts: dict[Literal["good", "clear", "blurry", "noisy"], str]
    class_prompt: str
    validation_images: NonNegativeInt  # real test images the used scorer is validated on; 0 = all
    validation_noise_std: Range  # noise std range of the validation's noised copies (the blurred use train.blur_sigma)
    train: ClipTrainParams
    spread_seeds: list[Seed]  # the in-domain scorer trained again with these seeds (stage clip_seed), validated only

    @model_validator(mode="after")
    def _scorer(self) -> ClipParams:
        if self.model == "trained" and self.pretrained:
            raise ValueError(
                "clip.pretrained must be empty when clip.model is 'trained' "
                f"(got {self.pretrained!r}); name an open_clip architecture to use pretrained weights"
            )
        problem = open_clip_problem(self.model, self.pretrained) if self.model != "trained" else None
        if problem:
            raise ValueError(problem)
        if self.train.seed in self.spread_seeds or len(set(self.spread_seeds)) != len(self.spread_seeds):
            raise ValueError(
                f"clip.spread_seeds must be distinct and differ from clip.train.seed ({self.train.seed}), "
                f"got {self.spread_seeds}"
            )
        if not 0 < self.validation_noise_std[0] <= self.validation_noise_std[1]:
            raise ValueError(
                f"clip.validation_noise_std must be [low, high] with 0 < low <= high, got {self.validation_noise_std}"
            )
        missing = {"clear", "blurry", "noisy"} - set(self.prompts)
        if missing:
            raise ValueError(f"clip.prompts is missing {sorted(missing)[0]!r}")
        for role, text in {**self.prompts, "class_prompt": self.class_prompt}.items():
            _has_label_slot(text, f"clip.prompts.{role}" if role != "class_prompt" else "clip.class_prompt")
        return self


class JudgeParams(Section):
    seed: Seed
    epochs: PositiveInt
    batch_size: Annotated[int, Field(ge=2)]  # BatchNorm needs more than one image
    lr: Annotated[float, Field(gt=0, le=1)]
    weight_decay: Annotated[float, Field(ge=0, le=1)]
    channels: Annotated[list[PositiveInt], Field(min_length=1, max_length=4)]
    hidden: PositiveInt  # penultimate width: the FID feature dimension
    max_shift: Annotated[int, Field(ge=0, le=8)]
    hflip: bool
    bf16: bool
    device: Device
    threads: NonNegativeInt


class SelectParams(Section):
    group_size: Annotated[int, Field(ge=2)]  # "generate group_size, keep k", repeated over each class's samples
    k: PositiveInt
    seed: Seed
    weights: Annotated[dict[Literal["good", "clear", "blurry", "noisy", "class_prob"], float], Field(min_length=1)]

    @model_validator(mode="after")
    def _some_weight(self) -> SelectParams:
        if not any(self.weights.values()):
            raise ValueError(f"select.weights must give at least one score a non-zero weight, got {self.weights}")
        return self


class SamplerRun(Section):
    sampler: SamplerName
    steps: PositiveInt  # ignored by ddpm (all T steps)
    eta: Annotated[float, Field(ge=0, le=1)]  # DDIM only
    # images per class judged for this run: 0 = evaluate.sampler_per_class (the run pairs with the default
    # sampler's, the same starting noise); more = its own n (DDPM at all T steps is slow), paired with no run
    per_class: NonNegativeInt


class EvaluateParams(Section):
    seed: Seed
    device: Device  # where the evaluation and study stages run their models
    samplers: Annotated[list[SamplerRun], Field(min_length=1)]  # the sampler study, at the default guidance
    sampler_per_class: PositiveInt  # the sampler study: images per class of each run (unless its own per_class)
    snapshot_per_class: PositiveInt  # quality over training: images per class from each EMA snapshot
    loss_by_t_images: PositiveInt
    loss_by_t_buckets: Annotated[int, Field(ge=1, le=100)]
    bf16: bool  # bfloat16 autocast for the model in every held-out noise-prediction error, as in training
    style_per_level: PositiveInt
    arch_bench_steps: PositiveInt
    arch_bench_batch: Annotated[int, Field(ge=1, le=1024)]


class ClipAlignmentAblation(Section):
    arch: str  # a name from model.archs
    weight: PositiveFloat  # of the CLIP alignment term added to the denoising loss


# the questions the ablations answer, each by one variant: what must differ from the reference's arch
ABLATION_QUESTIONS = {
    "simpler": "another kind of network (model.archs.<arch>.kind)",  # 2.1
    "no_skip": "only skip_connections: false",  # 2.2
    "no_time": "only time_embedding: false",  # 3.3
    "larger": "the same kind with more channels in all",  # bonus 2
}


class AblationParams(Section):
    # training compute (forward GFLOPs per image x images seen) at which every variant is judged; each
    # variant trains once per seed, to the largest
    budgets_gflop: Annotated[list[PositiveFloat], Field(min_length=1)]
    warmup_steps: NonNegativeInt  # the learning rate's linear warm-up: the same steps (images) for every variant
    lr_schedule: LrSchedule  # warmup_constant: every budget judged on the way is a complete run of its own
    per_class: PositiveInt  # samples per class judged for each variant at each budget (the default sampler)
    seed: Seed  # of those samples
    # every variant trains with the first seed; those of `replicated` with each: their spread between seeds
    # is the training-seed component of every comparison
    training_seeds: Annotated[list[Seed], Field(min_length=1)]
    replicated: list[str]
    loss_buckets: Annotated[int, Field(ge=1, le=20)]  # the held-out error by noise level: t in equal ranges
    reference: str  # the variant every other one is compared with
    workers: PositiveInt  # trainings at once (stage ablation_training), each on its share of the cores
    variants: Annotated[dict[str, str], Field(min_length=1)]  # name -> a model.archs name
    questions: dict[Literal[tuple(ABLATION_QUESTIONS)], str]  # type: ignore[valid-type]  # question -> variant
    clip_alignment: ClipAlignmentAblation  # the variant `clip_alignment`: an arch trained with the CLIP term

    @model_validator(mode="after")
    def _budgets(self) -> AblationParams:
        _increasing(self.budgets_gflop, "ablations.budgets_gflop")
        if len(set(self.training_seeds)) != len(self.training_seeds):
            raise ValueError(f"ablations.training_seeds must be distinct, got {self.training_seeds}")
        return self


class GuidanceParams(Section):
    scales: Annotated[list[Annotated[float, Field(ge=0, le=20)]], Field(min_length=1)]  # 0 = conditional only
    per_class: PositiveInt  # samples per class at each scale, the same starting noise for every scale
    null_samples: PositiveInt  # unconditional samples (the null class)
    seed: Seed

    @model_validator(mode="after")
    def _scales(self) -> GuidanceParams:
        _increasing(self.scales, "guidance.scales")
        return self


class ProbeParams(Section):
    seed: Seed
    wrong_timestep_images: PositiveInt  # held-out test images the model is told a wrong timestep for
    timestep_shifts: Annotated[list[int], Field(min_length=1)]  # told t = true t + shift, clipped to [0, T)
    cost_images: PositiveInt  # images per sampler run whose peak memory is measured
    cost_max_steps: PositiveInt  # memory does not grow with the step count, so runs are cut to this many
    resolutions: Annotated[list[Annotated[int, Field(ge=8, le=1024)]], Field(min_length=1)]  # side lengths


class DifficultyParams(Section):
    edge_threshold: Annotated[float, Field(gt=0, lt=4)]  # Sobel magnitude (images in [0, 1]) that makes an edge pixel


class AugmentationParams(Section):
    per_class: PositiveInt  # N images per class in each training set (generated, real, or both)
    epochs: PositiveInt  # the judge's recipe otherwise, with these epochs and batch size
    batch_size: Annotated[int, Field(ge=2)]
    seeds: Annotated[list[Seed], Field(min_length=1)]  # each set is trained once per seed


class StatisticsParams(Section):
    bootstrap_resamples: Annotated[int, Field(ge=100, le=100_000)]  # for every 95% interval in the report
    seed: Seed  # of every bootstrap and every class-balanced draw of real images (the real values at n)


class Params(Section):
    statistics: StatisticsParams
    data: DataParams
    style: StyleParams
    model: ModelParams
    diffusion: DiffusionParams
    train: TrainParams
    sample: SampleParams
    clip: ClipParams
    judge: JudgeParams
    select: SelectParams
    evaluate: EvaluateParams
    ablations: AblationParams
    guidance: GuidanceParams
    probes: ProbeParams
    difficulty: DifficultyParams
    augmentation: AugmentationParams

    @model_validator(mode="after")
    def _cross_section_rules(self) -> Params:
        n_train, n_test, timesteps = self.data.size("train"), self.data.size("test"), self.diffusion.timesteps
        _at_most("select.k", self.select.k, "select.group_size", self.select.group_size)
        _at_most("select.group_size", self.select.group_size, "sample.per_class", self.sample.per_class)
        if self.sample.per_class % self.select.group_size:
            raise ValueError(
                f"select.group_size ({self.select.group_size}) must divide sample.per_class ({self.sample.per_class})"
            )
        _at_most("sample.grid_per_class", self.sample.grid_per_class, "sample.per_class", self.sample.per_class)
        _at_most("train.batch_size", self.train.batch_size, "the training images", n_train)
        _less_than(
            "train.warmup_steps",
            self.train.warmup_steps,
            "the training steps",
            total_steps(self.train.epochs, self.train.max_steps, n_train, self.train.batch_size),
        )
        # every FID is shown next to the FID of as many real training images (its floor)
        for key, per_class in (
            ("sample.per_class", self.sample.per_class),
            ("evaluate.snapshot_per_class", self.evaluate.snapshot_per_class),
            ("evaluate.sampler_per_class", self.evaluate.sampler_per_class),
            *((f"evaluate.samplers.{i}.per_class", run.per_class) for i, run in enumerate(self.evaluate.samplers)),
        ):
            _at_most(key, per_class, "the training images per class", n_train // len(CLASS_NAMES))
        _at_most("judge.batch_size", self.judge.batch_size, "the training images", n_train)
        _at_most("evaluate.loss_by_t_images", self.evaluate.loss_by_t_images, "the test images", n_test)
        _at_most("clip.validation_images", self.clip.validation_images, "the test images", n_test)
        unscored = [key for key in self.select.weights if key != "class_prob" and key not in self.clip.prompts]
        if unscored:
            raise ValueError(f"select.weights.{unscored[0]} weighs a score that clip.prompts does not define")
        _at_most("evaluate.loss_by_t_buckets", self.evaluate.loss_by_t_buckets, "diffusion.timesteps", timesteps)
        for key, steps in (
            ("sample.steps", self.sample.steps),
            ("sample.trajectory_steps", self.sample.trajectory_steps),
            ("evaluate.samplers", max(run.steps for run in self.evaluate.samplers)),
        ):
            _at_most(key, steps, "diffusion.timesteps", timesteps)
        _check_style_requests(self.sample.styles, self.style)
        return self

    @model_validator(mode="after")
    def _measurement_rules(self) -> Params:
        a, archs = self.ablations, self.model.archs
        for key, arch in [
            *((f"ablations.variants.{n}", v) for n, v in a.variants.items()),
            ("ablations.clip_alignment.arch", a.clip_alignment.arch),
        ]:
            if arch not in archs:
                raise ValueError(f"{key} is {arch!r}; valid: {', '.join(archs)}")
        if a.reference not in a.variants:
            raise ValueError(f"ablations.reference is {a.reference!r}; valid: {', '.join(a.variants)}")
        if "clip_alignment" in a.variants:
            raise ValueError("ablations.variants: the name clip_alignment belongs to ablations.clip_alignment")
        for name in a.replicated:
            if name not in a.variants and name != "clip_alignment":
                raise ValueError(
                    f"ablations.replicated names {name!r}; valid: {', '.join([*a.variants, 'clip_alignment'])}"
                )
        _check_questions(a, archs)
        _at_most(
            "probes.wrong_timestep_images", self.probes.wrong_timestep_images, "the test images", self.data.size("test")
        )
        _at_most(
            "probes.timestep_shifts",
            max(abs(s) for s in self.probes.timestep_shifts),
            "diffusion.timesteps - 1",
            self.diffusion.timesteps - 1,
        )
        _at_most("augmentation.per_class", self.augmentation.per_class, "sample.per_class", self.sample.per_class)
        _at_most(
            "augmentation.batch_size",
            self.augmentation.batch_size,
            "the smallest training set (10 x augmentation.per_class)",
            10 * self.augmentation.per_class,
        )
        return self


def _check_questions(a: AblationParams, archs: dict[str, ArchParams]) -> None:
    """Each question of ABLATION_QUESTIONS is answered by a variant whose arch differs from the reference's
    as the question needs; one line naming the question and the key otherwise."""
    missing = [q for q in ABLATION_QUESTIONS if q not in a.questions]
    if missing:
        raise ValueError(
            f"ablations.questions is missing {missing[0]!r} (a variant that changes {ABLATION_QUESTIONS[missing[0]]})"
        )
    reference = archs[a.variants[a.reference]]
    for question, name in a.questions.items():
        if name not in a.variants:
            raise ValueError(f"ablations.questions.{question} is {name!r}; valid: {', '.join(a.variants)}")
        arch = archs[a.variants[name]]
        differs = {key for key, value in arch if getattr(reference, key) != value}
        fits = {
            "simpler": arch.kind != reference.kind,
            "no_skip": differs == {"skip_connections"} and not arch.skip_connections,
            "no_time": differs == {"time_embedding"} and not arch.time_embedding,
            "larger": arch.kind == reference.kind and sum(arch.channels) > sum(reference.channels),
        }[question]
        if not fits:
            raise ValueError(
                f"ablations.questions.{question}: variant {name!r} ({a.variants[name]}) must differ from the reference's "
                f"arch ({a.variants[a.reference]}) in {ABLATION_QUESTIONS[question]}; it differs in "
                f"{', '.join(sorted(differs)) or 'nothing'}"
            )


def _check_style_requests(requests: list[str], style: StyleParams) -> None:
    try:
        parse_requests(requests, style.attributes, style.levels)
    except StyleRequestError as error:
        raise ValueError(f"sample.styles: {error}") from None
