"""Stage one_step: denoising straight from pure noise in one step (x0 predicted at t = T-1) against
the gradual reverse process: the headline samples, regenerated in one step from the same noise
(sample.seed, the same labels and styles), both judged, with paired differences."""

import numpy as np
import torch

from fashion_diffusion import stage
from fashion_diffusion.config import load_params
from fashion_diffusion.core.artifacts import load_arrays, write_json
from fashion_diffusion.evaluation.comparison import paired_differences
from fashion_diffusion.evaluation.setup import load_setup
from fashion_diffusion.model.samplers import Sampling
from fashion_diffusion.plotting import plots
from fashion_diffusion.stats.bootstrap import flat_estimates
from fashion_diffusion.studies.one_step import one_step
from fashion_diffusion.style.bins import load_style_bins, parse_style_requests

OUTPUTS = ["data/one_step.npz", "reports/metrics/one_step.json", "reports/figures/one_step"]


def main() -> None:
    p = load_params()
    setup, s, resamples = load_setup(p), p.sample, p.statistics.bootstrap_resamples
    samples = load_arrays("data/samples/samples.npz", ["images", "labels"], made_by="sample")
    gradual_images, labels = samples["images"], samples["labels"]
    style = torch.as_tensor(parse_style_requests(s.styles, load_style_bins()), device=setup.device)
    labels_t = torch.as_tensor(labels, device=setup.device)
    single = one_step(setup.model, setup.info, labels_t, style.expand(len(labels), -1), Sampling.of(s), s.seed)
    one, gradual = (setup.reference.judge_images(images, labels) for images in (single.images, gradual_images))
    difference = paired_differences(one, {"gradual": gradual}, setup.reference.gaussian, resamples, s.seed)["gradual"]
    with stage.Outputs("one_step", OUTPUTS) as out:
        np.savez_compressed(out("data/one_step.npz"), images=single.images, labels=labels)
        write_json(
            out("reports/metrics/one_step.json"),
            {
                "one_step": setup.summary(one, resamples, s.seed),
                "gradual": setup.summary(gradual, resamples, s.seed),
                "gradual_minus_one_step": flat_estimates(difference),
                "one_step_seconds": single.seconds,
            },
        )
        plots.one_step(
            out("reports/figures/one_step") / "one_step_vs_gradual.png",
            single.images,
            gradual_images,
            labels,
            setup.data.class_names,
        )


if __name__ == "__main__":
    stage.run(main)
