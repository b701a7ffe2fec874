"""Stage arch_cost: parameters, FLOPs, training-step time and peak memory of every architecture
in params.yaml, each measured in a fresh process on the CPU."""

import pandas as pd

from fashion_diffusion import stage
from fashion_diffusion.config import load_params
from fashion_diffusion.evaluation.cost import arch_cost
from fashion_diffusion.model.unet import denoiser_config
from fashion_diffusion.style.bins import load_style_bins

OUTPUTS = ["data/arch_cost.csv"]


def main() -> None:
    p = load_params()
    bins = load_style_bins()
    styles = [bins.levels] * len(bins.attributes)
    costs = [
        {
            "arch": name,
            **arch_cost(
                denoiser_config(p.model, bins.num_classes, styles, name),
                (1, 28, 28),
                p.evaluate.arch_bench_batch,
                p.evaluate.arch_bench_steps,
                p.train.bf16,
            ),
        }
        for name in p.model.archs
    ]
    with stage.Outputs("arch_cost", OUTPUTS) as out:
        pd.DataFrame(costs).to_csv(out("data/arch_cost.csv"), index=False)


if __name__ == "__main__":
    stage.run(main)
