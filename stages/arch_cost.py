"""Stage arch_cost: parameters, FLOPs, training-step time, peak memory and geometry of every architecture
in params.yaml, each measured in a fresh process on the CPU (`ArchCostStudy`)."""

import pandas as pd

from fashion_diffusion import stage
from fashion_diffusion.config import load_params
from fashion_diffusion.config.constants import IMAGE_SIDE
from fashion_diffusion.evaluation.cost import arch_cost
from fashion_diffusion.model.unet import denoiser_config
from fashion_diffusion.results.base import write_result
from fashion_diffusion.results.probes import ArchCost, ArchCostStudy
from fashion_diffusion.style.bins import load_style_bins

OUTPUTS = ["data/arch_cost.csv", "reports/metrics/arch_cost.json"]


def main() -> None:
    p = load_params()
    e, bins = p.evaluate, load_style_bins()
    styles = [bins.levels] * len(bins.attributes)
    costs = []
    for name in p.model.archs:
        config = denoiser_config(p.model, bins.num_classes, styles, name)
        measured = arch_cost(config, (1, IMAGE_SIDE, IMAGE_SIDE), e.arch_bench_batch, e.arch_bench_steps, p.train.bf16)
        costs.append(ArchCost(arch=name, kind=config.kind, **measured))
    study = ArchCostStudy(
        trained=p.model.arch,
        image_side=IMAGE_SIDE,
        batch=e.arch_bench_batch,
        steps=e.arch_bench_steps,
        bf16=p.train.bf16,
        archs=costs,
    )
    with stage.Outputs("arch_cost", OUTPUTS) as out:
        pd.DataFrame([c.model_dump() for c in costs]).to_csv(out("data/arch_cost.csv"), index=False)
        write_result(out("reports/metrics/arch_cost.json"), study)


if __name__ == "__main__":
    stage.run(main)
