"""Quality over training: the EMA snapshots written during training, sampled with one seed and judged.

Every snapshot samples the same labels from the same seed, so image i of each starts from the same
noise: each snapshot is compared with the one before it image for image (a paired bootstrap,
`evaluation/comparison.py`), which says whether quality still changed between them.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import torch

from ..core.artifacts import ArtifactError, load_checkpoint, rebuilding, require_keys
from ..evaluation.comparison import paired_differences
from ..evaluation.generation import generate
from ..evaluation.setup import EvaluationSetup
from ..model.samplers import Sampling
from ..model.unet import build_denoiser
from ..stats.bootstrap import flat_estimates

# each snapshot minus the one before (NaN for the first): positive accuracy or negative FID = better
CHANGES = {"accuracy_difference": "accuracy_change", "fid_difference": "fid_change"}


def quality_over_training(
    snapshots: list[Path],
    setup: EvaluationSetup,
    per_class: int,
    sampling: Sampling,
    resamples: int,
    seed: int,
) -> tuple[pd.DataFrame, np.ndarray]:
    """One row per EMA snapshot, sampled with a fixed seed: its step, the judged quality with 95% intervals
    and the FID floor at its n (`EvaluationSetup.summary`), and its accuracy and FID change from the
    snapshot before (paired intervals); also (snapshots, classes, H, W) of the first sample of each class,
    for a strip of grids."""
    info = setup.info
    model = build_denoiser(info.config).to(setup.device).eval()
    steps, scores, firsts = [], [], []
    for path in snapshots:
        step, weights = load_snapshot(path, setup.device)
        with rebuilding(path):
            model.load_state_dict(weights)
        out = generate(model, info, per_class, sampling, seed)
        steps.append(step)
        scores.append(setup.reference.judge_images(out.images, out.labels))
        firsts.append(out.images[::per_class])
    rows = []
    for i, (step, score) in enumerate(zip(steps, scores)):
        summary = {k: v for k, v in setup.summary(score, resamples, seed).items() if k != "per_class_accuracy"}
        if i:
            change = paired_differences(scores[i - 1], {step: score}, setup.reference.gaussian, resamples, seed)[step]
            changes = flat_estimates({CHANGES[name]: estimate for name, estimate in change.items()})
        else:
            changes = {f"{name}{end}": np.nan for name in CHANGES.values() for end in ("", "_low", "_high")}
        rows.append({"step": step, **summary, **changes})
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
