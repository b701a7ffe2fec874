"""MLflow tracking: one run per pipeline execution, logged by the last stage.

The tracking store is `MLFLOW_TRACKING_URI` when set, else the SQLite file `mlflow.db` in the
repository root. Under `dvc exp run --temp/--queue` stages run in a temporary copy, so the root
is taken from `DVC_ROOT`, which DVC sets to the user's repository. The run is named after the
DVC experiment (`DVC_EXP_NAME`) so experiments sit side by side in the MLflow UI.
"""
from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

import pandas as pd

EXPERIMENT = "fashion-diffusion"
MAX_BATCH = 1000  # MLflow's limit on metrics per log_batch call


def tracking_uri() -> str:
    if os.environ.get("MLFLOW_TRACKING_URI"):
        return os.environ["MLFLOW_TRACKING_URI"]
    root = Path(os.environ.get("DVC_ROOT") or Path.cwd()).resolve()
    return f"sqlite:///{root / 'mlflow.db'}"


def run_name() -> str:
    return os.environ.get("DVC_EXP_NAME") or f"workspace-{time.strftime('%Y%m%d-%H%M%S')}"


def flatten(tree: dict, prefix: str = "") -> dict[str, object]:
    """{'a': {'b': 1}} -> {'a.b': 1}; lists become their string form."""
    flat: dict[str, object] = {}
    for key, value in tree.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(flatten(value, f"{name}."))
        else:
            flat[name] = value
    return flat


def numeric(flat: dict[str, object]) -> dict[str, float]:
    return {k: float(v) for k, v in flat.items() if isinstance(v, (int, float)) and not isinstance(v, bool)}


def log_pipeline_run(name: str, params: dict, metrics: dict, curves: dict[str, pd.DataFrame],
                     artifacts: list[Path]) -> dict:
    """Log params, final metrics, step curves ({name: DataFrame with columns step, value}) and
    artifact files/folders to a new run. Returns {'run_id', 'run_name', 'tracking_uri', 'experiment'}."""
    import mlflow
    from mlflow.entities import Metric

    mlflow.set_tracking_uri(tracking_uri())
    mlflow.set_experiment(EXPERIMENT)
    with mlflow.start_run(run_name=name) as run:
        mlflow.set_tags({"dvc_experiment": os.environ.get("DVC_EXP_NAME", "workspace"), "git_commit": _git_commit()})
        mlflow.log_params({k: str(v) for k, v in flatten(params).items()})
        mlflow.log_metrics(numeric(flatten(metrics)))
        client, now = mlflow.MlflowClient(), int(time.time() * 1000)
        points = [Metric(name, float(v), now, int(s)) for name, table in curves.items()
                  for s, v in zip(table["step"], table["value"])]
        for start in range(0, len(points), MAX_BATCH):
            client.log_batch(run.info.run_id, metrics=points[start:start + MAX_BATCH])
        for path in artifacts:
            if path.is_dir():
                mlflow.log_artifacts(str(path), artifact_path=path.name)
            elif path.exists():
                mlflow.log_artifact(str(path))
        return {"run_id": run.info.run_id, "run_name": run.info.run_name, "tracking_uri": tracking_uri(),
                "experiment": EXPERIMENT}


def _git_commit() -> str:
    result = subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True)
    return result.stdout.strip() if result.returncode == 0 else "unknown"
