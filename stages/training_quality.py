"""Stage training_quality: what training bought over time (each EMA snapshot sampled with one seed and
judged, with 95% intervals, and compared with the snapshot before) and where the trained model still
errs (held-out noise-prediction error by timestep)."""

from pathlib import Path

import numpy as np
import torch

from fashion_diffusion import stage
from fashion_diffusion.config import load_params
from fashion_diffusion.data.prepared import to_model_range
from fashion_diffusion.evaluation.loss_by_timestep import errors_by_bucket
from fashion_diffusion.evaluation.setup import load_setup
from fashion_diffusion.model.samplers import Sampling
from fashion_diffusion.plotting import plots
from fashion_diffusion.results.base import write_result
from fashion_diffusion.studies.training_quality import (
    list_snapshots,
    loss_buckets,
    loss_table,
    sample_snapshots,
    snapshot_study,
    table,
)

OUTPUTS = ["data/training_quality", "reports/metrics/training_quality.json", "reports/figures/training_quality"]


def main() -> None:
    p = load_params()
    e, setup = p.evaluate, load_setup(p)
    info = setup.info
    snapshots = list_snapshots(Path("models/snapshots"))
    steps, scores, strip = sample_snapshots(snapshots, setup, e.snapshot_per_class, Sampling.of(p.sample), e.seed)
    held_out = slice(0, e.loss_by_t_images)
    edges, errors = errors_by_bucket(
        setup.model,
        info.schedule(),
        info.prediction,
        to_model_range(setup.data.test_images[held_out]).to(setup.device),
        torch.as_tensor(setup.data.test_labels[held_out]),
        e.loss_by_t_buckets,
        e.seed,
        bf16=e.bf16,
    )
    buckets = loss_buckets(edges, errors, setup.resamples, setup.seed)
    study = snapshot_study(setup, steps, scores, e.snapshot_per_class, buckets, errors.shape[1])
    quality, by_t = table(study), loss_table(buckets)
    with stage.Outputs("training_quality", OUTPUTS) as out:
        quality.to_csv(out("data/training_quality") / "quality_over_training.csv", index=False)
        by_t.to_csv(out("data/training_quality") / "loss_by_timestep.csv", index=False)
        np.save(out("data/training_quality") / "quality_strip.npy", strip)
        plots.quality_over_training(out("reports/figures/training_quality"), quality, strip, info.class_names)
        plots.loss_by_timestep(out("reports/figures/training_quality") / "loss_by_timestep.png", by_t)
        write_result(out("reports/metrics/training_quality.json"), study)


if __name__ == "__main__":
    stage.run(main)
