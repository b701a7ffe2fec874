"""Apply a function over a large set in batches, without gradients."""

from __future__ import annotations

from collections.abc import Callable

import torch


@torch.no_grad()
def batched(fn: Callable[..., torch.Tensor], *tensors: torch.Tensor, batch_size: int) -> torch.Tensor:
    """fn(*(t[i:i + batch_size] for t in tensors)) for each batch, concatenated as float32 on the CPU."""
    n = len(tensors[0])
    return torch.cat([fn(*(t[i : i + batch_size] for t in tensors)).float().cpu() for i in range(0, n, batch_size)])
