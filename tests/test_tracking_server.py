"""The pipeline against a team tracking server: a local `mlflow server` (SQLite backend, artifact root in
a temporary folder) on 127.0.0.1, the tiny pipeline run with MLFLOW_TRACKING_URI pointing at it, and
everything read back through the REST client: the run while it runs and when it is done, its tables
and artifacts, the registered model (loaded and generating), and a FAILED run for a failing stage."""

import json
import subprocess

import numpy as np
import pandas as pd
import pytest
import yaml

from fashion_diffusion.tracking.generator_model import REGISTERED_MODEL
from fashion_diffusion.tracking.names import stage_tag
from fashion_diffusion.tracking.store import EXPERIMENT
from tests.support import tiny_pipeline
from tests.support.tiny import TINY

pytestmark = pytest.mark.slow
LOSS_POINTS = TINY["train.max_steps"] // TINY["train.log_every"]


def test_the_run_and_its_loss_curve_are_visible_while_the_pipeline_runs(served_pipeline):
    live = [o for o in served_pipeline.observations if o.status == "RUNNING" and o.loss_points and not o.report_written]
    assert live, f"never saw a running run with loss points; saw {served_pipeline.observations}"
    assert {o.status for o in served_pipeline.observations} <= {"RUNNING", "FINISHED"}


def test_the_finished_run_reads_back_through_rest(served_pipeline):
    record, client = served_pipeline.record, served_pipeline.client()
    assert record["logged"] and record["tracking_uri"] == served_pipeline.url
    run = client.get_run(record["run_id"])
    assert run.info.status == "FINISHED" and run.info.run_name == record["run_name"]
    stages = yaml.safe_load((served_pipeline.repo / "dvc.lock").read_text())["stages"]  # foreach stages as run
    assert {run.data.tags[stage_tag(name)] for name in stages} == {"finished"}
    assert run.data.params["train.max_steps"] == str(TINY["train.max_steps"])
    for key in (
        "train/final_loss",
        "evaluate/fid",
        "evaluate/accuracy",
        "clip_eval/mean_class_prob",
        "select_topk/k",
        "train_judge/test_accuracy",
    ):
        assert key in run.data.metrics, key
    history = client.get_metric_history(run.info.run_id, "train/loss")
    assert [m.step for m in history] == list(
        range(TINY["train.log_every"], TINY["train.max_steps"] + 1, TINY["train.log_every"])
    )
    artifacts = {a.path for a in client.list_artifacts(run.info.run_id)}
    assert {"assessment.md", "figures", "tables", "pipeline"} <= artifacts
    assert f"MLflow run `{record['run_name']}`" in (served_pipeline.repo / "reports/assessment.md").read_text()
    experiment = client.get_experiment(run.info.experiment_id)
    assert experiment.name == EXPERIMENT and experiment.tags["mlflow.experimentKind"] == "custom_model_development"


def test_per_sample_clip_scores_and_judge_results_are_a_table(served_pipeline):
    import mlflow

    record = served_pipeline.record
    mlflow.set_tracking_uri(served_pipeline.url)  # MlflowClient.load_table searches through the global store
    table = mlflow.MlflowClient().load_table(record["experiment_id"], "tables/samples.json", [record["run_id"]])
    samples = np.load(served_pipeline.repo / "data/samples/samples.npz")["labels"]
    assert len(table) == len(samples)
    assert {"class", "good", "clear", "blurry", "class_prob", "selected", "judge_correct", "judge_confidence"} <= set(
        table
    )


def test_the_registered_model_loads_through_the_server_and_generates(served_pipeline, capsys):
    import mlflow

    from fashion_diffusion.evaluation.reference import judge_samples
    from fashion_diffusion.scoring.judge.inference import load_judge

    mlflow.set_tracking_uri(served_pipeline.url)
    version = served_pipeline.record["model_uri"].rsplit("/", 1)[1]
    model = mlflow.pyfunc.load_model(f"models:/{REGISTERED_MODEL}/{version}")
    names = model.unwrap_python_model().generator.class_names
    per_class = 8
    images = model.predict(pd.DataFrame({"class": names, "count": per_class, "seed": range(len(names))}))
    assert images.shape == (len(names) * per_class, 28, 28) and images.dtype == np.uint8
    assert images.std() > 0
    labels = np.repeat(np.arange(len(names)), per_class)
    judged = judge_samples(load_judge(served_pipeline.repo / "models/judge.pt"), images, labels)
    with capsys.disabled():
        print(
            f"\njudge accuracy on {len(images)} images from models:/{REGISTERED_MODEL}/{version} "
            f"(tiny pipeline: 24 training steps, chance {1 / len(names):.0%}): {judged.correct.mean():.1%}"
        )


def test_a_failing_stage_leaves_a_failed_run(served_pipeline, tmp_path):
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", str(served_pipeline.repo), str(clone)], check=True)
    params = yaml.safe_load((clone / "params.yaml").read_text())
    params["sample"]["steps"] = 0
    (clone / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))
    result = tiny_pipeline.run(clone, "repro", "check_params", env={"MLFLOW_TRACKING_URI": served_pipeline.url})
    assert result.returncode != 0 and "sample.steps" in result.stderr
    client = served_pipeline.client()
    experiment = client.get_experiment_by_name(EXPERIMENT)
    failed = client.search_runs([experiment.experiment_id], "attributes.status = 'FAILED'")
    assert [run.data.tags["failed_stage"] for run in failed] == ["check_params"]
    assert "sample.steps" in failed[0].data.tags["stage.check_params"]


def test_a_dead_server_costs_seconds_and_one_line_and_log_run_logs_it_later(served_pipeline, tmp_path):
    """render_report against a dead server: the report is written without a run name, one line says so,
    and `fashion-diffusion log-run` (`make log-run`) logs the finished execution once a server answers."""
    import shutil
    import sys
    import time

    from tests.support.mlflow_server import free_port

    copy = tmp_path / "copy"
    shutil.copytree(served_pipeline.repo, copy, symlinks=True)
    dead = f"http://127.0.0.1:{free_port()}"
    began = time.monotonic()
    result = tiny_pipeline.run(
        copy, "repro", "--force", "--single-item", "render_report", env={"MLFLOW_TRACKING_URI": dead}
    )
    seconds = time.monotonic() - began
    assert result.returncode == 0, result.stderr[-2000:]
    told = [line for line in result.stderr.splitlines() if "MLflow" in line]
    assert told == [
        f"MLflow at {dead} unreachable (no answer within 3 s ([Errno 111] Connection refused)); "
        "report written, run not logged; log it later with `make log-run`"
    ]
    assert "not logged to MLflow" in (copy / "reports/assessment.md").read_text()
    record = json.loads((copy / "reports/mlflow_run.json").read_text())
    assert record["logged"] is False and record["tracking_uri"] == dead
    print(f"\nrender_report against a dead server: {seconds:.0f} s")

    logged = subprocess.run(
        [sys.executable, "-m", "fashion_diffusion.cli", "log-run"],
        cwd=copy,
        env={**tiny_pipeline.git_env(), "MLFLOW_TRACKING_URI": served_pipeline.url},
        capture_output=True,
        text=True,
    )
    assert logged.returncode == 0, logged.stderr[-2000:]
    client = served_pipeline.client()
    later = client.search_runs([client.get_experiment_by_name(EXPERIMENT).experiment_id], "tags.logged_later = 'true'")
    assert len(later) == 1 and later[0].info.status == "FINISHED" and "evaluate/fid" in later[0].data.metrics
    assert len(client.get_metric_history(later[0].info.run_id, "train/loss")) == LOSS_POINTS
    assert f"models:/{REGISTERED_MODEL}/" in logged.stdout
