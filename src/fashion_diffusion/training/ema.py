"""Exponential moving average of the weights, with the decay warmed up for short runs."""

from __future__ import annotations

import torch


def ema_update(ema_model: torch.nn.Module, model: torch.nn.Module, decay: float) -> None:
    """ema = decay * ema + (1 - decay) * current, for every parameter and buffer."""
    with torch.no_grad():
        for ema_p, p in zip(ema_model.state_dict().values(), model.state_dict().values()):
            if ema_p.dtype.is_floating_point:
                ema_p.lerp_(p, 1 - decay)
            else:
                ema_p.copy_(p)


def ema_decay_at(step: int, decay: float) -> float:
    """min(decay, (1 + step) / (10 + step)): early steps average over few updates, so the random
    initial weights leave the average quickly."""
    return min(decay, (1 + step) / (10 + step))
