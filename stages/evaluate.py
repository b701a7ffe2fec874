"""Stage evaluate: the independent judge's verdict on the headline sample set: FID and KID in its
feature space with the floor of real images at the same n, accuracy on the requested class
(overall and per class), each with a 95% bootstrap interval."""

import pandas as pd

from fashion_diffusion import stage
from fashion_diffusion.config import load_params
from fashion_diffusion.core.artifacts import load_arrays, write_json
from fashion_diffusion.data.prepared import to_model_range
from fashion_diffusion.evaluation.setup import load_setup
from fashion_diffusion.plotting import plots
from fashion_diffusion.scoring.judge.inference import evaluate_accuracy
from fashion_diffusion.stats.metrics import class_accuracy

OUTPUTS = ["reports/metrics/evaluate.json", "data/evaluate/per_class.csv", "reports/figures/evaluate"]


def main() -> None:
    p = load_params()
    setup = load_setup(p, with_model=False)
    reference, names = setup.reference, setup.data.class_names
    samples = load_arrays("data/samples/samples.npz", ["images", "labels", "class_names"], made_by="sample")
    scores = reference.judge_images(samples["images"], samples["labels"])
    headline = reference.headline(scores, p.statistics.bootstrap_resamples, p.evaluate.seed)
    floor = setup.fid_floor(len(scores.labels), p.evaluate.seed)
    real = evaluate_accuracy(reference.judge, to_model_range(setup.data.test_images), setup.data.test_labels)[1]
    per_class = pd.DataFrame(
        {
            "class": names,
            "generated_accuracy": class_accuracy(scores.probs, scores.labels, len(names))[1],
            "real_accuracy": real,
        }
    )
    with stage.Outputs("evaluate", OUTPUTS) as out:
        per_class.to_csv(out("data/evaluate/per_class.csv"), index=False)
        plots.accuracy_per_class(out("reports/figures/evaluate") / "accuracy_per_class.png", per_class)
        write_json(
            out("reports/metrics/evaluate.json"),
            {
                **{k: v for name, estimate in headline.items() for k, v in estimate.as_dict(name).items()},
                "fid_floor": floor,
                "fid_over_floor": headline["fid"].value / floor,
                "samples": len(scores.labels),
                "worst_class": per_class.loc[per_class["generated_accuracy"].idxmin(), "class"],
                "worst_class_accuracy": float(per_class["generated_accuracy"].min()),
            },
        )
    print(f"FID {headline['fid'].value:.2f} (floor {floor:.2f}), accuracy {headline['accuracy'].value:.3f}")


if __name__ == "__main__":
    stage.run(main)
