"""Stage evaluate: the independent judge's verdict on the headline sample set (`HeadlineResult`): judge
accuracy, FID and KID against the real test set, density and coverage, each with its 95% bootstrap
interval and the real data's value at the same n; each class's accuracy against the judge's accuracy on
its real test images (one family, Holm), the weakest class, the classes below and above real."""

import numpy as np
import pandas as pd

from fashion_diffusion import stage
from fashion_diffusion.config import load_params
from fashion_diffusion.core.artifacts import load_arrays, write_json
from fashion_diffusion.data.prepared import to_model_range
from fashion_diffusion.evaluation.setup import load_setup
from fashion_diffusion.plotting import plots
from fashion_diffusion.results.base import write_result
from fashion_diffusion.scoring.judge.inference import evaluate_accuracy
from fashion_diffusion.studies.headline import headline

OUTPUTS = [
    "reports/metrics/evaluate.json",
    "reports/headline/samples.json",
    "data/evaluate/per_class.csv",
    "reports/figures/evaluate",
]


def main() -> None:
    setup = load_setup(load_params(), with_model=False)
    data, names = setup.data, setup.data.class_names
    samples = load_arrays("data/samples/samples.npz", ["images", "labels"], made_by="sample")
    scores = setup.judge(samples["images"], samples["labels"])
    real = evaluate_accuracy(setup.reference.judge, to_model_range(data.test_images), data.test_labels)[1]
    result = headline(setup, scores, names, real, np.bincount(data.test_labels, minlength=len(names)))
    per_class = pd.DataFrame(
        {
            "class": names,
            "generated_accuracy": [c.generated.value for c in result.classes],
            "generated_accuracy_low": [c.generated.low for c in result.classes],
            "generated_accuracy_high": [c.generated.high for c in result.classes],
            "real_accuracy": real,
            "verdict": [c.versus_real.verdict for c in result.classes],
        }
    )
    with stage.Outputs("evaluate", OUTPUTS) as out:
        per_class.to_csv(out("data/evaluate/per_class.csv"), index=False)
        plots.accuracy_per_class(out("reports/figures/evaluate") / "accuracy_per_class.png", per_class)
        write_result(out("reports/metrics/evaluate.json"), result)
        write_json(out("reports/headline/samples.json"), result.headline())
    j = result.judged
    print(f"FID {j.fid.value:.2f} (floor {j.real.fid:.2f}), accuracy {j.accuracy.value:.3f}, weakest {result.weakest}")


if __name__ == "__main__":
    stage.run(main)
