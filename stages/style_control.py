"""Stage style_control: generate every class at every level of every style attribute, recompute the
attribute from the generated pixels, and measure how often the image lands in the requested level."""
import torch

from fashion_diffusion import stage
from fashion_diffusion.artifacts import write_json
from fashion_diffusion.config import load_params
from fashion_diffusion.data.prepared import to_uint8
from fashion_diffusion.model.checkpoint import load_denoiser
from fashion_diffusion.model.samplers import Sampling, sample
from fashion_diffusion.report import plots
from fashion_diffusion.runtime import resolve_device
from fashion_diffusion.style.attributes import compute_attributes
from fashion_diffusion.style.bins import load_style_bins
from fashion_diffusion.style.control import control_requests, control_table

OUTPUTS = ["data/style_control.csv", "reports/metrics/style.json", "reports/figures/style_control"]


def main() -> None:
    p = load_params()
    device = resolve_device(p.train.device, "train.device")
    model, info = load_denoiser("models/diffusion.pt", device, use_ema=p.sample.use_ema)
    bins = load_style_bins()
    labels, styles = control_requests(bins, len(info.class_names), p.evaluate.style_per_level)
    images, _ = sample(model, info.schedule(), torch.as_tensor(labels, device=device),
                       generator=torch.Generator().manual_seed(p.evaluate.seed),
                       style_labels=torch.as_tensor(styles, device=device), image_shape=info.image_shape,
                       prediction=info.prediction, **Sampling.of(p.sample).kwargs())
    images = to_uint8(images)
    per_level, summary = control_table(styles, compute_attributes(images, bins.attributes, bins.area_threshold),
                                       labels, bins, p.statistics.bootstrap_resamples)
    with stage.Outputs("style_control", OUTPUTS) as out:
        per_level.to_csv(out("data/style_control.csv"), index=False)
        write_json(out("reports/metrics/style.json"), {
            row["attribute"]: {k: row[k] for k in ("mean_hit_rate", "hit_rate_low", "hit_rate_high", "chance_uniform",
                                                    "spearman_within_class")}
            for row in summary.to_dict("records")})
        plots.class_by_style(out("reports/figures/style_control") / "class_by_style.png", images, labels, styles,
                             bins.attributes, bins.level_names, info.class_names)


if __name__ == "__main__":
    stage.run(main)
