"""Typed, validated parameters: `params.yaml` is parsed here, at the edge, into dataclasses.

Every knob that changes an output lives in `params.yaml`; each section below mirrors one
top-level key. A wrong key or a value of the wrong type stops with one line that names the key
(`ParamsError: params.yaml: train.lr must be a number, got 'fast'`).
"""
from __future__ import annotations

import dataclasses
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from .errors import InputError


class ParamsError(InputError, ValueError):
    """A bad key or value in params.yaml; the message names the dotted key."""


@dataclass
class DataConfig:
    source: str = "/usr/share/datasets/fashion-mnist"  # folder holding the four idx .gz files
    download_fallback: bool = True  # torchvision's downloader when `source` is absent
    download_dir: str = "data/raw"
    train_limit: int = 0  # 0 keeps all 60k; tiny runs (tests) keep the first N
    test_limit: int = 0


@dataclass
class StyleConfig:
    attributes: list[str] = field(default_factory=lambda: ["ink", "area", "slant"])
    levels: int = 3  # quantile bins per attribute
    area_threshold: float = 0.2  # `area` counts pixels brighter than this fraction of 255


@dataclass
class ArchConfig:
    block: str = "conv"  # "conv": the seed's double conv; "residual": ResBlock with GroupNorm
    channels: list[int] = field(default_factory=lambda: [32, 64, 128])
    blocks_per_level: int = 1
    attention_levels: list[int] = field(default_factory=list)  # level indices with self-attention


@dataclass
class ModelConfig:
    arch: str = "basic"
    archs: dict[str, ArchConfig] = field(default_factory=lambda: {"basic": ArchConfig()})
    embedding_dim: int = 128
    norm_groups: int = 8


@dataclass
class DiffusionConfig:
    timesteps: int = 1000
    cosine_s: float = 0.008  # Nichol & Dhariwal's offset


@dataclass
class TrainConfig:
    seed: int = 0
    device: str = "auto"  # auto | cpu | cuda
    epochs: int = 3
    max_steps: int = 0  # >0 caps the step count (tiny runs)
    batch_size: int = 128
    lr: float = 2e-3
    weight_decay: float = 0.0
    warmup_steps: int = 200
    grad_clip: float = 1.0
    ema_decay: float = 0.999
    p_uncond: float = 0.1  # classifier-free guidance: class dropped to the null class
    p_style_drop: float = 0.5  # each style attribute dropped to its null level
    bf16: bool = True
    clip_loss_weight: float = 0.0
    checkpoint_every: int = 500
    snapshots: int = 4  # EMA snapshots spread over training, for quality-over-training
    log_every: int = 10
    threads: int = 0  # 0 = torch's default


@dataclass
class SampleConfig:
    seed: int = 1234
    sampler: str = "ddim"  # ddim | ddpm
    ddim_steps: int = 50
    eta: float = 0.0
    per_class: int = 10
    guidance_scale: float = 1.0  # 0 = conditional prediction only
    use_ema: bool = True
    styles: list[str] = field(default_factory=list)  # e.g. ["ink=bold", "slant=left"]
    trajectory_per_class: int = 5  # recorded trajectories per class (denoising pictures, recognition point)
    trajectory_steps: int = 100  # stochastic (eta = 1, DDPM-like) steps of the recorded trajectories
    trajectory_every: int = 2  # keep x_t and x0_pred every N steps
    denoise_fractions: list[float] = field(default_factory=lambda: [0.0, 0.25, 0.5, 0.7, 0.85, 0.95, 1.0])


@dataclass
class ClipTrainConfig:
    seed: int = 0
    steps: int = 800  # accuracy plateaus near 87% from about 700 steps
    batch_size: int = 256
    lr: float = 2e-3
    warmup_steps: int = 50  # linear warmup, then cosine decay to zero
    weight_decay: float = 0.1  # on matrices only, not on biases, norms or the logit scale
    bf16: bool = False  # bfloat16 autocast for the forward pass
    embed_dim: int = 64
    width: int = 128  # vision transformer width (heads of width 32)
    text_width: int = 128
    vision_layers: int = 4
    text_layers: int = 3
    patch_size: int = 7  # 16 patches of 7x7: 2.4x cheaper per step than 4x4, and better per step
    context_length: int = 16
    blur_sigma: list[float] = field(default_factory=lambda: [0.7, 2.0])  # Gaussian blur sigma range, pixels
    noise_std: list[float] = field(default_factory=lambda: [0.1, 0.4])  # added noise std range, [-1, 1] units
    captions: dict[str, str] = field(default_factory=lambda: {  # keys fixed: clean images get plain or clear
        "plain": "a photo of a {label}",
        "clear": "a clear photo of a {label}",
        "blurry": "a blurry photo of a {label}",
        "noisy": "a noisy photo of a {label}",
    })


@dataclass
class ClipConfig:
    model: str = "trained"  # "trained": the in-domain scorer this pipeline trains; else an open_clip arch
    pretrained: str = ""  # open_clip pretrained tag or a local checkpoint path
    device: str = "auto"
    prompts: dict[str, str] = field(default_factory=lambda: {
        "good": "a photo of a {label}",
        "clear": "a clear photo of a {label}",
        "blurry": "a blurry photo of a {label}",
    })
    class_prompt: str = "a photo of a {label}"
    validation_images: int = 0  # real test images the used scorer is validated on; 0 = all
    train: ClipTrainConfig = field(default_factory=ClipTrainConfig)


@dataclass
class JudgeConfig:
    seed: int = 0
    epochs: int = 4
    batch_size: int = 128
    lr: float = 3e-3  # peak of the one-cycle schedule
    weight_decay: float = 0.05
    channels: list[int] = field(default_factory=lambda: [32, 64])  # one conv block per entry
    hidden: int = 256  # penultimate width: the FID feature dimension
    max_shift: int = 2  # augmentation: random shifts up to this many pixels
    hflip: bool = True  # augmentation: random horizontal flips
    bf16: bool = True  # bf16 autocast while training: about 3x faster on this CPU
    fid_floor_sizes: list[int] = field(default_factory=lambda: [100, 500, 1000])  # real-vs-real FID at these n
    device: str = "auto"
    threads: int = 0  # 0 = torch's default; 1 is far faster while another process busies a core


@dataclass
class SelectConfig:
    k: int = 3
    seed: int = 0  # for the random-k baseline
    weights: dict[str, float] = field(default_factory=lambda: {
        "good": 1.0, "clear": 1.0, "blurry": -1.0, "class_prob": 1.0,
    })


@dataclass
class EvaluateConfig:
    seed: int = 99
    fid_per_class: int = 30
    tradeoff_steps: list[int] = field(default_factory=lambda: [10, 20, 50, 100])
    tradeoff_per_class: int = 3
    snapshot_per_class: int = 10
    snapshot_ddim_steps: int = 20
    loss_by_t_images: int = 512
    loss_by_t_buckets: int = 10
    style_per_level: int = 4
    style_ddim_steps: int = 25
    arch_bench_steps: int = 5
    arch_bench_batch: int = 64


@dataclass
class Params:
    data: DataConfig = field(default_factory=DataConfig)
    style: StyleConfig = field(default_factory=StyleConfig)
    model: ModelConfig = field(default_factory=ModelConfig)
    diffusion: DiffusionConfig = field(default_factory=DiffusionConfig)
    train: TrainConfig = field(default_factory=TrainConfig)
    sample: SampleConfig = field(default_factory=SampleConfig)
    clip: ClipConfig = field(default_factory=ClipConfig)
    judge: JudgeConfig = field(default_factory=JudgeConfig)
    select: SelectConfig = field(default_factory=SelectConfig)
    evaluate: EvaluateConfig = field(default_factory=EvaluateConfig)


def load_params(path: str | Path = "params.yaml") -> Params:
    """Read and validate params.yaml; missing keys take the dataclass defaults."""
    path = Path(path)
    if not path.exists():
        raise ParamsError(f"{path}: file not found (run from the repository root)")
    raw = yaml.safe_load(path.read_text()) or {}
    params = _build(Params, raw, prefix="", source=path.name)
    _check_choices(params, path.name)
    return params


def _check_choices(p: Params, source: str) -> None:
    """Values that must be one of a few names, checked once for every stage."""
    def one_of(key: str, value: str, valid) -> None:
        if value not in valid:
            raise ParamsError(f"{source}: {key} is {value!r}; valid: {', '.join(valid)}")

    one_of("model.arch", p.model.arch, sorted(p.model.archs))
    for name, arch in p.model.archs.items():
        one_of(f"model.archs.{name}.block", arch.block, ["conv", "residual"])
    one_of("sample.sampler", p.sample.sampler, ["ddim", "ddpm"])
    for key, device in (("train.device", p.train.device), ("clip.device", p.clip.device), ("judge.device", p.judge.device)):
        one_of(key, device, ["auto", "cpu", "cuda"])
    if p.select.k < 1 or p.select.k > p.sample.per_class:
        raise ParamsError(f"{source}: select.k must be between 1 and sample.per_class ({p.sample.per_class}), got {p.select.k}")


def to_dict(obj) -> dict:
    """A params dataclass as a plain dict (for logging and checkpoints)."""
    return dataclasses.asdict(obj)


def _build(cls, raw, prefix: str, source: str):
    if not isinstance(raw, dict):
        raise ParamsError(f"{source}: {prefix.rstrip('.') or 'top level'} must be a mapping, got {raw!r}")
    hints = typing.get_type_hints(cls)
    names = {f.name for f in dataclasses.fields(cls)}
    unknown = sorted(set(raw) - names)
    if unknown:
        raise ParamsError(f"{source}: unknown key {prefix}{unknown[0]} (valid: {', '.join(sorted(names))})")
    values = {name: _convert(hints[name], value, f"{prefix}{name}", source) for name, value in raw.items()}
    return cls(**values)


def _convert(hint, value, key: str, source: str):
    origin = typing.get_origin(hint)
    if dataclasses.is_dataclass(hint):
        return _build(hint, value, f"{key}.", source)
    if origin is list:
        if not isinstance(value, list):
            raise ParamsError(f"{source}: {key} must be a list, got {value!r}")
        (item,) = typing.get_args(hint)
        return [_convert(item, v, f"{key}[{i}]", source) for i, v in enumerate(value)]
    if origin is dict:
        if not isinstance(value, dict):
            raise ParamsError(f"{source}: {key} must be a mapping, got {value!r}")
        _, item = typing.get_args(hint)
        return {str(k): _convert(item, v, f"{key}.{k}", source) for k, v in value.items()}
    if origin in (typing.Union, types.UnionType):
        raise ParamsError(f"{source}: {key} has an unsupported type")  # keep the schema simple
    return _scalar(hint, value, key, source)


def _scalar(hint, value, key: str, source: str):
    if hint is bool:
        if isinstance(value, bool):
            return value
        raise ParamsError(f"{source}: {key} must be true or false, got {value!r}")
    if hint is int:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        raise ParamsError(f"{source}: {key} must be an integer, got {value!r}")
    if hint is float:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return float(value)
        raise ParamsError(f"{source}: {key} must be a number, got {value!r}")
    if hint is str:
        if isinstance(value, str):
            return value
        raise ParamsError(f"{source}: {key} must be a string, got {value!r}")
    raise ParamsError(f"{source}: {key} has an unsupported type {hint!r}")


def resolve_device(name: str) -> "torch.device":
    """`auto` picks CUDA when present, else CPU; an unknown name stops with one line."""
    import torch

    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name == "cuda" and not torch.cuda.is_available():
        raise ParamsError("device: cuda was requested but no CUDA device is available (use auto or cpu)")
    if name not in ("cpu", "cuda"):
        raise ParamsError(f"device must be auto, cpu or cuda, got {name!r}")
    return torch.device(name)
