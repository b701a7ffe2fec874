"""Data-parallel training across processes: which process this is, joining the process group,
wrapping the model in DistributedDataParallel, and the few collectives the training loop needs.

torchrun (`torchrun --nproc-per-node N stages/train.py`) starts N copies of a script and sets
RANK, WORLD_SIZE, LOCAL_RANK and LOCAL_WORLD_SIZE in each; without them the script is a single
process (world 1) and nothing here communicates. One process per GPU on CUDA (cuda:LOCAL_RANK,
backend nccl); on the CPU the processes share the cores (backend gloo).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from typing import NoReturn

import torch
import torch.distributed as dist
from torch.nn.parallel import DistributedDataParallel

from ..core.errors import InputError


class DistributedError(InputError, RuntimeError):
    """A data-parallel run that cannot work as asked: more processes than GPUs, say."""


@dataclass(frozen=True)
class Process:
    """This process's place in a run: rank among all processes, and among those on this machine."""

    rank: int = 0
    world: int = 1
    local_rank: int = 0
    local_world: int = 1

    @property
    def is_main(self) -> bool:
        """Rank 0: the one process that writes checkpoints, snapshots, metrics and stage outputs."""
        return self.rank == 0

    @property
    def distributed(self) -> bool:
        return self.world > 1


SINGLE = Process()


def launched_by_torchrun() -> bool:
    return "WORLD_SIZE" in os.environ


def this_process() -> Process:
    """The Process torchrun's environment describes; SINGLE outside torchrun."""
    if not launched_by_torchrun():
        return SINGLE
    env = os.environ
    return Process(int(env["RANK"]), int(env["WORLD_SIZE"]), int(env["LOCAL_RANK"]), int(env["LOCAL_WORLD_SIZE"]))


def relaunch_under_torchrun(script: str, processes: int) -> NoReturn:
    """Replace this process by `torchrun --standalone --nproc-per-node processes script` (one machine,
    a free port picked by torchrun); used by a stage whose params ask for several processes."""
    command = [sys.executable, "-m", "torch.distributed.run", "--standalone", f"--nproc-per-node={processes}", script]
    sys.stdout.flush()
    os.execv(sys.executable, command)


def require_gpus(processes_here: int, device: torch.device) -> None:
    """On CUDA each process of a machine needs a GPU of its own."""
    if device.type == "cuda" and processes_here > torch.cuda.device_count():
        raise DistributedError(
            f"train.processes: {processes_here} processes on this machine but "
            f"{torch.cuda.device_count()} GPU(s); run one process per GPU"
        )


def join(process: Process, device: torch.device) -> torch.device:
    """Join the process group (nccl on CUDA, gloo on the CPU); returns the device this process
    computes on: cuda:LOCAL_RANK on CUDA, else `device`. A single process joins nothing."""
    if not process.distributed:
        return device
    require_gpus(process.local_world, device)
    if device.type == "cuda":
        device = torch.device("cuda", process.local_rank)
        torch.cuda.set_device(device)
    dist.init_process_group("nccl" if device.type == "cuda" else "gloo", rank=process.rank, world_size=process.world)
    return device


def leave(process: Process) -> None:
    if process.distributed and dist.is_initialized():
        dist.destroy_process_group()


def data_parallel(model: torch.nn.Module, process: Process, device: torch.device) -> torch.nn.Module:
    """`model` wrapped in DistributedDataParallel, which averages gradients over the processes
    during backward (and starts every rank from rank 0's weights); `model` itself when alone."""
    if not process.distributed:
        return model
    return DistributedDataParallel(model, device_ids=[device.index] if device.type == "cuda" else None)


def sum_over_processes(values: Sequence[float], process: Process, device: torch.device) -> list[float]:
    """Each value summed over all processes (float64); the values themselves when alone."""
    if not process.distributed:
        return [float(v) for v in values]
    total = torch.tensor(list(values), dtype=torch.float64, device=device)
    dist.all_reduce(total, op=dist.ReduceOp.SUM)
    return total.tolist()


def require_agreement(value: int, what: str, process: Process, device: torch.device) -> None:
    """Stop every process if they hold different `value`s (a checkpoint that only some of them can
    read, say: the checkpoint folder must be one all processes see)."""
    if not process.distributed:
        return
    values = [torch.zeros(1, dtype=torch.int64, device=device) for _ in range(process.world)]
    dist.all_gather(values, torch.tensor([value], dtype=torch.int64, device=device))
    seen = [int(v.item()) for v in values]
    if len(set(seen)) > 1:
        raise DistributedError(f"processes disagree on {what}: {seen} (by rank)")
