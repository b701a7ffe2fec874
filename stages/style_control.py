"""Stage style_control: generate every class at every level of every style attribute, recompute the
attribute from the generated pixels, and measure how often the image lands in the requested level.
Every (attribute, level) is sampled from the same seed, so its image i starts from the same noise:
along a row of the figure only the requested style changes."""

import numpy as np

from fashion_diffusion import stage
from fashion_diffusion.config import load_params
from fashion_diffusion.core.artifacts import write_json
from fashion_diffusion.core.runtime import resolve_device
from fashion_diffusion.model.checkpoint import load_denoiser
from fashion_diffusion.model.samplers import Sampling
from fashion_diffusion.plotting import plots
from fashion_diffusion.results.base import write_result
from fashion_diffusion.studies.style_control import (
    control_columns,
    headline,
    level_table,
    sample_columns,
    style_control,
)
from fashion_diffusion.style.attributes import compute_attributes
from fashion_diffusion.style.bins import load_style_bins

OUTPUTS = [
    "data/style_control.csv",
    "reports/metrics/style.json",
    "reports/headline/style.json",
    "reports/figures/style_control",
]


def main() -> None:
    p = load_params()
    device = resolve_device(p.evaluate.device, "evaluate.device")
    model, info = load_denoiser("models/diffusion.pt", device, use_ema=p.sample.use_ema)
    bins = load_style_bins()
    columns = control_columns(bins, len(info.class_names), p.evaluate.style_per_level)
    images = sample_columns(model, info, columns, Sampling.of(p.sample), p.evaluate.seed)
    labels, styles = np.concatenate([c[0] for c in columns]), np.concatenate([c[1] for c in columns])
    control = style_control(
        styles,
        compute_attributes(images, bins.attributes, bins.area_threshold),
        labels,
        bins,
        p.evaluate.style_per_level,
        p.statistics.bootstrap_resamples,
        p.statistics.seed,
    )
    per_level = level_table(control)
    with stage.Outputs("style_control", OUTPUTS) as out:
        per_level.to_csv(out("data/style_control.csv"), index=False)
        write_result(out("reports/metrics/style.json"), control)
        write_json(out("reports/headline/style.json"), headline(control))
        plots.class_by_style(
            out("reports/figures/style_control") / "class_by_style.png",
            images,
            labels,
            styles,
            bins.attributes,
            per_level,
            info.class_names,
        )


if __name__ == "__main__":
    stage.run(main)
