"""Learning-rate schedules: warm-up + cosine or warm-up + constant as a factor of the peak rate, or
torch's OneCycleLR."""

from __future__ import annotations

import math

import torch


def warmup_cosine(step: int, warmup: int, total: int) -> float:
    """Linear warm-up over `warmup` steps, then cosine decay to zero at `total`:

    f(s) = (s + 1) / warmup                                  for s < warmup
    f(s) = (1 + cos(pi * min(1, (s - warmup) / (total - warmup)))) / 2   after
    """
    if step < warmup:
        return (step + 1) / warmup
    progress = (step - warmup) / max(1, total - warmup)
    return 0.5 * (1 + math.cos(math.pi * min(1.0, progress)))


def warmup_constant(step: int, warmup: int) -> float:
    """Linear warm-up over `warmup` steps, then the peak rate: f(s) = min(1, (s + 1) / warmup).
    The factor at step s does not depend on the run's length, so the first s steps of a long run are
    a complete run of s steps (the learning curves judge a variant on the way)."""
    return min(1.0, (step + 1) / warmup) if warmup > 0 else 1.0


def lr_scheduler(optimizer: torch.optim.Optimizer, cfg, total: int) -> torch.optim.lr_scheduler.LRScheduler:
    """The schedule `cfg.lr_schedule` names, peaking at cfg.lr:
    warmup_cosine or warmup_constant (above), or torch's OneCycleLR (warm-up over cfg.warmup_steps, cosine annealing to
    lr / 1e4; Smith & Topin 2018)."""
    if cfg.lr_schedule == "onecycle":
        return torch.optim.lr_scheduler.OneCycleLR(
            optimizer,
            max_lr=cfg.lr,
            total_steps=max(total, 2),
            pct_start=min(0.5, max(cfg.warmup_steps, 1) / max(total, 2)),
            cycle_momentum=False,
        )
    if cfg.lr_schedule == "warmup_constant":
        return torch.optim.lr_scheduler.LambdaLR(optimizer, lambda s: warmup_constant(s, cfg.warmup_steps))
    return torch.optim.lr_scheduler.LambdaLR(optimizer, lambda s: warmup_cosine(s, cfg.warmup_steps, total))
