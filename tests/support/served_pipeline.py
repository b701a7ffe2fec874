"""The tiny pipeline run against a local `mlflow server` (SQLite backend, artifact root in a temporary
folder), watched through the REST API while it runs. Shared by the server, UI and remote tests."""

from __future__ import annotations

import json
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

from . import tiny_pipeline

POLL_SECONDS = 2.0


@dataclass
class Observation:
    seconds: float
    status: str
    loss_points: int
    report_written: bool


@dataclass
class ServedPipeline:
    url: str
    repo: Path
    observations: list[Observation] = field(default_factory=list)

    @property
    def record(self) -> dict:
        return json.loads((self.repo / "reports/mlflow_run.json").read_text())

    def client(self):
        from mlflow import MlflowClient

        return MlflowClient(tracking_uri=self.url)


def run_watched(url: str, repo: Path) -> ServedPipeline:
    """`dvc repro` in `repo` with MLFLOW_TRACKING_URI=url, polling the server every 2 s meanwhile."""
    served = ServedPipeline(url, repo)
    began = time.monotonic()
    log = repo.parent / "repro.log"
    with open(log, "w") as output:
        process = subprocess.Popen(
            ["dvc", "repro"],
            cwd=repo,
            stdout=output,
            stderr=subprocess.STDOUT,
            env={**tiny_pipeline.git_env(), "MLFLOW_TRACKING_URI": url},
        )
        while process.poll() is None:
            served.observations += _observe(served, time.monotonic() - began)
            time.sleep(POLL_SECONDS)
    if process.returncode != 0:
        raise RuntimeError(f"dvc repro against {url} failed:\n{log.read_text()[-4000:]}")
    return served


def _observe(served: ServedPipeline, seconds: float) -> list[Observation]:
    from fashion_diffusion.tracking.store import EXPERIMENT

    client = served.client()
    experiment = client.get_experiment_by_name(EXPERIMENT)
    if experiment is None:
        return []
    report = (served.repo / "reports/mlflow_run.json").exists()
    return [
        Observation(seconds, run.info.status, len(client.get_metric_history(run.info.run_id, "train/loss")), report)
        for run in client.search_runs([experiment.experiment_id])
    ]
