"""Stage select_topk: keep each class's top k samples by combined CLIP score, and measure with the
independent judge whether the kept samples beat the rejected ones and a random k."""
from pathlib import Path

import numpy as np
import pandas as pd

from fashion_diffusion import figures, stage
from fashion_diffusion import judge as judge_lib
from fashion_diffusion.config import load_params, resolve_device
from fashion_diffusion.data import to_model_range
from fashion_diffusion.selection import combined_score, random_k, select_topk, selection_effect

FIGURES = Path("reports/figures/select_topk")


def main() -> None:
    p = load_params()
    samples = np.load("data/samples/samples.npz")
    images, labels, names = samples["images"], samples["labels"], [str(c) for c in samples["class_names"]]
    scores = pd.read_csv("data/clip_scores.csv", index_col="sample")
    combined = combined_score(scores, p.select.weights)
    selected = select_topk(labels, combined, p.select.k)
    random_mask = random_k(labels, p.select.k, p.select.seed)
    judge = judge_lib.load_judge("models/judge.pt", resolve_device(p.judge.device))
    probs = judge_lib.predict_proba(judge, to_model_range(images)).numpy()
    correct = probs.argmax(axis=1) == labels
    confidence = probs[np.arange(len(labels)), labels]
    effect = selection_effect(labels, selected, random_mask, correct, confidence, combined)

    table = pd.DataFrame({"label": labels, "class": [names[c] for c in labels], "combined": combined,
                          "selected": selected, "random": random_mask, "judge_correct": correct,
                          "judge_confidence": confidence}, index=scores.index)
    table.to_csv("data/selection.csv")
    stage.write_json("reports/metrics/selection.json", {"k": p.select.k, "weights": p.select.weights, **effect})

    per_class = len(labels) // len(names)
    order = np.concatenate([np.flatnonzero(labels == c)[np.argsort(-combined[labels == c], kind="stable")]
                            for c in range(len(names))])
    figures.image_grid(images[order].reshape(len(names), per_class, *images.shape[1:]), FIGURES / "selection.png",
                       row_labels=names, highlight=selected[order].reshape(len(names), per_class),
                       title=f"Samples ranked by combined CLIP score; green = kept (top {p.select.k})")


if __name__ == "__main__":
    stage.run(main)
