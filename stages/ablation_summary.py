"""Stage ablation_summary: the learning curves. Every training of every ablation variant judged at every
budget of ablations.budgets_gflop (samples from the same noise, and the held-out noise-prediction error
per noise level), each variant compared with the reference variant at the same budget (paired, with the
training-seed spread in every interval), written as one typed result."""

import pandas as pd

from fashion_diffusion import stage
from fashion_diffusion.config import load_params
from fashion_diffusion.core.artifacts import read_json, write_json
from fashion_diffusion.evaluation.setup import load_setup
from fashion_diffusion.plotting import plots
from fashion_diffusion.results.ablations import AblationStudy
from fashion_diffusion.results.base import write_result
from fashion_diffusion.studies.ablation import judge_curves
from fashion_diffusion.studies.ablation_training import ablation_variants, seed_folder

FOLDER = "models/ablations"
OUTPUTS = [
    "data/ablation_summary.csv",
    "reports/metrics/ablations.json",
    "reports/figures/ablations",
    "reports/headline/ablations.json",
]


def main() -> None:
    p = load_params()
    records = {
        (v.name, v.seed): read_json(seed_folder(FOLDER, v.name, v.seed) / "training.json") for v in ablation_variants(p)
    }
    setup = load_setup(p, with_model=False)
    study, samples = judge_curves(records, FOLDER, setup, p)
    rows = table(study)
    with stage.Outputs("ablation_summary", OUTPUTS) as out:
        rows.to_csv(out("data/ablation_summary.csv"), index=False)
        write_result(out("reports/metrics/ablations.json"), study)
        write_json(out("reports/headline/ablations.json"), headline(study))
        samples_at_largest = {name: (g.images, g.labels) for name, g in samples.items()}
        plots.ablations(out("reports/figures/ablations"), rows, samples_at_largest, setup.data.class_names)


def table(study: AblationStudy) -> pd.DataFrame:
    """One row per variant and budget: training compute, the judged set's flat keys, the held-out error
    per bucket (held_out_mse_<i> with _low/_high, and its t range)."""
    rows = []
    for point in study.points:
        row = {
            "variant": point.variant,
            "arch": study.variants[point.variant].arch,
            "budget_gflop": point.budget_gflop,
            "steps": point.steps,
            "train_gflop": point.budget_gflop,
            **point.judged.flat(),
        }
        for i, (bucket, mse) in enumerate(zip(study.buckets, point.held_out_mse)):
            row |= {
                f"held_out_mse_{i}": mse.value,
                f"held_out_mse_{i}_low": mse.low,
                f"held_out_mse_{i}_high": mse.high,
            }
            row[f"t_range_{i}"] = f"t in [{bucket.t_low}, {bucket.t_high})"
        rows.append(row)
    return pd.DataFrame(rows)


def headline(study: AblationStudy) -> dict[str, float]:
    """What `dvc metrics show` prints of the ablations: each variant's KID, judge accuracy and coverage at
    the largest budget."""
    return {
        f"{point.variant}_{measure}": getattr(point.judged, measure).value
        for point in study.points
        if point.budget_gflop == study.largest
        for measure in ("kid", "accuracy", "coverage")
    }


if __name__ == "__main__":
    stage.run(main)
