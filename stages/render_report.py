"""Stage render_report: write reports/assessment.md from this run's outputs and log the whole run
(params, metrics, loss curve, report and figures) as one MLflow run."""
from pathlib import Path


from fashion_diffusion import stage, tracking
from fashion_diffusion.config import load_params, to_dict
from fashion_diffusion.report import RunOutputs, render

REPORT = Path("reports/assessment.md")
METRICS = ["models/train_metrics.json", "models/clip_scorer_metrics.json", "models/judge_metrics.json",
           "data/samples/sample_metrics.json", "reports/metrics/clip.json", "reports/metrics/selection.json",
           "reports/metrics/evaluate.json", "reports/metrics/style.json"]


def main() -> None:
    params = to_dict(load_params())
    outputs = RunOutputs.load(Path("."), params)
    name = tracking.run_name()
    REPORT.write_text(render(outputs, name))
    metrics = {Path(path).stem: stage.read_json(path) for path in METRICS}
    curves = {
        "train_loss": outputs.loss.rename(columns={"loss": "value"}),
        "train_lr": outputs.loss.rename(columns={"lr": "value"}),
        "fid_over_training": outputs.quality.rename(columns={"fid": "value"}),
    }
    run = tracking.log_pipeline_run(name, params, metrics, curves, [REPORT, Path("reports/figures"), Path("dvc.lock")])
    stage.write_json("reports/mlflow_run.json", run)
    print(f"wrote {REPORT}; MLflow run {run['run_name']} ({run['run_id']}) in {run['tracking_uri']}")


if __name__ == "__main__":
    stage.run(main)
