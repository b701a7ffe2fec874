"""Classifier-free guidance swept over scales, and what the class label does to the samples.

Every scale samples the same labels from the same seed, so image i starts from the same noise at
every scale and the sets differ only by the guidance. Unconditional samples come from the null
class (the label that training dropped classes to, `train.p_uncond`). The judge's argmax over each
set, per requested class, is the class distribution that conditioning produces.
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
import torch

from ..data.prepared import to_uint8
from ..evaluation.comparison import paired_differences
from ..evaluation.generation import Generated, generate
from ..evaluation.reference import Scores
from ..evaluation.setup import EvaluationSetup
from ..model.checkpoint import ModelInfo
from ..model.samplers import Sampling, sample
from ..model.unet import Denoiser
from ..stats.bootstrap import flat_estimates, mean_estimate

UNCONDITIONAL = "unconditional (null class)"


def sweep(
    model: Denoiser, info: ModelInfo, scales: list[float], per_class: int, sampling: Sampling, seed: int
) -> list[Generated]:
    """`per_class` images of every class at each guidance scale, all from the same seed."""
    return [generate(model, info, per_class, sampling.replace(guidance_scale=scale), seed) for scale in scales]


def unconditional(model: Denoiser, info: ModelInfo, n: int, sampling: Sampling, seed: int) -> Generated:
    """n images of the null class (no guidance: with no class, the guided and plain outputs agree)."""
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


def class_distribution(
    judged: np.ndarray, requested: np.ndarray, requested_values: list[int], num_classes: int
) -> np.ndarray:
    """(R, C): for each requested value (e.g. each class, or the null class), the fraction of its
    images that the judge assigns to each of the C classes. judged, requested: (N,) int."""
    rows = [np.bincount(judged[requested == r], minlength=num_classes) for r in requested_values]
    return np.stack([row / max(1, row.sum()) for row in rows])


def distribution_table(
    class_names: list[str], scales: list[float], scores: list[Scores], null_scores: Scores
) -> pd.DataFrame:
    """Long table: set, scale, requested, judged, fraction; every requested class at every scale,
    then the unconditional samples."""
    classes = len(class_names)
    rows = []
    for scale, score in zip(scales, scores):
        matrix = class_distribution(score.probs.argmax(axis=1), score.labels, list(range(classes)), classes)
        rows += [
            {
                "set": f"scale {scale:g}",
                "scale": scale,
                "requested": class_names[r],
                "judged": class_names[j],
                "fraction": matrix[r, j],
            }
            for r in range(classes)
            for j in range(classes)
        ]
    shares = null_scores.probs.argmax(axis=1)
    shares = np.bincount(shares, minlength=classes) / len(shares)
    rows += [
        {
            "set": UNCONDITIONAL,
            "scale": float("nan"),
            "requested": UNCONDITIONAL,
            "judged": class_names[j],
            "fraction": shares[j],
        }
        for j in range(classes)
    ]
    return pd.DataFrame(rows)


def scale_table(
    setup: EvaluationSetup,
    scales: list[float],
    sets: list[Generated],
    scores: list[Scores],
    baseline: float,
    resamples: int,
    seed: int,
) -> pd.DataFrame:
    """One row per scale: seconds, judged quality with intervals, FID floor, and the accuracy and FID
    differences from the `baseline` scale (paired: the same noise)."""
    differences = paired_differences(
        scores[scales.index(baseline)], dict(enumerate(scores)), setup.reference.gaussian, resamples, seed
    )
    rows = []
    for i, (scale, generated, score) in enumerate(zip(scales, sets, scores)):
        summary = {k: v for k, v in setup.summary(score, resamples, seed).items() if k != "per_class_accuracy"}
        rows.append({"scale": scale, "seconds": generated.seconds, **summary, **flat_estimates(differences[i])})
    return pd.DataFrame(rows)


def null_shares(class_names: list[str], null_scores: Scores, resamples: int, seed: int) -> dict[str, dict[str, float]]:
    """The share of the unconditional samples that the judge puts in each class, with intervals."""
    judged = null_scores.probs.argmax(axis=1)
    return {name: mean_estimate(judged == c, resamples, seed).as_dict("share") for c, name in enumerate(class_names)}
