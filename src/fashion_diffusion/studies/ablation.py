"""Ablations as learning curves: variants of the denoiser trained at equal compute, each judged at
several training budgets on the way.

Budget = training compute. A variant whose forward pass costs F FLOPs per image
(`evaluation.cost.flops_per_image`, torch's FlopCounterMode) has spent budget B after

    steps(B) = max(1, round(B * 1e9 / (F * batch_size)))

steps, so images seen x forward FLOPs per image is the same for every variant at every budget (a
backward pass costs about twice the forward in all of them, so the equality holds for whole training
steps too). Step counts follow from params.yaml alone, never from the machine's speed.

One run per variant and seed gives its whole curve: the learning rate warms up over `ablations.warmup_steps`
(the same steps for every variant) and then stays at the peak (`warmup_constant`), so the factor at
step s does not depend on where the run ends, and the EMA weights after steps(B) are exactly those of a
separate run to budget B (same seed, same batches). The rest of the recipe is the default one (`train`
section). Training (`ablation_training.train_variants`, stage ablation_training) is apart from judging
(`judge_curves`, stage ablation_summary), so a change of sampler or statistics re-judges without
retraining.

Training seeds: every variant trains with the first of `ablations.training_seeds`, the variants of
`ablations.replicated` with each. A point's value is the mean over its seeds; the variance between seeds
of one design, pooled over the replicated variants at each budget (`SeedSpread`), is assumed to hold for
every variant, and its standard error for the difference of two seed means is added to the sampling
error of every comparison (`stats.inference`).

Off scale: a set the judge cannot read (`Scores.readable`) gets no judge verdict; its comparison is
carried by the held-out noise-prediction error per noise-level bucket, which every model has.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from ..config import Params
from ..data.prepared import to_model_range
from ..evaluation.comparison import VERDICT_MEASURES, SeedSpread, set_differences, set_family
from ..evaluation.generation import Generated, generate
from ..evaluation.loss_by_timestep import errors_by_bucket
from ..evaluation.reference import Scores
from ..evaluation.setup import EvaluationSetup
from ..model.checkpoint import load_denoiser
from ..model.samplers import Sampling
from ..results.ablations import (
    AblationComparison,
    AblationPoint,
    AblationStudy,
    LossBucket,
    Reversal,
    VariantTraining,
)
from ..results.ablations import (
    SeedSpread as SeedSpreadResult,
)
from ..results.base import HIGHER_LOWER_ERROR, Estimate
from ..stats import inference
from ..stats.bootstrap import percentile_interval, resample_counts, resample_indices
from .ablation_training import CLIP_VARIANT, seed_folder, snapshot_path

JUDGE_FAMILY = "ablations by the judge"
ERROR_FAMILY = "ablations by held-out error"


@dataclass
class Judged:
    """One training of a variant at one budget: its samples, the judge's scores of them, and its held-out
    errors (buckets, N)."""

    generated: Generated
    scores: Scores
    errors: np.ndarray


def judge_training(path: Path, setup: EvaluationSetup, p: Params, loss_images: torch.Tensor) -> Judged:
    """The EMA weights at one budget sampled (ablations.per_class per class, the default sampler,
    ablations.seed: the same starting noise for every variant, seed and budget), judged, and their held-out
    noise-prediction errors per bucket (the same images, timesteps and noise for every model)."""
    a = p.ablations
    model, info = load_denoiser(path, setup.device)
    generated = generate(model, info, a.per_class, Sampling.of(p.sample), a.seed)
    labels = torch.as_tensor(setup.data.test_labels[: len(loss_images)])
    _, errors = errors_by_bucket(
        model, info.schedule(), info.prediction, loss_images, labels, a.loss_buckets, a.seed, bf16=p.evaluate.bf16
    )
    return Judged(generated, setup.judge(generated.images, generated.labels), errors)


def mean_with_resamples(values: np.ndarray, resamples: int, seed: int) -> tuple[float, np.ndarray]:
    """The mean of values (N,) and its bootstrap resamples (resamples,), images drawn with replacement."""
    counts = resample_counts(resample_indices(len(values), resamples, seed), len(values))
    return float(values.mean()), counts @ values / len(values)


def judge_curves(records: dict[tuple[str, int], dict], folder: Path, setup: EvaluationSetup, p: Params):
    """Every training ((variant, seed) -> its training record) judged at every budget; returns the
    AblationStudy and each variant's first-seed samples at the largest budget (for the figure)."""
    a, resamples, seed = p.ablations, setup.resamples, setup.seed
    names = list(dict.fromkeys(variant for variant, _ in records))
    seeds = {name: [s for v, s in records if v == name] for name in names}
    loss_images = to_model_range(setup.data.test_images[: p.evaluate.loss_by_t_images])
    edges = np.linspace(0, p.diffusion.timesteps, a.loss_buckets + 1).astype(int)
    points, comparisons, spreads = [], [], []
    judge_differences, judge_off_scale, error_differences = {}, set(), {}
    for i, budget in enumerate(a.budgets_gflop):
        judged = {}
        for name, s in records:
            print(f"judging {name} (seed {s}) at {budget:g} GFLOP")
            judged[name, s] = judge_training(snapshot_path(seed_folder(folder, name, s), budget), setup, p, loss_images)
        sets = {name: [judged[name, s].scores for s in seeds[name]] for name in names}
        errors = {name: np.mean([judged[name, s].errors for s in seeds[name]], axis=0) for name in names}
        spread = budget_spread(budget, judged, seeds, [n for n in names if len(seeds[n]) > 1], setup)
        spreads += spread.values()
        for name in names:
            points.append(
                AblationPoint(
                    variant=name,
                    budget_gflop=budget,
                    steps=records[name, seeds[name][0]]["budgets"][i]["steps"],
                    judged=setup.judged(sets[name]),
                    held_out_mse=[
                        Estimate(value=value, low=low, high=high)
                        for bucket in errors[name]
                        for value, resampled in [mean_with_resamples(bucket, resamples, seed)]
                        for low, high in [percentile_interval(resampled)]
                    ],
                    sample_seconds=float(np.mean([judged[name, s].generated.seconds for s in seeds[name]])),
                )
            )
        others = [name for name in names if name != a.reference]
        seed_errors = {
            name: {
                m: (seed_error(spread[m], len(seeds[name]), len(seeds[a.reference])), spread[m].seed_dof or np.inf)
                for m in VERDICT_MEASURES
            }
            for name in others
        }
        differences, off_scale = set_differences(
            setup, sets[a.reference], {(name, budget): sets[name] for name in others},
            {(name, budget): seed_errors[name] for name in others},
        )  # fmt: skip
        judge_differences |= differences
        judge_off_scale |= off_scale
        for name in others:
            for b, (variant_errors, reference_errors) in enumerate(zip(errors[name], errors[a.reference])):
                value, resampled = mean_with_resamples(variant_errors - reference_errors, resamples, seed)
                measure = f"held_out_mse_{b}"
                error_differences[name, budget, b] = inference.Difference.of_resamples(
                    value,
                    resampled,
                    seed_error(spread[measure], len(seeds[name]), len(seeds[a.reference])),
                    spread[measure].seed_dof or np.inf,
                )
    by_judge = set_family(JUDGE_FAMILY, judge_differences, judge_off_scale)
    by_error = inference.family(ERROR_FAMILY, error_differences, HIGHER_LOWER_ERROR)
    for name in [n for n in names if n != a.reference]:
        for budget in a.budgets_gflop:
            comparisons.append(
                AblationComparison(
                    variant=name,
                    budget_gflop=budget,
                    judged=by_judge[name, budget],
                    held_out_mse=[by_error[name, budget, b] for b in range(a.loss_buckets)],
                )
            )
    study = AblationStudy(
        reference=a.reference,
        budgets_gflop=a.budgets_gflop,
        per_class=a.per_class,
        training_seeds=a.training_seeds,
        replicated=[n for n in names if len(seeds[n]) > 1],
        questions=dict(a.questions),
        clip_variant=CLIP_VARIANT,
        buckets=[LossBucket(t_low=int(lo), t_high=int(hi)) for lo, hi in zip(edges[:-1], edges[1:])],
        loss_images=len(loss_images),
        variants={name: variant_training(name, [records[name, s] for s in seeds[name]]) for name in names},
        points=points,
        comparisons=comparisons,
        seed_spread=spreads,
        reversals=reversals(comparisons, a.budgets_gflop),
        judge_family=JUDGE_FAMILY,
        error_family=ERROR_FAMILY,
    )
    return study, {name: judged[name, seeds[name][0]].generated for name in names}


def seed_error(spread: SeedSpreadResult, seeds_a: int, seeds_b: int) -> float:
    """The training-seed standard error of a difference between two seed means (0 when unmeasured)."""
    return SeedSpread(spread.seed_sd**2, spread.seed_dof).standard_error(seeds_a, seeds_b)


def budget_spread(
    budget: float, judged: dict, seeds: dict[str, list[int]], replicated: list[str], setup: EvaluationSetup
) -> dict[str, SeedSpreadResult]:
    """measure -> its spread between training seeds at this budget (pooled over the replicated variants)
    beside its sampling spread (the bootstrap standard deviation of one set's value, averaged)."""
    out = {}
    measures = [*VERDICT_MEASURES, *(f"held_out_mse_{b}" for b in range(len(next(iter(judged.values())).errors)))]
    for measure in measures:
        groups, sampling = [], []
        for name in replicated:
            values = []
            for s in seeds[name]:
                entry = judged[name, s]
                if measure.startswith("held_out_mse_"):
                    errors = entry.errors[int(measure.rsplit("_", 1)[1])]
                    values.append(float(errors.mean()))
                    sampling.append(float(errors.std(ddof=1) / np.sqrt(len(errors))))
                else:
                    measured = setup.measure(entry.scores)
                    values.append(measured.values[measure])
                    sampling.append(float(np.std(measured.resampled[measure], ddof=1)))
            groups.append(values)
        spread = SeedSpread.pooled(groups)
        out[measure] = SeedSpreadResult(
            budget_gflop=budget,
            measure=measure,
            seed_sd=float(np.sqrt(spread.variance)) if spread.dof else 0.0,
            seed_dof=int(spread.dof),
            sampling_sd=float(np.mean(sampling)) if sampling else 0.0,
        )
    return out


def variant_training(name: str, records: list[dict]) -> VariantTraining:
    """A variant's training records (one per seed) as one result."""
    first = records[0]
    return VariantTraining(
        name=name,
        arch=first["arch"],
        parameters=first["parameters"],
        gflops_per_image=first["gflops_per_image"],
        batch_size=first["batch_size"],
        alignment_weight=first["alignment_weight"],
        warmup_steps=first["warmup_steps"],
        steps=[b["steps"] for b in first["budgets"]],
        seeds=[r["seed"] for r in records],
        train_seconds=[r["train_seconds"] for r in records],
        final_loss=[r["final_loss"] for r in records],
        threads=first["threads"],
        workers=first["workers"],
    )


def reversals(comparisons: list[AblationComparison], budgets: list[float]) -> list[Reversal]:
    """Where a variant is resolved on one side of the reference at one budget and on the other side at
    the next budget at which it is resolved, per measure (the judge's three and each error bucket)."""
    found = []
    for name in dict.fromkeys(c.variant for c in comparisons):
        curve = sorted((c for c in comparisons if c.variant == name), key=lambda c: budgets.index(c.budget_gflop))
        measures = {m: [getattr(c.judged, m) for c in curve] for m in VERDICT_MEASURES}
        measures |= {f"held_out_mse_{b}": [c.held_out_mse[b] for c in curve] for b in range(len(curve[0].held_out_mse))}
        for measure, series in measures.items():
            resolved = [(c.budget_gflop, x) for c, x in zip(curve, series) if x.resolved]
            for (b0, x0), (b1, x1) in zip(resolved, resolved[1:]):
                if x0.verdict != x1.verdict:
                    found.append(
                        Reversal(
                            variant=name,
                            measure=measure,
                            from_budget=b0,
                            from_verdict=x0.verdict,
                            to_budget=b1,
                            to_verdict=x1.verdict,
                        )
                    )
    return found
