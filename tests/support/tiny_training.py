"""Runs of tests/train_tiny.py in child processes, alone or as two processes under torchrun, for
the resume and data-parallel tests."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import torch

CHILD = Path(__file__).resolve().parents[1] / "train_tiny.py"
STEPS, KILL_AT, LAST_CHECKPOINT = 40, 22, 20  # checkpoints every 4 steps; the kill lands before step 24's
# One machine, a free port picked by torchrun: tests running side by side do not collide.
TORCHRUN = [sys.executable, "-m", "torch.distributed.run", "--standalone"]


def run_tiny(
    checkpoint: Path, output: Path, kill_at: int | None = None, processes: int = 1
) -> subprocess.CompletedProcess:
    """Train the tiny run for STEPS steps (killed at step `kill_at` if given) in `processes` processes."""
    return finish(start_tiny(checkpoint, output, kill_at, processes))


def start_tiny(checkpoint: Path, output: Path, kill_at: int | None = None, processes: int = 1) -> subprocess.Popen:
    """`run_tiny` started, not waited for (`finish` waits): independent runs can train side by side, on
    one thread each."""
    launcher = [sys.executable] if processes == 1 else [*TORCHRUN, f"--nproc-per-node={processes}"]
    args = [*launcher, str(CHILD), str(checkpoint), str(output), str(STEPS)] + ([str(kill_at)] if kill_at else [])
    return subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def finish(process: subprocess.Popen, timeout: float = 300) -> subprocess.CompletedProcess:
    """Wait for a `start_tiny` run (killed after `timeout` seconds) and return what it printed."""
    try:
        stdout, stderr = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.communicate()
        raise
    return subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)


def weights(output: Path) -> dict:
    """What a finished run saved: model and EMA state dicts, the step it resumed from, its losses."""
    return torch.load(output, weights_only=True)


def max_difference(a: dict[str, torch.Tensor], b: dict[str, torch.Tensor]) -> float:
    """The largest absolute difference between two state dicts with the same keys."""
    assert a.keys() == b.keys()
    return max((a[name].float() - b[name].float()).abs().max().item() for name in a)
