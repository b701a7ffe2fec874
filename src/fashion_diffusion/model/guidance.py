"""Classifier-free guidance (Ho & Salimans 2022): one prediction from a conditional and an
unconditional pass of the same model.

    out = out_cond + guidance_scale * (out_cond - out_uncond)

for the model's output (noise eps or velocity v: the combination is linear, so the same formula
serves both), so guidance_scale 0 is the conditional model alone. The unconditional pass uses the null class
and null styles that training dropped labels to (`train.p_uncond`, `train.p_style_drop`).
"""

from __future__ import annotations

import torch

from .unet import Denoiser


def guided_output(
    model: Denoiser,
    x: torch.Tensor,
    t: torch.Tensor,
    class_labels: torch.Tensor,
    style_labels: torch.Tensor | None,
    guidance_scale: float,
) -> torch.Tensor:
    """Classifier-free guidance; guidance_scale 0 returns the conditional prediction alone."""
    if guidance_scale == 0:
        return model(x, t, class_labels, style_labels)
    batch = x.shape[0]
    null_class = torch.full_like(class_labels, model.null_class)
    null_style = model.null_styles(batch, x.device) if style_labels is not None else None
    both_styles = torch.cat([style_labels, null_style]) if style_labels is not None else None
    out = model(torch.cat([x, x]), torch.cat([t, t]), torch.cat([class_labels, null_class]), both_styles)
    out_cond, out_uncond = out[:batch], out[batch:]
    return out_cond + guidance_scale * (out_cond - out_uncond)
