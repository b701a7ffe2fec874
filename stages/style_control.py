"""Stage style_control: generate every class at every level of every style attribute, recompute the
attribute from the generated pixels, and measure how often the image lands in the requested level."""
from pathlib import Path

import numpy as np
import torch

from fashion_diffusion import figures, stage
from fashion_diffusion.config import load_params, resolve_device
from fashion_diffusion.data import to_uint8
from fashion_diffusion.samplers import sample
from fashion_diffusion.schedule import cosine_schedule
from fashion_diffusion.style import StyleBins, compute_attributes, control_table
from fashion_diffusion.training import load_model

FIGURES = Path("reports/figures/style_control")


def requests(bins: StyleBins, classes: int, per_level: int) -> tuple[np.ndarray, np.ndarray]:
    """Class labels (N,) and style labels (N, A): one attribute set to a level, the others null,
    for every class x attribute x level, `per_level` times."""
    labels, styles = [], []
    for c in range(classes):
        for a in range(len(bins.attributes)):
            for level in range(bins.levels):
                row = np.full(len(bins.attributes), bins.null_level)
                row[a] = level
                labels += [c] * per_level
                styles += [row] * per_level
    return np.array(labels), np.stack(styles)


def main() -> None:
    p = load_params()
    device = resolve_device(p.train.device)
    model, meta = load_model("models/diffusion.pt", device, use_ema=p.sample.use_ema)
    bins = StyleBins.from_json(Path("data/prepared/style_bins.json").read_text())
    names = meta["class_names"]
    labels, styles = requests(bins, len(names), p.evaluate.style_per_level)
    images, _ = sample(model, cosine_schedule(meta["timesteps"], meta["cosine_s"]), torch.as_tensor(labels, device=device),
                       steps=p.evaluate.style_ddim_steps, eta=p.sample.eta, guidance_scale=p.sample.guidance_scale,
                       generator=torch.Generator().manual_seed(p.evaluate.seed),
                       style_labels=torch.as_tensor(styles, device=device), image_shape=tuple(meta["image_shape"]))
    images = to_uint8(images)
    values = compute_attributes(images, bins.attributes, bins.area_threshold)
    per_level, summary = control_table(styles, values, labels, bins)
    per_level.to_csv("data/style_control.csv", index=False)
    stage.write_json("reports/metrics/style.json", {
        row["attribute"]: {k: row[k] for k in ("mean_hit_rate", "chance_uniform", "spearman_within_class")}
        for row in summary.to_dict("records")})

    columns = [(a, level) for a in range(len(bins.attributes)) for level in range(bins.levels)]
    firsts = [[np.flatnonzero((labels == c) & (styles[:, a] == level))[0] for a, level in columns] for c in range(len(names))]
    figures.image_grid(images[np.array(firsts)], FIGURES / "class_by_style.png", row_labels=names,
                       col_labels=[f"{bins.attributes[a]}=\n{bins.level_names[bins.attributes[a]][level]}" for a, level in columns],
                       title="Each class at each requested style level")


if __name__ == "__main__":
    stage.run(main)
