"""Reverse-process samplers: DDIM (Song et al. 2021) and DDPM (Ho et al. 2020), one formula.

Symbols (per step from t to the previous kept step t'):
    alpha_bar_t, alpha_bar_prev    cumulative signal level at t and t' (alpha_bar_prev = 1 at the end)
    eps_pred                       the guided noise prediction
    x0_pred                        (x_t - sqrt(1 - alpha_bar_t) eps_pred) / sqrt(alpha_bar_t), clipped to [-1, 1]
    sigma                          eta * sqrt((1 - alpha_bar_prev) / (1 - alpha_bar_t)) * sqrt(1 - alpha_bar_t / alpha_bar_prev)

Recipe (DDIM eq. 12):
    1. eps_pred  = eps_cond + guidance_scale * (eps_cond - eps_uncond)      (classifier-free guidance)
    2. x0_pred   from eps_pred, clipped; eps_pred recomputed from the clipped x0_pred
    3. x_prev    = sqrt(alpha_bar_prev) x0_pred + sqrt(1 - alpha_bar_prev - sigma^2) eps_pred + sigma z

With every one of the T steps and eta = 1, sigma^2 is the DDPM posterior variance beta_tilde_t and
step 3 is the DDPM posterior mean (Ho et al. eqs. 6-7), so `ddpm` is this sampler with those settings.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from tqdm.auto import tqdm

from ..data.prepared import to_uint8
from .guidance import guided_eps
from .schedule import NoiseSchedule, extract, predict_x0
from .unet import Denoiser


@dataclass
class Trajectory:
    fractions: np.ndarray  # (S,) fraction of the denoising process completed at each record
    x_t: torch.Tensor  # (S, N, C, H, W)
    x0_pred: torch.Tensor  # (S, N, C, H, W)

    def frames(self, name: str) -> np.ndarray:
        """"x_t" or "x0_pred" as uint8 images (S, N, H, W)."""
        return np.stack([to_uint8(frame) for frame in getattr(self, name)])


def ddim_timesteps(total: int, steps: int) -> torch.Tensor:
    """`steps` int64 timesteps evenly spaced over [0, total), descending, ending at 0."""
    if not 1 <= steps <= total:
        raise ValueError(f"sampler steps must be in [1, {total}], got {steps}")
    return torch.linspace(total - 1, 0, steps).round().long()


@torch.no_grad()
def sample(model: Denoiser, schedule: NoiseSchedule, class_labels: torch.Tensor, *, steps: int, eta: float,
           guidance_scale: float, generator: torch.Generator, style_labels: torch.Tensor | None = None,
           image_shape: tuple[int, int, int] = (1, 28, 28), record_every: int = 0,
           progress: bool = True) -> tuple[torch.Tensor, Trajectory | None]:
    """Generate one image per entry of class_labels (N,).

    Noise comes from `generator` (a CPU generator, so results match across devices).
    Returns x0 (N, C, H, W) in [-1, 1] and, when record_every > 0, the trajectory recorded every
    `record_every` steps and at the last step.
    """
    device = class_labels.device
    schedule = schedule.to(device)
    n = class_labels.shape[0]
    x = torch.randn((n, *image_shape), generator=generator).to(device)
    timesteps = ddim_timesteps(schedule.timesteps, steps).to(device)
    records: list[tuple[float, torch.Tensor, torch.Tensor]] = []
    for i in tqdm(range(steps), desc=f"sampling ({steps} steps)", disable=not progress, leave=False):
        t = timesteps[i].expand(n)
        alpha_bar_t = extract(schedule.alpha_bars, t, x.shape)
        alpha_bar_prev = (extract(schedule.alpha_bars, timesteps[i + 1].expand(n), x.shape)
                          if i + 1 < steps else torch.ones_like(alpha_bar_t))
        eps_pred = guided_eps(model, x, t, class_labels, style_labels, guidance_scale)
        x0_pred = predict_x0(schedule, x, t, eps_pred).clamp(-1, 1)
        eps_pred = (x - alpha_bar_t.sqrt() * x0_pred) / (1 - alpha_bar_t).sqrt()
        sigma = eta * ((1 - alpha_bar_prev) / (1 - alpha_bar_t) * (1 - alpha_bar_t / alpha_bar_prev)).sqrt()
        noise = torch.randn(x.shape, generator=generator).to(device)
        x = alpha_bar_prev.sqrt() * x0_pred + (1 - alpha_bar_prev - sigma**2).clamp(min=0).sqrt() * eps_pred + sigma * noise
        if record_every and ((i + 1) % record_every == 0 or i + 1 == steps):
            records.append(((i + 1) / steps, x.cpu(), x0_pred.cpu()))
    trajectory = None
    if records:
        fractions, xs, x0s = zip(*records)
        trajectory = Trajectory(np.array(fractions), torch.stack(xs), torch.stack(x0s))
    return x.clamp(-1, 1), trajectory


def sampler_settings(sampler: str, ddim_steps: int, eta: float, timesteps: int) -> tuple[int, float]:
    """(steps, eta) for a named sampler: ddpm uses all T steps with eta 1."""
    if sampler == "ddpm":
        return timesteps, 1.0
    if sampler == "ddim":
        return ddim_steps, eta
    raise ValueError(f"sample.sampler must be ddim or ddpm, got {sampler!r}")
