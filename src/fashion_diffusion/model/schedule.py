"""The cosine noise schedule (Nichol & Dhariwal 2021, eq. 17), the forward process, and what the
model's output means.

    alpha_bar(t) = f(t) / f(0),   f(t) = cos^2( (t/T + s) / (1 + s) * pi/2 )
    beta_t       = min(1 - alpha_bar_t / alpha_bar_{t-1}, 0.999)
    x_t          = sqrt(alpha_bar_t) x_0 + sqrt(1 - alpha_bar_t) eps          (Ho et al. eq. 4)
    v_t          = sqrt(alpha_bar_t) eps - sqrt(1 - alpha_bar_t) x_0          (Salimans & Ho 2022, "v")

Index i in [0, T) is diffusion step i+1, so alpha_bar[T-1] is (almost) pure noise.
Computed in float64, stored as float32.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch


@dataclass
class NoiseSchedule:
    betas: torch.Tensor  # (T,)
    alpha_bars: torch.Tensor  # (T,) cumulative product of (1 - beta)

    @property
    def timesteps(self) -> int:
        return self.betas.shape[0]

    def to(self, device: torch.device) -> NoiseSchedule:
        return NoiseSchedule(self.betas.to(device), self.alpha_bars.to(device))


def cosine_schedule(timesteps: int, s: float = 0.008) -> NoiseSchedule:
    steps = torch.arange(timesteps + 1, dtype=torch.float64)
    f = torch.cos((steps / timesteps + s) / (1 + s) * math.pi / 2) ** 2
    betas = (1 - f[1:] / f[:-1]).clamp(max=0.999)
    alpha_bars = torch.cumprod(1 - betas, dim=0)
    return NoiseSchedule(betas.float(), alpha_bars.float())


def extract(a: torch.Tensor, t: torch.Tensor, shape: torch.Size) -> torch.Tensor:
    """a[t] reshaped to broadcast over a batch of `shape` (B, ...)."""
    return a.gather(0, t).reshape(t.shape[0], *([1] * (len(shape) - 1)))


def q_sample(schedule: NoiseSchedule, x0: torch.Tensor, t: torch.Tensor, noise: torch.Tensor) -> torch.Tensor:
    """Forward process: x_t from x_0 (B, C, H, W), int64 t (B,) and eps (B, C, H, W)."""
    alpha_bar_t = extract(schedule.alpha_bars, t, x0.shape)
    return alpha_bar_t.sqrt() * x0 + (1 - alpha_bar_t).sqrt() * noise


def predict_x0(schedule: NoiseSchedule, x_t: torch.Tensor, t: torch.Tensor, eps: torch.Tensor) -> torch.Tensor:
    """Invert the forward process given the predicted noise (Ho et al. eq. 15)."""
    alpha_bar_t = extract(schedule.alpha_bars, t, x_t.shape)
    return (x_t - (1 - alpha_bar_t).sqrt() * eps) / alpha_bar_t.sqrt()


PREDICTIONS = ("epsilon", "v")


def v_target(schedule: NoiseSchedule, x0: torch.Tensor, t: torch.Tensor, noise: torch.Tensor) -> torch.Tensor:
    """The velocity v_t of x_0 and eps at t (the target of a v-prediction model)."""
    alpha_bar_t = extract(schedule.alpha_bars, t, x0.shape)
    return alpha_bar_t.sqrt() * noise - (1 - alpha_bar_t).sqrt() * x0


def to_eps(
    schedule: NoiseSchedule, x_t: torch.Tensor, t: torch.Tensor, output: torch.Tensor, prediction: str
) -> torch.Tensor:
    """The noise the model's output implies (the output itself for an eps model)."""
    if prediction == "epsilon":
        return output
    alpha_bar_t = extract(schedule.alpha_bars, t, x_t.shape)
    return alpha_bar_t.sqrt() * output + (1 - alpha_bar_t).sqrt() * x_t


def to_x0(
    schedule: NoiseSchedule, x_t: torch.Tensor, t: torch.Tensor, output: torch.Tensor, prediction: str
) -> torch.Tensor:
    """The clean image the model's output implies: eps (Ho et al. eq. 15) or
    v (x_0 = sqrt(alpha_bar_t) x_t - sqrt(1 - alpha_bar_t) v)."""
    if prediction == "epsilon":
        return predict_x0(schedule, x_t, t, output)
    alpha_bar_t = extract(schedule.alpha_bars, t, x_t.shape)
    return alpha_bar_t.sqrt() * x_t - (1 - alpha_bar_t).sqrt() * output
