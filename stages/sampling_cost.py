"""Stage sampling_cost: what generation costs beyond time (stage sampler_study times every sampler
run): the peak memory of each sampler on probes.cost_images images, in a fresh process each, and the
forward FLOPs per image of the trained architecture at larger resolutions (probes.resolutions)
(`SamplingCost`)."""

import pandas as pd

from fashion_diffusion import stage
from fashion_diffusion.config import load_params
from fashion_diffusion.evaluation.cost import flops_at_sizes
from fashion_diffusion.model.checkpoint import DIFFUSION_MODEL, load_denoiser
from fashion_diffusion.model.samplers import Sampling
from fashion_diffusion.results.base import write_result
from fashion_diffusion.results.probes import ResolutionCost, SamplerMemory, SamplingCost
from fashion_diffusion.studies.sampling_cost import sampling_memory

OUTPUTS = ["data/sampling_cost.csv", "reports/metrics/sampling_cost.json"]


def main() -> None:
    p = load_params()
    pr, default = p.probes, Sampling.of(p.sample)
    names = list(dict.fromkeys([p.sample.sampler, *(run.sampler for run in p.evaluate.samplers)]))
    memory = []
    for name in names:
        # ddpm is the DDIM loop with all T steps and eta 1: its memory is that loop's, cut to cost_max_steps
        measured = default.replace(
            sampler="ddim" if name == "ddpm" else name,
            steps=pr.cost_max_steps,
            eta=1.0 if name == "ddpm" else default.eta,
        )
        cost = sampling_memory(DIFFUSION_MODEL, p.sample.use_ema, measured, pr.cost_images, pr.seed)
        memory.append(
            SamplerMemory(
                sampler=name,
                measured_as=measured.sampler,
                steps_run=measured.steps,
                peak_rss_mib=cost["peak_rss_mib"],
                above_warm_up_mib=cost["above_warm_up_mib"],
                mib_per_image=cost["above_warm_up_mib"] / max(1, pr.cost_images - 1),
                seconds=cost["seconds"],
            )
        )
    _, info = load_denoiser(DIFFUSION_MODEL, "cpu")
    channels, side = info.image_shape[0], info.image_shape[-1]
    flops = flops_at_sizes(info.config, channels, sorted({side, *pr.resolutions}))
    result = SamplingCost(
        image_side=side,
        channels=channels,
        images=pr.cost_images,
        resolutions=[
            ResolutionCost(side=size, gflops_per_image=gflops, times_native=gflops / flops[side])
            for size, gflops in flops.items()
        ],
        memory=memory,
    )
    with stage.Outputs("sampling_cost", OUTPUTS) as out:
        rows = [{**m.model_dump(), "images": pr.cost_images} for m in memory]
        pd.DataFrame(rows).to_csv(out("data/sampling_cost.csv"), index=False)
        write_result(out("reports/metrics/sampling_cost.json"), result)


if __name__ == "__main__":
    stage.run(main)
