"""Stage recognition: when does a denoising trajectory become recognisable? The judge reads the
predicted x0 along the recorded trajectories of stage sample (`RecognitionResult`)."""

from fashion_diffusion import stage
from fashion_diffusion.core.artifacts import load_arrays
from fashion_diffusion.evaluation.recognition import per_class_summary, recognition, recognition_result
from fashion_diffusion.plotting import plots
from fashion_diffusion.results.base import write_result
from fashion_diffusion.scoring.judge.inference import load_judge

OUTPUTS = ["data/recognition", "reports/metrics/recognition.json", "reports/figures/recognition"]


def main() -> None:
    trajectory = load_arrays("data/samples/trajectory.npz", ["x0_pred", "labels", "fractions"], made_by="sample")
    class_names = [
        str(c) for c in load_arrays("data/samples/samples.npz", ["class_names"], made_by="sample")["class_names"]
    ]
    points, curve = recognition(load_judge(), trajectory["x0_pred"], trajectory["labels"], trajectory["fractions"])
    summary = per_class_summary(points, class_names)
    with stage.Outputs("recognition", OUTPUTS) as out:
        points.to_csv(out("data/recognition") / "points.csv", index=False)
        curve.to_csv(out("data/recognition") / "curve.csv", index=False)
        summary.to_csv(out("data/recognition") / "per_class.csv", index=False)
        plots.recognition_curve(out("reports/figures/recognition") / "recognition_curve.png", curve, class_names)
        write_result(out("reports/metrics/recognition.json"), recognition_result(points, class_names))


if __name__ == "__main__":
    stage.run(main)
