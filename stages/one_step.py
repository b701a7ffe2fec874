"""Stage one_step: denoising straight from pure noise in one step (x0 predicted at t = T-1) against
the gradual reverse process: the headline samples, regenerated in one step from the same noise
(sample.seed, the same labels and styles), both judged, and compared pair by pair."""

import numpy as np
import torch

from fashion_diffusion import stage
from fashion_diffusion.config import load_params
from fashion_diffusion.core.artifacts import load_arrays, write_json
from fashion_diffusion.evaluation.setup import load_setup
from fashion_diffusion.model.samplers import Sampling
from fashion_diffusion.plotting import plots
from fashion_diffusion.results.base import write_result
from fashion_diffusion.studies.one_step import one_step, one_step_study
from fashion_diffusion.style.bins import load_style_bins, parse_style_requests

OUTPUTS = [
    "data/one_step.npz",
    "reports/metrics/one_step.json",
    "reports/headline/one_step.json",
    "reports/figures/one_step",
]


def main() -> None:
    p = load_params()
    setup, s = load_setup(p), p.sample
    samples = load_arrays("data/samples/samples.npz", ["images", "labels"], made_by="sample")
    gradual_images, labels = samples["images"], samples["labels"]
    style = torch.as_tensor(parse_style_requests(s.styles, load_style_bins()), device=setup.device)
    labels_t = torch.as_tensor(labels, device=setup.device)
    single = one_step(setup.model, setup.info, labels_t, style.expand(len(labels), -1), Sampling.of(s), s.seed)
    study = one_step_study(setup, single, gradual_images)
    with stage.Outputs("one_step", OUTPUTS) as out:
        np.savez_compressed(out("data/one_step.npz"), images=single.images, labels=labels)
        write_result(out("reports/metrics/one_step.json"), study)
        write_json(
            out("reports/headline/one_step.json"),
            {
                "one_step_fid": study.one_step.fid.value,
                "gradual_fid": study.gradual.fid.value,
                "gradual_minus_one_step_kid": study.gradual_minus_one_step.kid.value,
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
