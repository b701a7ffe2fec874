"""Stage ablation_summary: the learning curves. Every ablation variant's EMA weights at every budget of
ablations.budgets_gflop sampled and judged, compared with the reference variant at the same budget
(paired: the same starting noise), and where each variant's curve crosses the reference's."""

import pandas as pd

from fashion_diffusion import stage
from fashion_diffusion.config import load_params
from fashion_diffusion.core.artifacts import read_json, write_json
from fashion_diffusion.evaluation.setup import load_setup
from fashion_diffusion.plotting import plots
from fashion_diffusion.studies.ablation import crossings, judge_curves
from fashion_diffusion.studies.ablation_training import CLIP_VARIANT

OUTPUTS = ["data/ablation_summary.csv", "reports/metrics/ablations.json", "reports/figures/ablations"]


def main() -> None:
    p = load_params()
    a = p.ablations
    names = [*a.variants, CLIP_VARIANT]
    folders = {name: f"models/ablations/{name}" for name in names}
    records = {name: read_json(f"{folders[name]}/training.json") for name in names}
    setup = load_setup(p, with_model=False)
    curves, samples = judge_curves(records, folders, setup, p)
    variants = {}
    for name in names:
        record = {k: v for k, v in records[name].items() if k != "budgets"}
        variants[name] = {**record, **curves[name][-1], "curve": curves[name]}  # top level: the largest budget
        if name != a.reference:
            variants[name]["crossings"] = {
                metric: crossings(a.budgets_gflop, [point[f"{metric}_difference"] for point in curves[name]])
                for metric in ("accuracy", "fid")
            }
    rows = pd.DataFrame(
        [
            {
                "variant": name,
                "arch": records[name]["arch"],
                **{k: v for k, v in point.items() if k != "per_class_accuracy"},
            }
            for name in names
            for point in curves[name]
        ]
    )
    with stage.Outputs("ablation_summary", OUTPUTS) as out:
        rows.to_csv(out("data/ablation_summary.csv"), index=False)
        write_json(
            out("reports/metrics/ablations.json"),
            {
                "reference": a.reference,
                "budgets_gflop": a.budgets_gflop,
                "train_gflop": a.budgets_gflop[-1],
                "warmup_gflop": a.warmup_gflop,
                "lr_schedule": a.lr_schedule,
                "per_class": a.per_class,
                "variants": variants,
            },
        )
        samples_at_largest = {name: (g.images, g.labels) for name, g in samples.items()}
        plots.ablations(out("reports/figures/ablations"), rows, samples_at_largest, setup.data.class_names)


if __name__ == "__main__":
    stage.run(main)
