"""Stage select_topk: in every group of select.group_size samples of a class keep the top k by
combined CLIP score, and measure with the independent judge whether the kept samples beat the group."""

import numpy as np
import pandas as pd

from fashion_diffusion import stage
from fashion_diffusion.config import load_params
from fashion_diffusion.core.artifacts import load_arrays, write_json
from fashion_diffusion.evaluation.reference import judge_samples
from fashion_diffusion.evaluation.selection import combined_score, group_ids, random_k, select_topk, selection_effect
from fashion_diffusion.plotting import plots
from fashion_diffusion.scoring.judge.inference import load_judge

OUTPUTS = ["data/selection.csv", "reports/metrics/selection.json", "reports/figures/select_topk"]


def main() -> None:
    p = load_params()
    samples = load_arrays("data/samples/samples.npz", ["images", "labels", "class_names"], made_by="sample")
    images, labels, names = samples["images"], samples["labels"], [str(c) for c in samples["class_names"]]
    scores = pd.read_csv("data/clip_scores.csv", index_col="sample")
    groups = group_ids(labels, p.select.group_size)
    combined = combined_score(scores, p.select.weights)
    selected, random_mask = select_topk(groups, combined, p.select.k), random_k(groups, p.select.k, p.select.seed)
    judged = judge_samples(load_judge(), images, labels)
    effect = selection_effect(
        labels,
        groups,
        selected,
        random_mask,
        judged.correct,
        judged.confidence,
        combined,
        p.statistics.bootstrap_resamples,
        p.select.seed,
    )
    table = pd.DataFrame(
        {
            "label": labels,
            "class": [names[c] for c in labels],
            "group": groups,
            "combined": combined,
            "selected": selected,
            "random": random_mask,
            "judge_correct": judged.correct,
            "judge_confidence": judged.confidence,
        },
        index=scores.index,
    )
    first_group = np.isin(groups, [groups[labels == c].min() for c in np.unique(labels)])  # shown in the figure
    with stage.Outputs("select_topk", OUTPUTS) as out:
        table.to_csv(out("data/selection.csv"))
        write_json(
            out("reports/metrics/selection.json"),
            {"k": p.select.k, "group_size": p.select.group_size, "weights": p.select.weights, **effect},
        )
        plots.selection(
            out("reports/figures/select_topk") / "selection.png",
            images[first_group],
            labels[first_group],
            combined[first_group],
            selected[first_group],
            names,
            p.select.k,
        )


if __name__ == "__main__":
    stage.run(main)
