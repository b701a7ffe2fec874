"""Resumable training: the checkpoint written every few steps and the fingerprint that decides
whether it belongs to the run being started.

The fingerprint covers everything that determines the weights: the whole denoiser config, the
diffusion settings, every training key except those that only change logging or speed, and the
identity of the training data. A checkpoint with another fingerprint is set aside, not resumed.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import torch

from ..core.artifacts import ArtifactError, load_checkpoint, require_keys, save_atomic

# Training keys that change how a run is logged or scheduled on the machines, never its weights
# (beyond float rounding): a run checkpointed with 2 processes may resume with 1, and back.
NOT_IN_FINGERPRINT = ("device", "processes", "threads", "log_every", "checkpoint_every", "snapshots")
STATE_KEYS = ["fingerprint", "step", "model", "ema", "optimizer", "scheduler", "losses", "seconds"]


def fingerprint(denoiser: dict, diffusion: dict, train: dict, data_identity: str) -> str:
    settings = {k: v for k, v in train.items() if k not in NOT_IN_FINGERPRINT}
    blob = json.dumps([denoiser, diffusion, settings, data_identity], sort_keys=True)
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


def save_state(
    path: Path,
    run_id: str,
    step: int,
    model: torch.nn.Module,
    ema_model: torch.nn.Module,
    optimizer: torch.optim.Optimizer,
    scheduler,
    losses: dict[str, list],
    seconds: float,
) -> None:
    save_atomic(
        {
            "fingerprint": run_id,
            "step": step,
            "model": model.state_dict(),
            "ema": ema_model.state_dict(),
            "optimizer": optimizer.state_dict(),
            "scheduler": scheduler.state_dict(),
            "losses": losses,
            "seconds": seconds,
        },
        path,
    )


def load_state(path: Path, run_id: str, device: torch.device) -> dict | None:
    """The saved state if `path` holds a checkpoint of this run; None if absent or another run's.
    A file that cannot be read is an error, not silently replaced: the user decides to delete it."""
    if not path.exists():
        return None
    try:
        state = load_checkpoint(path, map_location=device)
        require_keys(state, STATE_KEYS, path)
    except ArtifactError as error:
        raise ArtifactError(f"{error}; delete it to train from scratch") from None
    if state["fingerprint"] != run_id:
        print(f"{path} belongs to other settings; training from scratch")
        return None
    return state
