"""Classifier-free guidance swept over scales, and what the class label does to the samples.

Every scale samples the same labels from the same seed, so image i starts from the same noise at
every scale and the sets differ only by the guidance: each scale is compared with the default scale
(`sample.guidance_scale`, swept even when guidance.scales lacks it) image for image, one family.
Unconditional samples come from the null class (the label that training dropped classes to,
`train.p_uncond`). The judge's argmax over each set, per requested class, is the class distribution
that conditioning produces.

The sweep concludes: the scale of the lowest KID among the sets the judge can read (a point value),
the scales resolved better than the default by KID, and the judge accuracy with no guidance (scale 0:
the conditional model alone) and at the default. Accuracy is fidelity to the label, not closeness to
the data: a scale of higher accuracy is not on that account better.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import pandas as pd
import torch

from ..data.prepared import to_uint8
from ..evaluation.comparison import set_comparisons
from ..evaluation.generation import Generated, generate
from ..evaluation.reference import Scores
from ..evaluation.setup import EvaluationSetup
from ..model.samplers import Sampling, sample
from ..results.base import BETTER_WHEN_LOWER, Estimate
from ..results.sets import ClassShare, GuidanceScale, GuidanceStudy
from ..stats.bootstrap import mean_estimate

FAMILY = "guidance scales against the default"
UNCONDITIONAL = "unconditional (null class)"


@dataclass
class Sweep:
    """What the sweep sampled, and the judge's scores of it."""

    scales: list[float]
    sets: list[Generated]  # one per scale, the same labels
    scores: list[Scores]
    null_set: Generated  # the null class's samples
    null_scores: Scores


def swept_scales(scales: list[float], default: float) -> list[float]:
    """The scales to sample: guidance.scales with the default scale, increasing."""
    return sorted({*scales, default})


def run_sweep(
    setup: EvaluationSetup, scales: list[float], per_class: int, null_samples: int, sampling: Sampling, seed: int
) -> Sweep:
    """`per_class` images of every class at each scale and `null_samples` of the null class, all from
    `seed`, judged."""
    model, info = setup.model, setup.info
    sets = [generate(model, info, per_class, sampling.replace(guidance_scale=scale), seed) for scale in scales]
    null_set = unconditional(setup, null_samples, sampling, seed)
    null_scores = setup.judge(null_set.images, null_set.labels)  # only its argmax is read: no class was requested
    return Sweep(scales, sets, [setup.judge(s.images, s.labels) for s in sets], null_set, null_scores)


def unconditional(setup: EvaluationSetup, n: int, sampling: Sampling, seed: int) -> Generated:
    """n images of the null class (no guidance: with no class, the guided and plain outputs agree)."""
    model, info = setup.model, setup.info
    device = next(model.parameters()).device
    labels = torch.full((n,), model.null_class, dtype=torch.long, device=device)
    began = time.perf_counter()
    images, _ = sample(
        model,
        info.schedule(),
        labels,
        generator=torch.Generator().manual_seed(seed),
        image_shape=info.image_shape,
        prediction=info.prediction,
        **sampling.replace(guidance_scale=0.0).kwargs(),
    )
    return Generated(to_uint8(images), labels.cpu().numpy(), time.perf_counter() - began)


def guidance_study(setup: EvaluationSetup, sweep: Sweep, default: float, class_names: list[str]) -> GuidanceStudy:
    """Every scale judged and compared with the `default` scale (one family), the null class's shares
    of each judged class, and the sweep's conclusions (see the module)."""
    base = sweep.scales.index(default)
    others = {i: s for i, s in enumerate(sweep.scores) if i != base}
    versus = set_comparisons(FAMILY, setup, sweep.scores[base], others)
    classes = len(class_names)
    rows = [
        GuidanceScale(
            scale=scale,
            default=i == base,
            seconds=generated.seconds,
            judged=setup.judged(score),
            versus_default=versus.get(i),
            class_distribution=class_distribution(
                score.probs.argmax(axis=1), score.labels, list(range(classes)), classes
            ).tolist(),
        )
        for i, (scale, generated, score) in enumerate(zip(sweep.scales, sweep.sets, sweep.scores))
    ]
    readable = [row for row in rows if row.judged.readable]
    zero = next((row for row in rows if row.scale == 0), None)
    return GuidanceStudy(
        family=FAMILY,
        class_names=class_names,
        per_class=len(sweep.sets[0].labels) // classes,
        scales=rows,
        null_samples=len(sweep.null_set.labels),
        unconditional=null_shares(class_names, sweep.null_scores, setup.resamples, setup.seed),
        best_kid_scale=min(readable, key=lambda row: row.judged.kid.value).scale if readable else None,
        better_than_default=[
            row.scale for row in rows if row.versus_default and row.versus_default.kid.verdict == BETTER_WHEN_LOWER[1]
        ],
        accuracy_at_zero=zero.judged.accuracy if zero else None,
        accuracy_at_default=rows[base].judged.accuracy,
    )


def class_distribution(
    judged: np.ndarray, requested: np.ndarray, requested_values: list[int], num_classes: int
) -> np.ndarray:
    """(R, C): for each requested value (e.g. each class, or the null class), the fraction of its
    images that the judge assigns to each of the C classes. judged, requested: (N,) int."""
    rows = [np.bincount(judged[requested == r], minlength=num_classes) for r in requested_values]
    return np.stack([row / max(1, row.sum()) for row in rows])


def null_shares(class_names: list[str], null_scores: Scores, resamples: int, seed: int) -> list[ClassShare]:
    """The share of the unconditional samples that the judge puts in each class, with 95% intervals,
    largest first."""
    judged = null_scores.probs.argmax(axis=1)
    shares = []
    for c, name in enumerate(class_names):
        e = mean_estimate(judged == c, resamples, seed)
        shares.append(ClassShare(name=name, share=Estimate(value=e.value, low=e.low, high=e.high)))
    return sorted(shares, key=lambda s: -s.share.value)


def distribution_table(study: GuidanceStudy) -> pd.DataFrame:
    """Long table: set, scale, requested, judged, fraction; every requested class at every scale,
    then the unconditional samples (the figure's input)."""
    names = study.class_names
    rows = [
        {"set": f"scale {s.scale:g}", "scale": s.scale, "requested": names[r], "judged": names[j], "fraction": f}
        for s in study.scales
        for r, shares in enumerate(s.class_distribution)
        for j, f in enumerate(shares)
    ]
    rows += [
        {
            "set": UNCONDITIONAL,
            "scale": float("nan"),
            "requested": UNCONDITIONAL,
            "judged": s.name,
            "fraction": s.share.value,
        }
        for s in study.unconditional
    ]
    return pd.DataFrame(rows)


def scale_table(study: GuidanceStudy) -> pd.DataFrame:
    """One row per scale (scale, seconds, the judged set's flat keys): the CSV for the figure."""
    return pd.DataFrame([{"scale": s.scale, "seconds": s.seconds, **s.judged.flat()} for s in study.scales])


def headline(study: GuidanceStudy) -> dict[str, float | None]:
    """The sweep's few numbers for DVC (reports/headline/guidance.json)."""
    zero = study.accuracy_at_zero
    return {
        "best_kid_scale": study.best_kid_scale,
        "scales_better_than_default": len(study.better_than_default),
        "accuracy_at_default": study.accuracy_at_default.value,
        "accuracy_at_zero": zero.value if zero else None,
    }
