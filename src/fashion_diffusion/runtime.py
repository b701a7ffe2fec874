"""The torch runtime of a stage: which device it computes on and how many CPU threads it uses."""
from __future__ import annotations

import torch

from .errors import InputError


def resolve_device(name: str, key: str) -> torch.device:
    """`auto` picks CUDA when present, else the CPU; `cuda` without a GPU is a one-line error
    naming the params key the device came from."""
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name == "cuda" and not torch.cuda.is_available():
        raise InputError(f"{key}: cuda was requested but no CUDA device is available (use auto or cpu)")
    return torch.device(name)


def set_threads(threads: int) -> None:
    """Use `threads` CPU threads for torch's operators; 0 keeps torch's default (all cores)."""
    if threads > 0:
        torch.set_num_threads(threads)
