"""Stage ablation_summary: every ablation variant next to the reference variant: training cost,
held-out loss and judged quality, with the accuracy and FID differences and their intervals."""

import pandas as pd

from fashion_diffusion import stage
from fashion_diffusion.config import load_params
from fashion_diffusion.core.artifacts import load_arrays, read_json, write_json
from fashion_diffusion.evaluation.setup import load_setup
from fashion_diffusion.plotting import plots
from fashion_diffusion.studies.ablation import compare_with_reference

OUTPUTS = ["data/ablation_summary.csv", "reports/metrics/ablations.json", "reports/figures/ablations"]


def main() -> None:
    p = load_params()
    a = p.ablations
    names = [*a.variants, "clip_alignment"]
    setup = load_setup(p, with_model=False)
    samples = {}
    for name in names:
        made_by = "ablation_clip" if name == "clip_alignment" else f"ablation@{name}"
        arrays = load_arrays(f"data/ablations/{name}.npz", ["images", "labels"], made_by=made_by)
        samples[name] = (arrays["images"], arrays["labels"])
    metrics = {name: read_json(f"data/ablations/{name}_metrics.json") for name in names}
    differences = compare_with_reference(setup, samples, a.reference, p.statistics.bootstrap_resamples, a.seed)
    rows = pd.DataFrame(
        [
            {**{k: v for k, v in metrics[name].items() if k != "per_class_accuracy"}, **differences.get(name, {})}
            for name in names
        ]
    )
    with stage.Outputs("ablation_summary", OUTPUTS) as out:
        rows.to_csv(out("data/ablation_summary.csv"), index=False)
        write_json(
            out("reports/metrics/ablations.json"),
            {
                "reference": a.reference,
                "train_gflop": a.train_gflop,
                "per_class": a.per_class,
                "variants": {name: {**metrics[name], **differences.get(name, {})} for name in names},
            },
        )
        plots.ablations(out("reports/figures/ablations"), rows, samples, setup.data.class_names)


if __name__ == "__main__":
    stage.run(main)
