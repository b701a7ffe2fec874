"""Quality over training: the EMA snapshots written during training, sampled with one seed."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import torch

from ..core.artifacts import ArtifactError, load_checkpoint, rebuilding, require_keys
from ..evaluation.generation import generate
from ..evaluation.reference import Reference
from ..model.checkpoint import ModelInfo
from ..model.samplers import Sampling
from ..model.unet import build_denoiser


def quality_over_training(
    snapshots: list[Path],
    info: ModelInfo,
    reference: Reference,
    per_class: int,
    sampling: Sampling,
    seed: int,
    device: torch.device,
) -> tuple[pd.DataFrame, np.ndarray]:
    """FID and accuracy of each EMA snapshot with a fixed seed; also (snapshots, classes, H, W) of the
    first sample of each class, for a strip of grids."""
    model = build_denoiser(info.config).to(device).eval()
    rows, firsts = [], []
    for path in snapshots:
        step, weights = load_snapshot(path, device)
        with rebuilding(path):
            model.load_state_dict(weights)
        out = generate(model, info, per_class, sampling, seed)
        score = reference.score(out.images, out.labels)
        rows.append({"step": step, "fid": score["fid"], "accuracy": score["accuracy"]})
        firsts.append(out.images[::per_class])
    return pd.DataFrame(rows), np.stack(firsts)


def load_snapshot(path: Path, device: torch.device) -> tuple[int, dict]:
    """(training step, EMA weights) of a snapshot that training wrote; one-line errors for bad files."""
    state = load_checkpoint(path, map_location=device, made_by="train")
    require_keys(state, ["step", "ema"], path)
    return int(state["step"]), state["ema"]


def list_snapshots(folder: Path) -> list[Path]:
    """The snapshot files in folder, in step order; none at all is a one-line error."""
    snapshots = sorted(folder.glob("step_*.pt"))
    if not snapshots:
        raise ArtifactError(f"{folder}: no snapshots (run `dvc repro train`)")
    return snapshots
