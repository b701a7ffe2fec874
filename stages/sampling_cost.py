"""Stage sampling_cost: what generation costs beyond time (stage sampler_study times every sampler
run): the peak memory of each sampler on probes.cost_images images, in a fresh process each, and the
forward FLOPs per image of the trained architecture at larger resolutions (probes.resolutions)."""

import pandas as pd

from fashion_diffusion import stage
from fashion_diffusion.config import load_params
from fashion_diffusion.core.artifacts import write_json
from fashion_diffusion.evaluation.cost import flops_at_sizes
from fashion_diffusion.model.checkpoint import DIFFUSION_MODEL, load_denoiser
from fashion_diffusion.model.samplers import Sampling
from fashion_diffusion.studies.sampling_cost import sampling_memory

OUTPUTS = ["data/sampling_cost.csv", "reports/metrics/sampling_cost.json"]


def main() -> None:
    p = load_params()
    pr, default = p.probes, Sampling.of(p.sample)
    names = list(dict.fromkeys([p.sample.sampler, *(run.sampler for run in p.evaluate.samplers)]))
    rows = []
    for name in names:
        # ddpm is the DDIM loop with all T steps and eta 1: its memory is that loop's, cut to cost_max_steps
        measured = default.replace(
            sampler="ddim" if name == "ddpm" else name,
            steps=pr.cost_max_steps,
            eta=1.0 if name == "ddpm" else default.eta,
        )
        cost = sampling_memory(DIFFUSION_MODEL, p.sample.use_ema, measured, pr.cost_images, pr.seed)
        rows.append(
            {
                "sampler": name,
                "measured_as": measured.sampler,
                "steps_run": measured.steps,
                "images": pr.cost_images,
                "guidance_scale": measured.guidance_scale,
                **cost,
                "mib_per_image": cost["above_warm_up_mib"] / max(1, pr.cost_images - 1),
            }
        )
    _, info = load_denoiser(DIFFUSION_MODEL, "cpu")
    flops = flops_at_sizes(info.config, info.image_shape[0], pr.resolutions)
    with stage.Outputs("sampling_cost", OUTPUTS) as out:
        pd.DataFrame(rows).to_csv(out("data/sampling_cost.csv"), index=False)
        write_json(
            out("reports/metrics/sampling_cost.json"),
            {
                "image_shape": list(info.image_shape),
                "images": pr.cost_images,
                "gflops_per_image_at_side": {str(size): value for size, value in flops.items()},
            },
        )


if __name__ == "__main__":
    stage.run(main)
