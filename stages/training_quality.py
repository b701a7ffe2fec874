"""Stage training_quality: what training bought over time (each EMA snapshot sampled with one seed and
judged, with 95% intervals, and compared with the snapshot before) and where the trained model still
errs (held-out noise-prediction error by timestep)."""

from pathlib import Path

import numpy as np
import torch

from fashion_diffusion import stage
from fashion_diffusion.config import load_params
from fashion_diffusion.core.artifacts import write_json
from fashion_diffusion.data.prepared import to_model_range
from fashion_diffusion.evaluation.loss_by_timestep import loss_by_timestep
from fashion_diffusion.evaluation.setup import load_setup
from fashion_diffusion.model.samplers import Sampling
from fashion_diffusion.plotting import plots
from fashion_diffusion.studies.training_quality import list_snapshots, quality_over_training

OUTPUTS = ["data/training_quality", "reports/metrics/training_quality.json", "reports/figures/training_quality"]


def main() -> None:
    p = load_params()
    e, setup = p.evaluate, load_setup(p)
    info = setup.info
    snapshots = list_snapshots(Path("models/snapshots"))
    quality, strip = quality_over_training(
        snapshots, setup, e.snapshot_per_class, Sampling.of(p.sample), p.statistics.bootstrap_resamples, e.seed
    )
    held_out = slice(0, e.loss_by_t_images)
    by_t = loss_by_timestep(
        setup.model,
        info.schedule(),
        info.prediction,
        to_model_range(setup.data.test_images[held_out]).to(setup.device),
        torch.as_tensor(setup.data.test_labels[held_out]),
        e.loss_by_t_buckets,
        e.seed,
    )
    with stage.Outputs("training_quality", OUTPUTS) as out:
        quality.to_csv(out("data/training_quality") / "quality_over_training.csv", index=False)
        by_t.to_csv(out("data/training_quality") / "loss_by_timestep.csv", index=False)
        np.save(out("data/training_quality") / "quality_strip.npy", strip)
        plots.quality_over_training(out("reports/figures/training_quality"), quality, strip, info.class_names)
        plots.loss_by_timestep(out("reports/figures/training_quality") / "loss_by_timestep.png", by_t)
        write_json(
            out("reports/metrics/training_quality.json"),
            {
                "per_class": e.snapshot_per_class,
                "snapshots": {f"step_{row['step']}": row for row in quality.to_dict("records")},
                "loss_by_t_max": float(by_t["mse"].max()),
                "loss_by_t_min": float(by_t["mse"].min()),
            },
        )


if __name__ == "__main__":
    stage.run(main)
