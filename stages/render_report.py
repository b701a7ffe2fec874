"""Stage render_report: write reports/assessment.md from this run's outputs, and complete the pipeline
execution's MLflow run (params, every stage's metrics, curves, per-sample tables, the report and its
figures, the denoiser as a registered model). An unreachable tracking store costs a few seconds and
one line: the report is written either way, and `make log-run` logs the execution later."""

import sys
from pathlib import Path

from fashion_diffusion import stage
from fashion_diffusion.config import load_params
from fashion_diffusion.core.artifacts import write_json
from fashion_diffusion.report.inputs import load_all
from fashion_diffusion.report.render import render
from fashion_diffusion.tracking import live, pipeline_run, store
from fashion_diffusion.tracking.generator_model import REGISTERED_MODEL

OUTPUTS = ["reports/assessment.md", "reports/mlflow_run.json"]


def main() -> None:
    p = load_params()
    tracked = live.current()
    named = tracked.run  # checked reachable (within seconds) when the stage began
    report = render({**load_all(), "params": p, "run": named.run_name if named else None})
    with stage.Outputs("render_report", OUTPUTS) as out:
        out("reports/assessment.md").write_text(report)
        artifacts = {"": out("reports/assessment.md"), "figures": Path("reports/figures"), "pipeline": Path("dvc.lock")}
        version = tracked.call(pipeline_run.log_outputs, named.run_id, p, artifacts) if named else None
        write_json(out("reports/mlflow_run.json"), _record(named, version, _why_not(tracked)))
    if version is not None:
        print(
            f"wrote reports/assessment.md; MLflow run {named.run_name} ({named.run_id}), "
            f"model models:/{REGISTERED_MODEL}/{version}, in {named.tracking_uri}"
        )
    elif not tracked.problem:  # a store it could not use was announced in one line already
        print(
            f"{_why_not(tracked)}; report written, run not logged; log it later with `make log-run`",
            file=sys.stderr,
        )


def _why_not(tracked: live.StageRun) -> str:
    """Why the run was not logged, in words a committed file may hold (no machine path, no password)."""
    if tracked.problem:
        return f"MLflow at {store.shareable_uri(store.tracking_uri())} {tracked.problem.what}"
    return "MLflow tracking is off (a stage run outside DVC with MLFLOW_TRACKING_URI unset)"


def _record(run, version: str | None, why_not: str) -> dict:
    """reports/mlflow_run.json, committed with the report: the tracking URI without this machine's paths."""
    if version is None:
        return {
            "logged": False,
            "reason": why_not,
            "tracking_uri": store.shareable_uri(store.tracking_uri()),
            "log_later": "make log-run",
        }
    return {
        "logged": True,
        "run_id": run.run_id,
        "run_name": run.run_name,
        "tracking_uri": store.shareable_uri(run.tracking_uri),
        "experiment": store.EXPERIMENT,
        "experiment_id": run.experiment_id,
        "model_uri": f"models:/{REGISTERED_MODEL}/{version}",
    }


if __name__ == "__main__":
    stage.run(main)
