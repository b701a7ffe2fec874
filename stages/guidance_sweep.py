"""Stage guidance_sweep: the default sampler at every classifier-free guidance scale of
guidance.scales (and the default scale), from the same noise, plus unconditional (null-class) samples;
the judge's quality and class distribution for each, every scale compared with the default scale."""

import numpy as np

from fashion_diffusion import stage
from fashion_diffusion.config import load_params
from fashion_diffusion.core.artifacts import write_json
from fashion_diffusion.evaluation.setup import load_setup
from fashion_diffusion.model.samplers import Sampling
from fashion_diffusion.plotting import plots
from fashion_diffusion.results.base import write_result
from fashion_diffusion.studies.guidance_sweep import (
    distribution_table,
    guidance_study,
    headline,
    run_sweep,
    scale_table,
    swept_scales,
)

OUTPUTS = [
    "data/guidance_sweep",
    "reports/metrics/guidance_sweep.json",
    "reports/headline/guidance.json",
    "reports/figures/guidance_sweep",
]


def main() -> None:
    p = load_params()
    g, setup = p.guidance, load_setup(p)
    names = setup.data.class_names
    scales = swept_scales(g.scales, p.sample.guidance_scale)
    sweep = run_sweep(setup, scales, g.per_class, g.null_samples, Sampling.of(p.sample), g.seed)
    study = guidance_study(setup, sweep, p.sample.guidance_scale, names)
    table, distribution = scale_table(study), distribution_table(study)
    images = np.stack([s.images for s in sweep.sets])
    with stage.Outputs("guidance_sweep", OUTPUTS) as out:
        folder = out("data/guidance_sweep")
        np.savez_compressed(
            folder / "samples.npz",
            scales=np.array(scales),
            images=images,
            labels=sweep.sets[0].labels,
            null_images=sweep.null_set.images,
            class_names=np.array(names),
        )
        table.to_csv(folder / "scales.csv", index=False)
        distribution.to_csv(folder / "class_distribution.csv", index=False)
        write_result(out("reports/metrics/guidance_sweep.json"), study)
        write_json(out("reports/headline/guidance.json"), headline(study))
        plots.guidance_sweep(
            out("reports/figures/guidance_sweep"),
            table,
            distribution,
            images,
            sweep.sets[0].labels,
            sweep.null_set.images,
            sweep.null_scores.probs.argmax(axis=1),
            names,
        )


if __name__ == "__main__":
    stage.run(main)
