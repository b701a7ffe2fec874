"""The sampler trade-off: time against quality for each sampler and step count, same labels and seed."""

from __future__ import annotations

import pandas as pd

from ..evaluation.generation import generate
from ..evaluation.reference import Reference
from ..model.checkpoint import ModelInfo
from ..model.samplers import Sampling, sampler_settings
from ..model.unet import Denoiser


def sampler_tradeoff(
    model: Denoiser, info: ModelInfo, reference: Reference, runs: list[Sampling], per_class: int, seed: int
) -> pd.DataFrame:
    """Each sampling run on the same labels and seed: seconds, images/s, FID and accuracy."""
    rows = []
    for run in runs:
        out = generate(model, info, per_class, run, seed)
        score = reference.score(out.images, out.labels)
        steps, eta = sampler_settings(run.sampler, run.steps, run.eta, info.schedule().timesteps)
        rows.append(
            {
                "sampler": run.sampler,
                "steps": steps,
                "eta": eta,
                "guidance_scale": run.guidance_scale,
                "seconds": out.seconds,
                "seconds_per_1000": 1000 * out.seconds / len(out.labels),
                "fid": score["fid"],
                "accuracy": score["accuracy"],
            }
        )
        print(
            f"{run.sampler} {steps:4d} steps, eta {eta:g}: {out.seconds:6.1f} s, FID {score['fid']:.2f}, "
            f"accuracy {score['accuracy']:.3f}"
        )
    return pd.DataFrame(rows)
