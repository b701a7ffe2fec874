"""Held-out noise-prediction error by timestep: where in the diffusion process the model errs."""
from __future__ import annotations

import numpy as np
import pandas as pd
import torch

from ..model.schedule import NoiseSchedule, q_sample, to_eps
from ..model.unet import Denoiser


def loss_by_timestep(model: Denoiser, schedule: NoiseSchedule, prediction: str, images: torch.Tensor, class_labels: torch.Tensor,
                     buckets: int, seed: int, batch_size: int = 256) -> pd.DataFrame:
    """MSE of the noise prediction on held-out images, for t bucketed into `buckets` equal ranges.

    Each image is evaluated at one t per bucket (drawn uniformly within it). Returns a table with
    t_low, t_high, mse (mean over images).
    """
    device = next(model.parameters()).device
    schedule = schedule.to(device)
    generator = torch.Generator().manual_seed(seed)
    edges = np.linspace(0, schedule.timesteps, buckets + 1).astype(int)
    rows = []
    model.eval()
    with torch.no_grad():
        for low, high in zip(edges[:-1], edges[1:]):
            errors = []
            for start in range(0, images.shape[0], batch_size):
                x0 = images[start:start + batch_size].to(device)
                y = class_labels[start:start + batch_size].to(device)
                t = torch.randint(int(low), int(high), (x0.shape[0],), generator=generator).to(device)
                noise = torch.randn(x0.shape, generator=generator).to(device)
                x_t = q_sample(schedule, x0, t, noise)
                eps = to_eps(schedule, x_t, t, model(x_t, t, y), prediction)
                errors.append(((eps - noise) ** 2).mean(dim=(1, 2, 3)).cpu())
            rows.append({"t_low": int(low), "t_high": int(high), "mse": torch.cat(errors).mean().item()})
    return pd.DataFrame(rows)
