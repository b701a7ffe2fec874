"""Stage clip_eval: score every sample with the configured CLIP scorer, and validate that scorer
on real test images so every CLIP number can be read against how well the scorer does."""
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from fashion_diffusion import figures, stage
from fashion_diffusion.clip_scorer import load_scorer, score_samples, validation_metrics
from fashion_diffusion.config import load_params, resolve_device
from fashion_diffusion.data import load_prepared, to_model_range

FIGURES = Path("reports/figures/clip_eval")
SHOWN = 8  # highest- and lowest-scoring images in the figure


def main() -> None:
    p = load_params()
    device = resolve_device(p.clip.device)
    scorer = load_scorer(p.clip.model, p.clip.pretrained, device)
    samples = np.load("data/samples/samples.npz")
    images, labels, names = samples["images"], samples["labels"], [str(c) for c in samples["class_names"]]
    scores = score_samples(scorer, to_model_range(images).to(device), torch.as_tensor(labels), names,
                           p.clip.prompts, p.clip.class_prompt)
    scores.insert(0, "class", [names[c] for c in labels])
    scores.insert(0, "label", labels)
    scores.to_csv("data/clip_scores.csv", index_label="sample")

    data = load_prepared()
    limit = p.clip.validation_images or len(data.test_labels)
    validation = validation_metrics(scorer, data.test_images[:limit], data.test_labels[:limit], names,
                                    p.clip.class_prompt, p.clip.prompts, p.clip.train.blur_sigma,
                                    p.clip.train.noise_std, p.clip.train.seed)
    columns = list(p.clip.prompts) + ["class_prob"]
    per_class = scores.groupby("class", sort=False)[columns].agg(["mean", "std"])
    hardest = scores.groupby("class")["class_prob"].mean().idxmin()
    stage.write_json("reports/metrics/clip.json", {
        "scorer": p.clip.model if p.clip.model != "trained" else "trained in-domain (open_clip CLIP, stage train_clip)",
        "pretrained": p.clip.pretrained, "validation_images": limit,
        **{f"scorer_{k}": v for k, v in validation.items()},
        **{f"mean_{c}": float(scores[c].mean()) for c in columns},
        "hardest_class": hardest,
        "per_class": {c: {k: float(per_class.loc[c, (k, "mean")]) for k in columns} for c in per_class.index},
    })
    write_figures(scores, images, names, columns)


def write_figures(scores: pd.DataFrame, images: np.ndarray, names: list[str], columns: list[str]) -> None:
    means = scores.groupby("label")[columns].mean().reindex(range(len(names)))
    spread = scores.groupby("label")[columns].std().reindex(range(len(names)))
    figures.bar_plot(FIGURES / "scores_per_class.png", names, {c: means[c].values for c in columns},
                     "probability", "CLIP scores per class (mean, std across samples)",
                     errors={c: spread[c].values for c in columns})
    order = scores["clear"].sort_values(ascending=False).index.to_numpy()
    shown = min(SHOWN, len(order) // 2)
    for name, picks in (("highest", order[:shown]), ("lowest", order[::-1][:shown])):
        figures.image_grid(images[picks][None], FIGURES / f"{name}_clear.png",
                           col_labels=[f"{scores.loc[i, 'class']}\n{scores.loc[i, 'clear']:.2f}" for i in picks],
                           title=f"Samples with the {name} CLIP P(clear)")


if __name__ == "__main__":
    stage.run(main)
