"""Stage wrong_timestep: the held-out noise-prediction error of the trained model when it is told
the true timestep, shifted ones (probes.timestep_shifts) or a random one, on the same test images, and
each one's increase over the true timestep, paired over images (`WrongTimestep`)."""

import torch

from fashion_diffusion import stage
from fashion_diffusion.config import load_params
from fashion_diffusion.core.runtime import resolve_device
from fashion_diffusion.data.prepared import load_prepared, to_model_range
from fashion_diffusion.model.checkpoint import DIFFUSION_MODEL, load_denoiser
from fashion_diffusion.plotting import plots
from fashion_diffusion.results.base import write_result
from fashion_diffusion.studies.wrong_timestep import by_true_timestep, wrong_timestep_errors, wrong_timestep_result

OUTPUTS = ["data/wrong_timestep", "reports/metrics/wrong_timestep.json", "reports/figures/wrong_timestep"]


def main() -> None:
    p = load_params()
    pr, n, data = p.probes, p.probes.wrong_timestep_images, load_prepared()
    model, info = load_denoiser(
        DIFFUSION_MODEL, resolve_device(p.evaluate.device, "evaluate.device"), use_ema=p.sample.use_ema
    )
    errors = wrong_timestep_errors(
        model,
        info.schedule(),
        info.prediction,
        to_model_range(data.test_images[:n]),
        torch.as_tensor(data.test_labels[:n]),
        pr.timestep_shifts,
        pr.seed,
        bf16=p.evaluate.bf16,
    )
    result = wrong_timestep_result(errors, pr.timestep_shifts, p.statistics.bootstrap_resamples, p.statistics.seed)
    by_t = by_true_timestep(errors, p.evaluate.loss_by_t_buckets, info.schedule().timesteps)
    with stage.Outputs("wrong_timestep", OUTPUTS) as out:
        by_t.to_csv(out("data/wrong_timestep") / "by_true_timestep.csv", index=False)
        write_result(out("reports/metrics/wrong_timestep.json"), result)
        plots.wrong_timestep(out("reports/figures/wrong_timestep") / "error_by_told_timestep.png", by_t)


if __name__ == "__main__":
    stage.run(main)
