"""Stage augmentation: the seed's 5.1 "data augmentation" measured: classifiers of the judge's
architecture trained on augmentation.per_class generated images per class (the headline samples), as
many real ones, and both, once per seed of augmentation.seeds, each tested on the real test set
(classification accuracy score), each set compared with the real one."""

from fashion_diffusion import stage
from fashion_diffusion.config import load_params
from fashion_diffusion.core.artifacts import load_arrays
from fashion_diffusion.core.runtime import resolve_device, set_threads
from fashion_diffusion.data.prepared import load_prepared
from fashion_diffusion.plotting import plots
from fashion_diffusion.results.base import write_result
from fashion_diffusion.studies.augmentation import augmentation_study, table, test_correctness, training_sets

OUTPUTS = ["data/augmentation.csv", "reports/metrics/augmentation.json", "reports/figures/augmentation"]


def main() -> None:
    p = load_params()
    a, statistics = p.augmentation, p.statistics
    set_threads(p.judge.threads)
    data = load_prepared()
    samples = load_arrays("data/samples/samples.npz", ["images", "labels"], made_by="sample")
    sets = training_sets(
        samples["images"], samples["labels"], data.train_images, data.train_labels, a.per_class, statistics.seed
    )
    recipe = p.judge.model_copy(update={"epochs": a.epochs, "batch_size": a.batch_size})
    correct = test_correctness(
        sets,
        data.test_images,
        data.test_labels,
        recipe,
        a.seeds,
        len(data.class_names),
        resolve_device(p.judge.device, "judge.device"),
    )
    study = augmentation_study(
        correct, a.seeds, a.per_class, a.epochs, a.batch_size, statistics.bootstrap_resamples, statistics.seed
    )
    rows = table(study)
    with stage.Outputs("augmentation", OUTPUTS) as out:
        rows.to_csv(out("data/augmentation.csv"), index=False)
        write_result(out("reports/metrics/augmentation.json"), study)
        plots.augmentation(out("reports/figures/augmentation") / "classification_accuracy_score.png", rows)


if __name__ == "__main__":
    stage.run(main)
