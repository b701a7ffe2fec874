"""The torch runtime of a stage: which device it computes on and how many CPU threads it uses."""

from __future__ import annotations

import os
from pathlib import Path

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


def available_cores() -> int:
    """The CPU cores this process may run on (its affinity mask, where the OS has one)."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def running_experiments(workspace: Path | None = None) -> int:
    """How many experiments DVC's queue (`dvc queue start -j N`) runs at once beside this one: each
    runs in its own workspace `<repo>/.dvc/tmp/exps/tmp*`, removed when it ends. 1 outside the queue."""
    here = (workspace or Path.cwd()).resolve()
    exps = here.parent
    if not (
        here.name.startswith("tmp")
        and exps.name == "exps"
        and exps.parent.name == "tmp"
        and exps.parent.parent.name == ".dvc"
    ):
        return 1
    return max(1, sum(1 for folder in exps.iterdir() if folder.is_dir() and folder.name.startswith("tmp")))


def set_threads(threads: int, processes_here: int = 1) -> int:
    """Use `threads` CPU threads for torch's operators and return the number in use. 0 shares the
    cores among the processes of this machine's work: the `processes_here` processes of one run
    (torchrun's LOCAL_WORLD_SIZE) times the experiments DVC's queue runs at once, cores // that
    each, at least 1, so they do not oversubscribe the cores; a process alone keeps torch's default
    (all cores)."""
    sharing = processes_here * running_experiments()
    if threads == 0 and sharing > 1:
        threads = max(1, available_cores() // sharing)
    if threads > 0:
        torch.set_num_threads(threads)
    return torch.get_num_threads()
