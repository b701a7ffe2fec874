"""Held-out noise-prediction error: per image (with the timestep the model is told, true or not),
and by timestep bucket (where in the diffusion process the model errs)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import torch

from ..model.schedule import NoiseSchedule, q_sample, to_eps
from ..model.unet import Denoiser


@torch.no_grad()
def noise_prediction_errors(
    model: Denoiser,
    schedule: NoiseSchedule,
    prediction: str,
    images: torch.Tensor,
    class_labels: torch.Tensor,
    t: torch.Tensor,
    noise: torch.Tensor,
    told_t: torch.Tensor | None = None,
    batch_size: int = 256,
    bf16: bool = False,
) -> torch.Tensor:
    """Per-image MSE between the noise and the model's noise prediction on x_t = q_sample(x_0, t, noise).

    images (N, C, H, W) in [-1, 1], class_labels (N,), t (N,) int64, noise (N, C, H, W). The model is
    told `told_t` (N,) instead of the true t when given, and its output is read as noise at the
    timestep it was told. `bf16`: the model runs under bfloat16 autocast, as in training (the error
    itself is computed in float32). Returns float32 (N,) on the CPU.
    """
    device = next(model.parameters()).device
    schedule = schedule.to(device)
    told_t = t if told_t is None else told_t
    model.eval()
    errors = []
    for start in range(0, images.shape[0], batch_size):
        part = slice(start, start + batch_size)
        x0, true_t, eps = images[part].to(device), t[part].to(device), noise[part].to(device)
        told = told_t[part].to(device)
        x_t = q_sample(schedule, x0, true_t, eps)
        with torch.autocast(device.type, dtype=torch.bfloat16, enabled=bf16):
            output = model(x_t, told, class_labels[part].to(device))
        eps_pred = to_eps(schedule, x_t, told, output.float(), prediction)
        errors.append(((eps_pred - eps) ** 2).mean(dim=(1, 2, 3)).cpu())
    return torch.cat(errors)


def errors_by_bucket(
    model: Denoiser,
    schedule: NoiseSchedule,
    prediction: str,
    images: torch.Tensor,
    class_labels: torch.Tensor,
    buckets: int,
    seed: int,
    batch_size: int = 256,
    bf16: bool = False,
) -> tuple[np.ndarray, np.ndarray]:
    """Noise-prediction errors of held-out images with t in `buckets` equal ranges of [0, T): each image
    at one t per bucket, drawn uniformly within it (with its noise, from one seeded generator: the same
    draws for every model); `bf16` as in `noise_prediction_errors`. Returns the bucket edges (buckets + 1,) and the errors (buckets, N)."""
    generator = torch.Generator().manual_seed(seed)
    edges = np.linspace(0, schedule.timesteps, buckets + 1).astype(int)
    errors = []
    for low, high in zip(edges[:-1], edges[1:]):
        t = torch.randint(int(low), int(high), (images.shape[0],), generator=generator)
        noise = torch.randn(images.shape, generator=generator)
        errors.append(
            noise_prediction_errors(
                model, schedule, prediction, images, class_labels, t, noise, batch_size=batch_size, bf16=bf16
            )
        )
    return edges, torch.stack(errors).numpy()


def loss_by_timestep(
    model: Denoiser,
    schedule: NoiseSchedule,
    prediction: str,
    images: torch.Tensor,
    class_labels: torch.Tensor,
    buckets: int,
    seed: int,
    batch_size: int = 256,
    bf16: bool = False,
) -> pd.DataFrame:
    """MSE of the noise prediction on held-out images, for t bucketed into `buckets` equal ranges
    (`errors_by_bucket`). Returns a table with t_low, t_high, mse (mean over images)."""
    edges, errors = errors_by_bucket(model, schedule, prediction, images, class_labels, buckets, seed, batch_size, bf16)
    return pd.DataFrame({"t_low": edges[:-1], "t_high": edges[1:], "mse": errors.mean(axis=1)})
