"""What the denoiser is trained to predict, and how the noise levels are weighted in the loss.

    target  eps (Ho et al. 2020)  or  v_t = sqrt(alpha_bar_t) eps - sqrt(1 - alpha_bar_t) x_0 (Salimans & Ho 2022)
    loss    mean_i w(t_i) |out_i - target_i|^2 / D        (D = pixels per image)
    w(t)    1 ("none"), or min-SNR-gamma (Hang et al. 2023, arXiv 2303.09556), SNR = alpha_bar / (1 - alpha_bar):
                eps: min(SNR, gamma) / SNR        v: min(SNR, gamma) / (SNR + 1)
min-SNR keeps the many low-noise steps, where the target is easy, from dominating the gradient.
"""

from __future__ import annotations

import torch

from ..model.schedule import NoiseSchedule, extract, v_target

WEIGHTINGS = ("none", "min_snr")


def target(
    schedule: NoiseSchedule, x0: torch.Tensor, t: torch.Tensor, noise: torch.Tensor, prediction: str
) -> torch.Tensor:
    return noise if prediction == "epsilon" else v_target(schedule, x0, t, noise)


def weights(schedule: NoiseSchedule, t: torch.Tensor, prediction: str, weighting: str, gamma: float) -> torch.Tensor:
    """(B,) loss weight of each example's timestep."""
    if weighting == "none":
        return torch.ones(t.shape, device=t.device)
    alpha_bar = extract(schedule.alpha_bars, t, t.shape).double()
    snr = alpha_bar / (1 - alpha_bar)
    clipped = snr.clamp(max=gamma)
    return (clipped / snr if prediction == "epsilon" else clipped / (snr + 1)).float()


def per_example_mse(output: torch.Tensor, goal: torch.Tensor) -> torch.Tensor:
    """(B,) mean squared error of each example over its pixels."""
    return (output.float() - goal).pow(2).flatten(1).mean(dim=1)
