"""Training the ablation variants for their learning curves (see `studies.ablation`): each variant
trained to the largest budget, its EMA weights kept at every budget on the way; every variant with the
first of `ablations.training_seeds`, the variants of `ablations.replicated` with each of them (the
spread between seeds is the training-seed component of the comparisons).

`train_variants` runs those trainings `ablations.workers` at a time, each in its own process with its
share of the cores: on this project's 2-core CPU two one-thread trainings together process about 1.2x
the images per second of one two-thread training (small convolutions do not use two threads fully),
so they finish sooner than one after another.
"""

from __future__ import annotations

import math
import multiprocessing
import tempfile
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path

import torch

from ..config import Params, TrainParams
from ..config.constants import steps_per_epoch
from ..core.artifacts import load_checkpoint, write_json
from ..core.errors import InputError
from ..core.runtime import resolve_device, set_threads
from ..data.prepared import Dataset, load_prepared, to_model_range
from ..evaluation.cost import flops_per_image
from ..model.checkpoint import ModelInfo, save_denoiser
from ..model.unet import build_denoiser, count_parameters, denoiser_config
from ..scoring.clip.loading import load_scorer
from ..style.bins import StyleBins, load_style_bins
from ..training.clip_alignment import AlignmentLoss, clip_alignment_loss
from ..training.loop import Alignment, train, train_data

CLIP_VARIANT = "clip_alignment"  # the name of ablations.clip_alignment's variant, beside ablations.variants'


@dataclass(frozen=True)
class Variant:
    """One training: the variant's name (its folder), its model.archs entry, the CLIP alignment weight
    (0: none; > 0: the term of the in-domain scorer, models/clip_scorer.pt), the training seed."""

    name: str
    arch: str
    alignment_weight: float = 0.0
    seed: int = 0

    @property
    def label(self) -> str:
        return f"{self.name} (seed {self.seed})"


def ablation_variants(p: Params) -> list[Variant]:
    """Every training in the order that ends soonest with two workers: the CLIP-alignment variant at each of
    its seeds first (the scorer's forward and backward passes make it the longest), then the first seed of
    ablations.variants in their order, then the other seeds of the replicated ones."""
    a, clip = p.ablations, p.ablations.clip_alignment
    seeds = a.training_seeds
    replicated = CLIP_VARIANT in a.replicated
    first = [Variant(CLIP_VARIANT, clip.arch, clip.weight, seed) for seed in (seeds if replicated else seeds[:1])]
    designs = list(a.variants.items())
    return (
        first
        + [Variant(name, arch, 0.0, seeds[0]) for name, arch in designs]
        + [Variant(name, arch, 0.0, seed) for seed in seeds[1:] for name, arch in designs if name in a.replicated]
    )


def seed_folder(folder: Path, variant: str, seed: int) -> Path:
    """Where one training of a variant keeps its EMA weights at every budget and its training.json."""
    return Path(folder) / variant / f"seed_{seed}"


def train_variants(p: Params, folder: Path, variants: list[Variant]) -> Iterator[tuple[Variant, dict]]:
    """Train each of `variants` into `seed_folder(folder, name, seed)`, `ablations.workers` at a time,
    each process with train.threads torch threads (0: an equal share of this process's); yields (variant,
    training record) as each finishes. One worker trains them here, one after another."""
    workers = min(p.ablations.workers, len(variants))
    threads = p.train.threads or max(1, torch.get_num_threads() // workers)
    if workers == 1:
        for variant in variants:
            yield variant, train_in_process(p, variant, folder, threads)
        return
    # spawn, not fork: a forked child inherits torch's thread pools in an undefined state
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn")) as pool:
        futures = {pool.submit(train_in_process, p, variant, folder, threads): variant for variant in variants}
        try:
            for future in as_completed(futures):
                yield futures[future], future.result()  # a worker's error is raised here
        except BaseException:
            pool.shutdown(cancel_futures=True)  # the trainings not started yet never start
            raise


def train_in_process(p: Params, variant: Variant, folder: Path, threads: int) -> dict:
    """Train one variant with one seed in this process with `threads` torch threads; write its folder;
    its record."""
    set_threads(threads)
    device, data = resolve_device(p.train.device, "train.device"), load_prepared()
    alignment = None
    if variant.alignment_weight > 0:
        prompts = [p.clip.class_prompt.format(label=name) for name in data.class_names]
        alignment = clip_alignment_loss(load_scorer("trained", "", device), prompts)
    out = seed_folder(folder, variant.name, variant.seed)
    record = train_variant(
        p, variant.arch, load_style_bins(), data, device, out, alignment, variant.alignment_weight, variant.seed
    )
    record = {"variant": variant.name, "threads": threads, "workers": p.ablations.workers, **record}
    write_json(out / "training.json", record)
    return record


def budget_steps(budget_gflop: float, flops_per_image: float, batch_size: int) -> int:
    """Training steps that spend `budget_gflop` forward GFLOPs at `flops_per_image` FLOPs per image."""
    return max(1, round(budget_gflop * 1e9 / (flops_per_image * batch_size)))


def curve_recipe(recipe: TrainParams, steps: int, warmup_steps: int, lr_schedule: str, n_images: int) -> TrainParams:
    """The default recipe run for exactly `steps` steps with its own warm-up and schedule, no evenly
    spread EMA snapshots (the budgets' are asked for), one checkpoint at the end."""
    epochs = math.ceil(steps / steps_per_epoch(n_images, recipe.batch_size))
    return recipe.model_copy(
        update={
            "epochs": epochs,
            "max_steps": steps,
            "snapshots": 0,
            "checkpoint_every": steps,
            "warmup_steps": warmup_steps,
            "lr_schedule": lr_schedule,
        }
    )


def variant_info(p: Params, arch: str, bins: StyleBins, data: Dataset) -> ModelInfo:
    """What a variant of architecture `arch` (a model.archs name) is trained on and with."""
    config = denoiser_config(p.model, len(data.class_names), [bins.levels] * len(bins.attributes), arch)
    image_shape = tuple(to_model_range(data.train_images[:1]).shape[1:])
    return ModelInfo(config, p.diffusion.model_dump(), image_shape, data.class_names, bins.attributes, 0)


def snapshot_path(folder: Path, budget_gflop: float) -> Path:
    """The file of a variant's EMA weights at one budget."""
    return Path(folder) / f"gflop_{budget_gflop:g}.pt"


def train_variant(
    p: Params,
    arch: str,
    bins: StyleBins,
    data: Dataset,
    device: torch.device,
    folder: Path,
    alignment: AlignmentLoss | None = None,
    alignment_weight: float = 0.0,
    seed: int = 0,
) -> dict:
    """Train `arch` with `seed` to the largest of `ablations.budgets_gflop` (with the CLIP alignment term
    when given) and write its EMA weights at every budget into `folder` (`snapshot_path`, loadable with
    `load_denoiser`). Returns the training record: cost, and the steps of each budget."""
    a = p.ablations
    info = variant_info(p, arch, bins, data)
    flops = flops_per_image(build_denoiser(info.config), info.image_shape)
    steps = [budget_steps(budget, flops, p.train.batch_size) for budget in a.budgets_gflop]
    if len(set(steps)) < len(steps):
        raise InputError(
            f"ablations.budgets_gflop: {a.budgets_gflop} give {arch} the step counts {steps}; two budgets "
            "share a step count (space the budgets further apart)"
        )
    images = to_model_range(data.train_images)
    warmup = min(a.warmup_steps, steps[-1] - 1)
    recipe = curve_recipe(p.train, steps[-1], warmup, a.lr_schedule, len(images)).model_copy(update={"seed": seed})
    with tempfile.TemporaryDirectory() as scratch:  # the run's resume checkpoint and raw snapshots: not kept
        result = train(
            info.config,
            info.schedule(),
            info.diffusion,
            train_data(images, data.train_labels, data.train_styles, data.identity()),
            recipe,
            device,
            Path(scratch) / "last.pt",
            Alignment(alignment, alignment_weight),
            progress=False,
            snapshot_at=steps,
        )
        model = build_denoiser(info.config)
        for budget, step in zip(a.budgets_gflop, steps):
            snapshot = result.snapshot_dir / f"step_{step:07d}.pt"  # written by train() just now
            model.load_state_dict(load_checkpoint(snapshot, map_location="cpu", made_by="train")["ema"])
            info.steps = step
            save_denoiser(snapshot_path(folder, budget), model, model, info)  # EMA weights (stored once)
    summary = result.summary(recipe.batch_size, device)
    return {
        "arch": arch,
        "seed": seed,
        "alignment_weight": alignment_weight,
        "parameters": count_parameters(result.model),
        "gflops_per_image": flops / 1e9,
        "batch_size": recipe.batch_size,
        "warmup_steps": warmup,
        "lr_schedule": a.lr_schedule,
        "train_seconds": summary["train_seconds"],
        "images_per_second": summary["images_per_second"],
        "final_loss": summary["final_loss"],
        "budgets": [
            {
                "budget_gflop": budget,
                "steps": step,
                "images_seen": step * recipe.batch_size,
                "train_gflop": flops * step * recipe.batch_size / 1e9,
            }
            for budget, step in zip(a.budgets_gflop, steps)
        ],
    }
