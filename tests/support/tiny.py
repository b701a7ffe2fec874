"""The real params.yaml, shrunk: few images, tiny models, few steps (for tests and `make smoke`)."""

from __future__ import annotations

from pathlib import Path

from fashion_diffusion.config import Params, load_params

ROOT = Path(__file__).resolve().parents[2]
TINY = {
    "statistics.bootstrap_resamples": 200,
    "data.train_limit": 2000,
    "data.test_limit": 500,
    "model.archs.basic.channels": [8, 16],
    "model.archs.large.channels": [8, 16, 16],
    "model.archs.large.attention_levels": [1, 2],
    "model.embedding_dim": 16,
    "model.norm_groups": 4,
    "diffusion.timesteps": 50,
    "train.epochs": 1,
    "train.max_steps": 24,
    "train.batch_size": 32,
    "train.checkpoint_every": 8,
    "train.log_every": 2,
    "train.warmup_steps": 4,
    "train.snapshots": 2,
    "sample.per_class": 4,
    "sample.grid_per_class": 2,
    "sample.steps": 5,
    "sample.trajectory_per_class": 2,
    "sample.trajectory_steps": 10,
    "sample.trajectory_every": 5,
    "clip.train.steps": 10,
    "clip.train.batch_size": 32,
    "clip.train.warmup_steps": 2,
    "clip.validation_images": 100,
    "judge.epochs": 1,
    "select.group_size": 2,
    "select.k": 1,
    "evaluate.samplers": [
        {"sampler": "ddim", "steps": 3, "eta": 1.0, "per_class": 0},
        {"sampler": "dpmpp_2m", "steps": 3, "eta": 0.0, "per_class": 0},
        {"sampler": "ddpm", "steps": 1, "eta": 1.0, "per_class": 1},
    ],
    "evaluate.sampler_per_class": 2,
    "evaluate.snapshot_per_class": 2,
    "evaluate.loss_by_t_images": 32,
    "evaluate.loss_by_t_buckets": 4,
    "evaluate.style_per_level": 1,
    "evaluate.arch_bench_steps": 1,
    "evaluate.arch_bench_batch": 4,
    "model.archs.basic_no_skip.channels": [8, 16],
    "model.archs.basic_no_time.channels": [8, 16],
    "model.archs.plain_cnn.channels": [8, 16],
    "ablations.budgets_gflop": [0.5, 1.5],
    "ablations.warmup_steps": 2,
    "ablations.per_class": 2,
    "guidance.scales": [0.0, 1.0, 2.0],
    "guidance.per_class": 2,
    "guidance.null_samples": 4,
    "probes.wrong_timestep_images": 32,
    "probes.timestep_shifts": [-10, 10],
    "probes.cost_images": 4,
    "probes.cost_max_steps": 2,
    "probes.resolutions": [28, 56],
    "augmentation.per_class": 4,
    "augmentation.epochs": 1,
    "augmentation.batch_size": 8,
    "augmentation.seeds": [0],
}


def tiny_params(**overrides) -> Params:
    """The repository's params.yaml with TINY applied, then `overrides` ({"train.lr": 0.1} as
    train__lr=0.1 keyword arguments, double underscores for dots)."""
    extra = {key.replace("__", "."): value for key, value in overrides.items()}
    return load_params(ROOT / "params.yaml", {**TINY, **extra})


def write_tiny_params(folder: Path, **overrides) -> Path:
    """params.yaml in `folder`: the repository's, with TINY and `overrides` applied (as `tiny_params`)."""
    import yaml

    from fashion_diffusion.config import to_dict

    path = folder / "params.yaml"
    path.write_text(yaml.safe_dump(to_dict(tiny_params(**overrides)), sort_keys=False))
    return path
