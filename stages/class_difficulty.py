"""Stage class_difficulty: the seed's 4.2 hypothesis tested: per-class difficulty of the headline samples
(judge accuracy, KID within the class) against properties of the real class (pixel variance, judge accuracy
on real images, edge density), as rank correlations with intervals over classes, one family of tests."""

import numpy as np

from fashion_diffusion import stage
from fashion_diffusion.config import load_params
from fashion_diffusion.core.artifacts import load_arrays
from fashion_diffusion.data.prepared import balanced_draw, to_model_range
from fashion_diffusion.evaluation.setup import load_setup
from fashion_diffusion.plotting import plots
from fashion_diffusion.results.base import write_result
from fashion_diffusion.scoring.judge.inference import evaluate_accuracy, features
from fashion_diffusion.studies.class_difficulty import class_properties, class_quality, difficulty_study

OUTPUTS = ["data/class_difficulty", "reports/metrics/class_difficulty.json", "reports/figures/class_difficulty"]


def main() -> None:
    p = load_params()
    setup = load_setup(p, with_model=False)
    data, judge, resamples, seed = setup.data, setup.reference.judge, setup.resamples, setup.seed
    samples = load_arrays("data/samples/samples.npz", ["images", "labels"], made_by="sample")
    scores = setup.judge(samples["images"], samples["labels"])
    per_class = int(np.bincount(scores.labels).max())
    real = balanced_draw(data.train_labels, per_class, seed)  # as many real images per class: the real value
    real_features = features(judge, to_model_range(data.train_images[real])).numpy()
    real_accuracy = evaluate_accuracy(judge, to_model_range(data.test_images), data.test_labels)[1]
    table = class_properties(data.train_images, data.train_labels, real_accuracy, p.difficulty.edge_threshold).join(
        class_quality(
            scores,
            setup.reference.test_features,
            data.test_labels,
            real_features,
            data.train_labels[real],
            resamples,
            seed,
        )
    )
    table.insert(0, "class", data.class_names)
    study = difficulty_study(table, per_class, resamples, seed)
    with stage.Outputs("class_difficulty", OUTPUTS) as out:
        table.to_csv(out("data/class_difficulty") / "per_class.csv", index=False)
        write_result(out("reports/metrics/class_difficulty.json"), study)
        plots.class_difficulty(out("reports/figures/class_difficulty") / "difficulty_vs_properties.png", table)
    print(f"class difficulty: {study.supported} supported, {study.contradicted} contradicted: {study.conclusion}")


if __name__ == "__main__":
    stage.run(main)
