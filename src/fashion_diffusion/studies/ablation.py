"""Ablations as learning curves: variants of the denoiser trained at equal compute, each judged at
several training budgets on the way.

Budget = training compute. A variant whose forward pass costs F FLOPs per image
(`evaluation.cost.flops_per_image`, torch's FlopCounterMode) has spent budget B after

    steps(B) = max(1, round(B * 1e9 / (F * batch_size)))

steps, so images seen x forward FLOPs per image is the same for every variant at every budget (a
backward pass costs about twice the forward in all of them, so the equality holds for whole training
steps too). Step counts follow from params.yaml alone, never from the machine's speed.

One run per variant gives its whole curve: the learning rate warms up over `ablations.warmup_gflop`
(the same compute for every variant) and then stays at the peak (`warmup_constant`), so the factor at
step s does not depend on where the run ends, and the EMA weights after steps(B) are exactly those of a
separate run to budget B (same seed, same batches). The rest of the recipe is the default one (`train`
section). Training (`ablation_training.train_variants`, stage ablation_training) is apart from judging
(`judge_curves`, stage ablation_summary), so a change of sampler or statistics re-judges without
retraining.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from ..config import Params
from ..data.prepared import to_model_range
from ..evaluation.comparison import paired_differences
from ..evaluation.generation import Generated, generate
from ..evaluation.loss_by_timestep import noise_prediction_errors
from ..evaluation.reference import Scores
from ..evaluation.setup import EvaluationSetup
from ..model.checkpoint import ModelInfo, load_denoiser
from ..model.samplers import Sampling
from ..model.unet import Denoiser
from ..stats.bootstrap import flat_estimates, mean_estimate
from .ablation_training import snapshot_path


def held_out_mse(
    model: Denoiser, info: ModelInfo, setup: EvaluationSetup, images: int, resamples: int, seed: int
) -> dict[str, float]:
    """Noise-prediction MSE of a model on the first `images` test images at uniform random t,
    with its interval over images: `held_out_mse`, `_low`, `_high`."""
    x0 = to_model_range(setup.data.test_images[:images])
    generator = torch.Generator().manual_seed(seed)
    t = torch.randint(0, info.schedule().timesteps, (len(x0),), generator=generator)
    noise = torch.randn(x0.shape, generator=generator)
    errors = noise_prediction_errors(
        model, info.schedule(), info.prediction, x0, torch.as_tensor(setup.data.test_labels[:images]), t, noise
    )
    return mean_estimate(errors.numpy(), resamples, seed).as_dict("held_out_mse")


@dataclass
class Point:
    """One variant judged at one budget: its samples and everything measured."""

    generated: Generated
    scores: Scores
    metrics: dict


def judge_point(folder: Path, budget: dict, setup: EvaluationSetup, p: Params) -> Point:
    """The variant's EMA weights at `budget` (a record of `train_variant`) sampled
    (ablations.per_class per class, the default sampler, ablations.seed: the same starting noise for
    every variant and budget), judged, and its held-out MSE, each with an interval."""
    a, resamples = p.ablations, p.statistics.bootstrap_resamples
    model, info = load_denoiser(snapshot_path(folder, budget["budget_gflop"]), setup.device)
    generated = generate(model, info, a.per_class, Sampling.of(p.sample), a.seed)
    scores = setup.reference.judge_images(generated.images, generated.labels)
    metrics = {
        **budget,
        "sample_seconds": generated.seconds,
        **held_out_mse(model, info, setup, p.evaluate.loss_by_t_images, resamples, a.seed),
        **setup.summary(scores, resamples, a.seed),
    }
    return Point(generated, scores, metrics)


def judge_curves(
    records: dict[str, dict], folders: dict[str, Path], setup: EvaluationSetup, p: Params
) -> tuple[dict[str, list[dict]], dict[str, Generated]]:
    """Every variant (name -> its training record and snapshot folder) judged at every budget, and
    at each budget compared with the reference variant pair by pair (variant minus reference:
    `accuracy_difference`, `fid_difference` with intervals). Returns each variant's curve (one dict
    per budget, in budget order) and its samples at the largest budget."""
    a = p.ablations
    curves: dict[str, list[dict]] = {name: [] for name in records}
    for i, budget in enumerate(a.budgets_gflop):
        points = {}
        for name, record in records.items():
            print(f"judging {name} at {budget:g} GFLOP")
            points[name] = judge_point(folders[name], record["budgets"][i], setup, p)
        base = points[a.reference].scores
        others = {name: point.scores for name, point in points.items() if name != a.reference}
        differences = paired_differences(
            base, others, setup.reference.gaussian, p.statistics.bootstrap_resamples, a.seed
        )
        for name, point in points.items():
            curves[name].append({**point.metrics, **flat_estimates(differences.get(name, {}))})
    return curves, {name: point.generated for name, point in points.items()}


def crossings(budgets: list[float], differences: list[float]) -> list[list[float]]:
    """The budget intervals [b_i, b_i+1] over which a variant's point difference from the reference
    changes sign: where its curve crosses the reference's (none: they do not cross within the budgets)."""
    return [
        [budgets[i], budgets[i + 1]]
        for i in range(len(budgets) - 1)
        if np.sign(differences[i]) != np.sign(differences[i + 1]) and differences[i] != 0
    ]
