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


def ema_decay_at(step: int, decay: float, warmup: float = 10.0) -> float:
    """min(decay, (1 + step) / (warmup + step)): early steps average over few updates, so the random
    initial weights leave the average quickly. Until `decay` caps it, the average spans about the last
    step / (warmup - 1) steps: a fixed fraction of the run so far (warmup 10: about 11%)."""
    return min(decay, (1 + step) / (warmup + step))
