"""Quality over training: the EMA snapshots written during training, sampled with one seed and judged.

Every snapshot samples the same labels from the same seed, so image i of each starts from the same
noise: each snapshot is compared with the one before it image for image (a paired bootstrap,
`evaluation/comparison.py`; one family over all the steps), which says whether quality still changed
between them. Beside it, where the trained model errs: the held-out noise-prediction MSE by timestep
(`evaluation/loss_by_timestep.py`), with its hardest and easiest buckets.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import torch

from ..core.artifacts import ArtifactError, load_checkpoint, rebuilding, require_keys
from ..evaluation.comparison import set_differences, set_family
from ..evaluation.generation import generate
from ..evaluation.reference import Scores
from ..evaluation.setup import EvaluationSetup
from ..model.samplers import Sampling
from ..model.unet import build_denoiser
from ..results.base import BETTER_WHEN_LOWER, Estimate
from ..results.sets import LossBucket, Snapshot, SnapshotStudy
from ..stats.bootstrap import mean_estimate

FAMILY = "snapshots against the one before"


def sample_snapshots(
    snapshots: list[Path], setup: EvaluationSetup, per_class: int, sampling: Sampling, seed: int
) -> tuple[list[int], list[Scores], np.ndarray]:
    """Each EMA snapshot's training step and the judge's scores of `per_class` images of every class
    sampled from `seed`; and (snapshots, classes, H, W): the first sample of each class from each, for a
    strip of grids."""
    info = setup.info
    model = build_denoiser(info.config).to(setup.device).eval()
    steps, scores, firsts = [], [], []
    for path in snapshots:
        step, weights = load_snapshot(path, setup.device)
        with rebuilding(path):
            model.load_state_dict(weights)
        out = generate(model, info, per_class, sampling, seed)
        steps.append(step)
        scores.append(setup.judge(out.images, out.labels))
        firsts.append(out.images[::per_class])
    return steps, scores, np.stack(firsts)


def snapshot_study(
    setup: EvaluationSetup,
    steps: list[int],
    scores: list[Scores],
    per_class: int,
    buckets: list[LossBucket],
    images: int,
) -> SnapshotStudy:
    """Every snapshot judged and compared with the one before (one family); `buckets`: the held-out MSE
    by timestep on `images` test images (`loss_buckets`)."""
    differences, off_scale = {}, set()
    for i in range(1, len(scores)):
        pair, unreadable = set_differences(setup, scores[i - 1], {i: scores[i]})
        differences |= pair
        off_scale |= unreadable
    versus = set_family(FAMILY, differences, off_scale)
    snapshots = [
        Snapshot(step=step, judged=setup.judged(score), versus_previous=versus.get(i))
        for i, (step, score) in enumerate(zip(steps, scores))
    ]
    hardest, easiest = max(buckets, key=lambda b: b.mse.value), min(buckets, key=lambda b: b.mse.value)
    last = snapshots[-1].versus_previous
    return SnapshotStudy(
        family=FAMILY,
        per_class=per_class,
        snapshots=snapshots,
        still_improving=last is not None and last.kid.verdict == BETTER_WHEN_LOWER[1],
        held_out_images=images,
        loss_by_timestep=buckets,
        hardest=hardest,
        easiest=easiest,
        hardest_over_easiest=hardest.mse.value / easiest.mse.value,
    )


def loss_buckets(edges: np.ndarray, errors: np.ndarray, resamples: int, seed: int) -> list[LossBucket]:
    """One bucket per t range [edges[b], edges[b + 1]): the mean of the held-out errors (buckets, N) of
    `evaluation.loss_by_timestep.errors_by_bucket`, with its 95% interval over the images."""
    buckets = []
    for low, high, bucket in zip(edges[:-1], edges[1:], errors):
        e = mean_estimate(bucket, resamples, seed)
        buckets.append(
            LossBucket(t_low=int(low), t_high=int(high), mse=Estimate(value=e.value, low=e.low, high=e.high))
        )
    return buckets


def loss_table(buckets: list[LossBucket]) -> pd.DataFrame:
    """t_low, t_high, mse, mse_low, mse_high: the CSV for DVC's plots and the figure."""
    return pd.DataFrame(
        [{"t_low": b.t_low, "t_high": b.t_high, "mse": b.mse.value, "mse_low": b.mse.low, "mse_high": b.mse.high}
         for b in buckets]
    )  # fmt: skip


def table(study: SnapshotStudy) -> pd.DataFrame:
    """One row per snapshot (step, the judged set's flat keys): the CSV for DVC's plots and the figure."""
    return pd.DataFrame([{"step": s.step, **s.judged.flat()} for s in study.snapshots])


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
