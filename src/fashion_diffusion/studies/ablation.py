"""Ablations: variants of the denoiser trained at one equal budget, sampled and judged alike.

Budget = equal training compute. A variant whose forward pass costs F FLOPs per image
(`evaluation.cost.flops_per_image`, torch's FlopCounterMode) trains for

    steps = max(1, round(budget_gflop * 1e9 / (F * batch_size)))

steps, so images seen x forward FLOPs per image is the same for every variant (a backward pass costs
about twice the forward in all of them, so the equality holds for whole training steps too). The
step count follows from params.yaml alone, never from the machine's speed, so a re-run trains the same
steps; the seconds are measured and reported beside it. Each variant follows the default recipe
(`train` section) with its step counts (warm-up) shortened in proportion, and is sampled with the
default sampler from one seed, so every variant starts from the same noise.
"""

from __future__ import annotations

import math
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from ..config import Params, TrainParams
from ..config.constants import steps_per_epoch, total_steps
from ..data.prepared import to_model_range
from ..evaluation.comparison import paired_differences
from ..evaluation.cost import flops_per_image
from ..evaluation.generation import Generated, generate
from ..evaluation.loss_by_timestep import noise_prediction_errors
from ..evaluation.setup import EvaluationSetup
from ..model.checkpoint import ModelInfo
from ..model.samplers import Sampling
from ..model.unet import Denoiser, build_denoiser, count_parameters, denoiser_config
from ..stats.bootstrap import flat_estimates, mean_estimate
from ..style.bins import StyleBins
from ..training.clip_alignment import AlignmentLoss
from ..training.loop import Alignment, train, train_data


@dataclass
class Variant:
    """A trained variant: what was sampled, and what its training cost."""

    model: Denoiser  # the weights sampled from (the EMA weights when sample.use_ema)
    info: ModelInfo
    cost: dict  # parameters, gflops_per_image, steps, images_seen, train_gflop, train_seconds, final_loss


def budget_steps(budget_gflop: float, flops_per_image: float, batch_size: int) -> int:
    """Training steps that spend `budget_gflop` forward GFLOPs at `flops_per_image` FLOPs per image."""
    return max(1, round(budget_gflop * 1e9 / (flops_per_image * batch_size)))


def shortened_recipe(recipe: TrainParams, steps: int, n_images: int) -> TrainParams:
    """The default recipe cut to `steps` steps: the warm-up shrinks in proportion to the run, no
    EMA snapshots, one checkpoint at the end."""
    default_steps = total_steps(recipe.epochs, recipe.max_steps, n_images, recipe.batch_size)
    epochs = math.ceil(steps / steps_per_epoch(n_images, recipe.batch_size))
    return recipe.model_copy(
        update={
            "epochs": epochs,
            "max_steps": steps,
            "snapshots": 0,
            "checkpoint_every": steps,
            "warmup_steps": round(recipe.warmup_steps * steps / default_steps),
        }
    )


def train_variant(
    p: Params,
    arch: str,
    bins: StyleBins,
    setup: EvaluationSetup,
    alignment: AlignmentLoss | None = None,
    alignment_weight: float = 0.0,
) -> Variant:
    """Train `arch` (a model.archs name) at the ablation budget, with the CLIP alignment term when given."""
    data = setup.data
    config = denoiser_config(p.model, len(data.class_names), [bins.levels] * len(bins.attributes), arch)
    images = to_model_range(data.train_images)
    info = ModelInfo(config, p.diffusion.model_dump(), tuple(images.shape[1:]), data.class_names, bins.attributes, 0)
    flops = flops_per_image(build_denoiser(config), info.image_shape)
    steps = budget_steps(p.ablations.train_gflop, flops, p.train.batch_size)
    recipe = shortened_recipe(p.train, steps, len(images))
    with tempfile.TemporaryDirectory() as folder:  # the run's resume checkpoint: not kept
        result = train(
            config,
            info.schedule(),
            info.diffusion,
            train_data(images, data.train_labels, data.train_styles, data.identity()),
            recipe,
            setup.device,
            Path(folder) / "last.pt",
            Alignment(alignment, alignment_weight),
            progress=False,
        )
    info.steps = result.steps
    summary = result.summary(recipe.batch_size, setup.device)
    images_seen = result.steps * recipe.batch_size
    cost = {
        "parameters": count_parameters(result.model),
        "gflops_per_image": flops / 1e9,
        "steps": result.steps,
        "batch_size": recipe.batch_size,
        "warmup_steps": recipe.warmup_steps,
        "images_seen": images_seen,
        "train_gflop": flops * images_seen / 1e9,
        "train_seconds": summary["train_seconds"],
        "images_per_second": summary["images_per_second"],
        "final_loss": summary["final_loss"],
    }
    model = (result.ema_model if p.sample.use_ema else result.model).eval()
    return Variant(model, info, cost)


def held_out_mse(variant: Variant, setup: EvaluationSetup, images: int, resamples: int, seed: int) -> dict[str, float]:
    """Noise-prediction MSE of the variant on the first `images` test images at uniform random t,
    with its interval over images: `held_out_mse`, `_low`, `_high`."""
    x0 = to_model_range(setup.data.test_images[:images])
    generator = torch.Generator().manual_seed(seed)
    t = torch.randint(0, variant.info.schedule().timesteps, (len(x0),), generator=generator)
    noise = torch.randn(x0.shape, generator=generator)
    errors = noise_prediction_errors(
        variant.model,
        variant.info.schedule(),
        variant.info.prediction,
        x0,
        torch.as_tensor(setup.data.test_labels[:images]),
        t,
        noise,
    )
    return mean_estimate(errors.numpy(), resamples, seed).as_dict("held_out_mse")


def sample_and_judge(variant: Variant, setup: EvaluationSetup, p: Params) -> tuple[Generated, dict]:
    """The variant's samples (ablations.per_class per class, default sampler, ablations.seed) and
    everything measured about it: its training cost, held-out MSE and judged quality with intervals."""
    a, resamples = p.ablations, p.statistics.bootstrap_resamples
    generated = generate(variant.model, variant.info, a.per_class, Sampling.of(p.sample), a.seed)
    scores = setup.reference.judge_images(generated.images, generated.labels)
    metrics = {
        **variant.cost,
        "sample_seconds": generated.seconds,
        **held_out_mse(variant, setup, p.evaluate.loss_by_t_images, resamples, a.seed),
        **setup.summary(scores, resamples, a.seed),
    }
    return generated, metrics


def compare_with_reference(
    setup: EvaluationSetup, samples: dict[str, tuple[np.ndarray, np.ndarray]], reference: str, resamples: int, seed: int
) -> dict[str, dict[str, float]]:
    """Each variant's samples (images (N, H, W) uint8, labels (N,)) against the reference variant's:
    accuracy and FID differences (variant minus reference) with intervals. The variants share the
    seed and labels, so image i of every variant started from the same noise: pairs are resampled."""
    scores = {name: setup.reference.judge_images(images, labels) for name, (images, labels) in samples.items()}
    base = scores.pop(reference)
    differences = paired_differences(base, scores, setup.reference.gaussian, resamples, seed)
    return {name: flat_estimates(estimates) for name, estimates in differences.items()}
