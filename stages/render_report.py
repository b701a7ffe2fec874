"""Stage render_report: write reports/assessment.md from this run's outputs and log the whole run
(params, metrics, loss curve, report and figures) as one MLflow run."""
from pathlib import Path

from fashion_diffusion import stage, tracking
from fashion_diffusion.artifacts import read_json, write_json
from fashion_diffusion.config import load_params, to_dict
from fashion_diffusion.data.prepared import load_prepared
from fashion_diffusion.report import context, plots
from fashion_diffusion.report.outputs import RunOutputs
from fashion_diffusion.report.render import render

OUTPUTS = ["reports/assessment.md", "reports/mlflow_run.json", "reports/figures/train"]
METRICS = ["models/train_metrics.json", "models/clip_scorer_metrics.json", "models/judge_metrics.json",
           "data/samples/sample_metrics.json", "reports/metrics/clip.json", "reports/metrics/selection.json",
           "reports/metrics/evaluate.json", "reports/metrics/style.json", "reports/metrics/recognition.json",
           "reports/metrics/training_quality.json", "reports/metrics/sampler_study.json", "reports/metrics/ablations.json",
           "reports/metrics/one_step.json", "reports/metrics/wrong_timestep.json", "reports/metrics/guidance_sweep.json",
           "reports/metrics/class_difficulty.json", "reports/metrics/augmentation.json",
           "reports/metrics/sampling_cost.json"]


def main() -> None:
    p = load_params()
    params = to_dict(p)
    outputs = RunOutputs()
    name = tracking.run_name()
    report = render(context.build(outputs, params, name))
    metrics = {Path(path).stem: read_json(path) for path in METRICS}
    loss = outputs.csv("models/loss.csv")
    quality = outputs.csv("data/training_quality/quality_over_training.csv")
    curves = {"train_loss": loss.rename(columns={"loss": "value"}), "train_lr": loss.rename(columns={"lr": "value"}),
              "fid_over_training": quality.rename(columns={"fid": "value"})}
    data = load_prepared()
    with stage.Outputs("render_report", OUTPUTS) as out:
        plots.loss_curve(out("reports/figures/train") / "loss_curve.png", loss)
        plots.forward_diffusion(out("reports/figures/train") / "forward_diffusion.png", data.train_images,
                                data.train_labels, data.class_names, p.diffusion.timesteps, p.diffusion.cosine_s)
        out("reports/assessment.md").write_text(report)
        run = tracking.log_pipeline_run(name, params, metrics, curves,
                                        [out("reports/assessment.md"), Path("reports/figures"), out("reports/figures/train"),
                                         Path("dvc.lock")])
        write_json(out("reports/mlflow_run.json"), run)
    print(f"wrote reports/assessment.md; MLflow run {run['run_name']} ({run['run_id']}) in {run['tracking_uri']}")


if __name__ == "__main__":
    stage.run(main)
