"""Stage select_topk: in every group of select.group_size samples of a class keep the top k by combined
CLIP score, draw k at random from every group as the baseline, judge the kept, rejected and random sets,
and compare kept with random (the same n) by accuracy, coverage and KID."""

import numpy as np
import pandas as pd

from fashion_diffusion import stage
from fashion_diffusion.config import load_params
from fashion_diffusion.core.artifacts import load_arrays, write_json
from fashion_diffusion.evaluation.selection import combined_score, group_ids, random_k, select_topk
from fashion_diffusion.evaluation.setup import load_setup
from fashion_diffusion.plotting import plots
from fashion_diffusion.results.base import write_result
from fashion_diffusion.studies.selection import headline, selection_study

OUTPUTS = [
    "data/selection.csv",
    "reports/metrics/selection.json",
    "reports/headline/selection.json",
    "reports/figures/select_topk",
]


def main() -> None:
    p = load_params()
    s = p.select
    samples = load_arrays("data/samples/samples.npz", ["images", "labels", "class_names"], made_by="sample")
    images, labels, names = samples["images"], samples["labels"], [str(c) for c in samples["class_names"]]
    scores = pd.read_csv("data/clip_scores.csv", index_col="sample")
    groups = group_ids(labels, s.group_size)
    combined = combined_score(scores, s.weights)
    selected, random_mask = select_topk(groups, combined, s.k), random_k(groups, s.k, s.seed)
    setup = load_setup(p, with_model=False)
    judged = setup.judge(images, labels)
    study = selection_study(setup, judged, groups, selected, random_mask, combined, s.group_size, s.k, s.weights)
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
        write_result(out("reports/metrics/selection.json"), study)
        write_json(out("reports/headline/selection.json"), headline(study))
        plots.selection(
            out("reports/figures/select_topk") / "selection.png",
            images[first_group],
            labels[first_group],
            combined[first_group],
            selected[first_group],
            names,
            s.k,
        )
    print(f"selection, kept minus random k: {study.outcome}")


if __name__ == "__main__":
    stage.run(main)
