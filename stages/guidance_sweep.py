"""Stage guidance_sweep: the default sampler at every classifier-free guidance scale of
guidance.scales, from the same noise, plus unconditional (null-class) samples; the judge's quality
and class distribution for each, every scale compared with the default scale."""

import numpy as np

from fashion_diffusion import stage
from fashion_diffusion.config import load_params
from fashion_diffusion.core.artifacts import write_json
from fashion_diffusion.evaluation.setup import load_setup
from fashion_diffusion.model.samplers import Sampling
from fashion_diffusion.plotting import plots
from fashion_diffusion.studies.guidance_sweep import distribution_table, null_shares, scale_table, sweep, unconditional

OUTPUTS = ["data/guidance_sweep", "reports/metrics/guidance_sweep.json", "reports/figures/guidance_sweep"]


def main() -> None:
    p = load_params()
    g, setup = p.guidance, load_setup(p)
    names, resamples, sampling = setup.data.class_names, p.statistics.bootstrap_resamples, Sampling.of(p.sample)
    baseline = p.sample.guidance_scale if p.sample.guidance_scale in g.scales else g.scales[0]
    sets = sweep(setup.model, setup.info, g.scales, g.per_class, sampling, g.seed)
    null_set = unconditional(setup.model, setup.info, g.null_samples, sampling, g.seed)
    scores = [setup.reference.judge_images(s.images, s.labels) for s in sets]
    null_scores = setup.reference.judge_images(null_set.images, null_set.labels)
    table = scale_table(setup, g.scales, sets, scores, baseline, resamples, g.seed)
    distribution = distribution_table(names, g.scales, scores, null_scores)
    with stage.Outputs("guidance_sweep", OUTPUTS) as out:
        folder = out("data/guidance_sweep")
        np.savez_compressed(
            folder / "samples.npz",
            scales=np.array(g.scales),
            images=np.stack([s.images for s in sets]),
            labels=sets[0].labels,
            null_images=null_set.images,
            class_names=np.array(names),
        )
        table.to_csv(folder / "scales.csv", index=False)
        distribution.to_csv(folder / "class_distribution.csv", index=False)
        write_json(
            out("reports/metrics/guidance_sweep.json"),
            {
                "baseline_scale": baseline,
                "per_class": g.per_class,
                "null_samples": g.null_samples,
                "best_fid_scale": float(table.loc[table["fid"].idxmin(), "scale"]),
                "best_accuracy_scale": float(table.loc[table["accuracy"].idxmax(), "scale"]),
                "scales": table.to_dict("records"),
                "null_shares": null_shares(names, null_scores, resamples, g.seed),
            },
        )
        plots.guidance_sweep(
            out("reports/figures/guidance_sweep"),
            table,
            distribution,
            np.stack([s.images for s in sets]),
            sets[0].labels,
            null_set.images,
            null_scores.probs.argmax(axis=1),
            names,
        )


if __name__ == "__main__":
    stage.run(main)
