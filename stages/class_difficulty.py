"""Stage class_difficulty: the seed's 4.2 hypothesis tested: per-class difficulty of the headline
samples (judge accuracy, FID within the class) against properties of the real class (pixel variance,
judge accuracy on real images, edge density), as rank correlations with intervals over classes."""

import numpy as np

from fashion_diffusion import stage
from fashion_diffusion.config import load_params
from fashion_diffusion.core.artifacts import load_arrays, write_json
from fashion_diffusion.data.prepared import balanced_draw, to_model_range
from fashion_diffusion.evaluation.setup import load_setup
from fashion_diffusion.plotting import plots
from fashion_diffusion.scoring.judge.inference import evaluate_accuracy, features
from fashion_diffusion.studies.class_difficulty import (
    class_properties,
    class_quality,
    failing_classes,
    rank_correlations,
)

OUTPUTS = ["data/class_difficulty", "reports/metrics/class_difficulty.json", "reports/figures/class_difficulty"]


def main() -> None:
    p = load_params()
    d, setup, resamples = p.difficulty, load_setup(p, with_model=False), p.statistics.bootstrap_resamples
    data, judge = setup.data, setup.reference.judge
    samples = load_arrays("data/samples/samples.npz", ["images", "labels"], made_by="sample")
    scores = setup.reference.judge_images(samples["images"], samples["labels"])
    per_class = np.bincount(scores.labels).max()
    floor_index = balanced_draw(data.train_labels, per_class, d.seed)  # as many real images per class: the floor
    floor_features = features(judge, to_model_range(data.train_images[floor_index])).numpy()
    real_accuracy = evaluate_accuracy(judge, to_model_range(data.test_images), data.test_labels)[1]
    table = class_properties(data.train_images, data.train_labels, real_accuracy, d.edge_threshold).join(
        class_quality(
            scores.features,
            scores.correct,
            scores.labels,
            setup.reference.test_features,
            data.test_labels,
            floor_features,
            data.train_labels[floor_index],
            resamples,
            d.seed,
        )
    )
    table.insert(0, "class", data.class_names)
    correlations = rank_correlations(table, resamples, d.seed)
    with stage.Outputs("class_difficulty", OUTPUTS) as out:
        table.to_csv(out("data/class_difficulty") / "per_class.csv", index=False)
        correlations.to_csv(out("data/class_difficulty") / "correlations.csv", index=False)
        write_json(
            out("reports/metrics/class_difficulty.json"),
            {
                "classes": len(table),
                "samples_per_class": int(per_class),
                "failing_classes": failing_classes(table),
                "correlations": correlations.to_dict("records"),
            },
        )
        plots.class_difficulty(out("reports/figures/class_difficulty") / "difficulty_vs_properties.png", table)


if __name__ == "__main__":
    stage.run(main)
