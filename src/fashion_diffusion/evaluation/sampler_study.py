"""The sampler trade-off: time against quality for each sampler and step count, same labels and seed."""
from __future__ import annotations

import pandas as pd

from ..model.samplers import sampler_settings
from ..model.schedule import NoiseSchedule
from ..model.unet import Denoiser
from .generation import generate
from .reference import Reference


def sampler_tradeoff(model: Denoiser, schedule: NoiseSchedule, reference: Reference, ddim_steps: list[int],
                     per_class: int, eta: float, guidance_scale: float, seed: int,
                     image_shape: tuple[int, int, int]) -> pd.DataFrame:
    """DDIM at each step count and DDPM at all T steps, on the same labels and seed."""
    runs = [("ddim", *sampler_settings("ddim", s, eta, schedule.timesteps)) for s in ddim_steps]
    runs.append(("ddpm", *sampler_settings("ddpm", 0, eta, schedule.timesteps)))
    rows = []
    for name, steps, run_eta in runs:
        out = generate(model, schedule, per_class, reference.num_classes, steps, run_eta, guidance_scale, seed, image_shape)
        score = reference.score(out.images, out.labels)
        rows.append({"sampler": name, "steps": steps, "eta": run_eta, "seconds": out.seconds,
                     "images_per_second": len(out.labels) / out.seconds,
                     "fid": score["fid"], "accuracy": score["accuracy"]})
        print(f"{name} {steps:4d} steps: {out.seconds:6.1f} s, FID {score['fid']:.2f}, accuracy {score['accuracy']:.3f}")
    return pd.DataFrame(rows)
