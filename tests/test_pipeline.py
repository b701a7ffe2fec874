"""End to end: the real `dvc repro`, `dvc exp run` and `dvc queue` on tiny params in a temporary copy,
tracked to the default store (SQLite in the repository root) (minutes)."""

import json
import re
import subprocess
import sys
import time

import numpy as np
import pandas as pd
import pytest
import yaml

from fashion_diffusion.results.ablations import AblationStudy
from fashion_diffusion.results.base import read_result
from fashion_diffusion.tracking.generator_model import REGISTERED_MODEL
from fashion_diffusion.tracking.names import stage_tag
from fashion_diffusion.tracking.store import EXPERIMENT
from tests.support import tiny_pipeline
from tests.support.intervals import intervals_missing_their_value
from tests.support.report_checks import SEED_SECTIONS
from tests.support.tiny import TINY

pytestmark = pytest.mark.slow
QUEUE_TIMEOUT_SECONDS = 1800


@pytest.fixture(scope="module")
def repo(tmp_path_factory):
    path = tiny_pipeline.make_copy(tmp_path_factory.mktemp("pipeline") / "repo")
    result = tiny_pipeline.run(path, "repro")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return path


def _client(repo):
    import mlflow

    return mlflow.MlflowClient(tracking_uri=f"sqlite:///{repo / 'mlflow.db'}")


def _runs(repo) -> dict:
    client = _client(repo)
    runs = client.search_runs([client.get_experiment_by_name(EXPERIMENT).experiment_id])
    return {run.info.run_name: run for run in runs}


def _experiments(repo) -> dict:
    shown = tiny_pipeline.run(repo, "exp", "show", "--json")
    assert shown.returncode == 0, shown.stderr
    return {exp["name"]: exp for baseline in json.loads(shown.stdout) for exp in baseline.get("experiments") or []}


def test_report_exists_and_every_figure_it_links_exists(repo):
    report = (repo / "reports/assessment.md").read_text()
    positions = [report.index(heading) for heading in SEED_SECTIONS]  # every seed question, in the seed's order
    assert positions == sorted(positions)
    links = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", report)
    assert len(links) >= 26
    for figure in (
        "ablations/samples.png",
        "ablations/curves.png",
        "guidance_sweep/class_distribution.png",
        "one_step/one_step_vs_gradual.png",
        "wrong_timestep/error_by_told_timestep.png",
        "class_difficulty/difficulty_vs_properties.png",
        "augmentation/classification_accuracy_score.png",
    ):
        assert f"figures/{figure}" in links
    missing = [link for link in links if not (repo / "reports" / link).is_file()]
    assert not missing
    assert not re.search(r"\bnan\b", report, re.IGNORECASE)
    shown, outside = intervals_missing_their_value(report)
    assert shown >= 50 and not outside  # every "value [low, high]" contains its value, FID's and KID's too


def test_a_second_repro_runs_nothing(repo):
    result = tiny_pipeline.run(repo, "repro")
    assert result.returncode == 0
    assert "Running stage" not in result.stdout


def test_one_mlflow_run_holds_every_stage_curves_tables_and_report(repo):
    record = json.loads((repo / "reports/mlflow_run.json").read_text())
    client = _client(repo)
    run = client.get_run(record["run_id"])
    assert run.info.status == "FINISHED" and len(_runs(repo)) == 1
    assert f"MLflow run `{run.info.run_name}`" in (repo / "reports/assessment.md").read_text()
    stages = yaml.safe_load((repo / "dvc.lock").read_text())["stages"]  # foreach stages as run: clip_seed@1
    assert {run.data.tags[stage_tag(name)] for name in stages} == {"finished"}
    assert "train/final_loss" in run.data.metrics and "evaluate/fid" in run.data.metrics
    assert "clip_eval/zero_shot_accuracy" in run.data.metrics
    assert run.data.params["train.max_steps"] == "24"
    assert (
        len(client.get_metric_history(run.info.run_id, "train/loss"))
        == TINY["train.max_steps"] // TINY["train.log_every"]
    )
    assert any(key.startswith("system/") for key in run.data.metrics)
    artifacts = {a.path for a in client.list_artifacts(run.info.run_id)}
    assert {"assessment.md", "figures", "tables", "pipeline"} <= artifacts
    experiment = client.get_experiment(run.info.experiment_id)
    assert experiment.artifact_location == (repo / "mlartifacts").as_uri()


def test_the_registered_model_version_generates(repo, capsys):
    import mlflow

    from fashion_diffusion.evaluation.reference import judge_samples
    from fashion_diffusion.scoring.judge.inference import load_judge

    record = json.loads((repo / "reports/mlflow_run.json").read_text())
    assert record["model_uri"] == f"models:/{REGISTERED_MODEL}/1"
    mlflow.set_tracking_uri(f"sqlite:///{repo / 'mlflow.db'}")
    model = mlflow.pyfunc.load_model(record["model_uri"])
    names = model.unwrap_python_model().generator.class_names
    images = model.predict(pd.DataFrame({"class": names, "count": 10, "seed": 0}))
    assert images.shape == (100, 28, 28) and images.dtype == np.uint8 and 0 < images.mean() < 255
    judged = judge_samples(load_judge(repo / "models/judge.pt"), images, np.repeat(np.arange(len(names)), 10))
    with capsys.disabled():
        print(f"\njudge accuracy on 100 images from {record['model_uri']} (tiny pipeline): {judged.correct.mean():.0%}")


def test_two_queued_experiments_run_in_parallel_into_one_store(repo, capsys):
    """`dvc queue start -j 2`: both experiments land in `dvc exp show` and as separate MLflow runs in the
    one SQLite store, without "database is locked" and without a lost run."""
    subprocess.run(["git", "add", "-A"], cwd=repo, env=tiny_pipeline.git_env(), check=True)
    subprocess.run(["git", "commit", "-qm", "tiny outputs"], cwd=repo, env=tiny_pipeline.git_env(), check=True)
    names = {"queued-seed-1": "sample.seed=1", "queued-seed-2": "sample.seed=2"}
    for name, override in names.items():
        queued = tiny_pipeline.run(repo, "exp", "run", "--queue", "-S", override, "--name", name)
        assert queued.returncode == 0, queued.stderr
    began = time.monotonic()
    assert tiny_pipeline.run(repo, "queue", "start", "-j", "2").returncode == 0
    while set(names) - set(_experiments(repo)) or _queue_busy(repo):
        assert time.monotonic() - began < QUEUE_TIMEOUT_SECONDS, tiny_pipeline.run(repo, "queue", "status").stdout
        time.sleep(5)
    seconds = time.monotonic() - began
    # Wait for the idle workers to exit: a task queued while one shuts down can be lost (lab-dvc notes).
    while "0 active, 0 idle" not in tiny_pipeline.run(repo, "queue", "status").stdout:
        assert time.monotonic() - began < QUEUE_TIMEOUT_SECONDS
        time.sleep(3)
    with capsys.disabled():
        print(f"\ntwo queued experiments with -j 2: {seconds:.0f} s")
    experiments = _experiments(repo)
    for name in names:
        assert experiments[name]["revs"][0]["data"]["metrics"]["reports/headline/samples.json"]["data"]["fid"] > 0
        logs = tiny_pipeline.run(repo, "queue", "logs", name)
        assert "database is locked" not in logs.stdout + logs.stderr
    runs = _runs(repo)
    assert set(names) <= set(runs) and {runs[name].info.status for name in names} == {"FINISHED"}
    assert (
        runs["queued-seed-1"].data.params["sample.seed"] == "1"
        and runs["queued-seed-2"].data.params["sample.seed"] == "2"
    )
    versions = {str(v.version) for v in _client(repo).search_model_versions(f"name='{REGISTERED_MODEL}'")}
    assert versions == {"1", "2", "3"}  # the workspace execution's and one per queued experiment


def _queue_busy(repo) -> bool:
    status = tiny_pipeline.run(repo, "queue", "status").stdout
    return bool(re.search(r"\b(Running|Queued)\b", status))


def test_experiments_are_listed_by_dvc_and_mlflow(repo):
    for name, override in (("fewer-steps", "train.max_steps=16"), ("large-arch", "model.arch=large")):
        result = tiny_pipeline.run(repo, "exp", "run", "-S", override, "--name", name)
        assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    experiments = _experiments(repo)
    for name in ("fewer-steps", "large-arch"):
        metrics = experiments[name]["revs"][0]["data"]["metrics"]
        assert metrics["reports/headline/samples.json"]["data"]["fid"] > 0
        assert metrics["reports/headline/training.json"]["data"]["final_loss"] > 0
    runs = _runs(repo)
    assert {"fewer-steps", "large-arch"} <= set(runs)
    history = _client(repo).get_metric_history(runs["fewer-steps"].info.run_id, "train/loss")
    assert [m.step for m in history] == list(range(2, 17, 2))


def test_compare_writes_a_table_and_a_plot_of_the_experiments(repo):
    result = subprocess.run(
        [sys.executable, "-m", "fashion_diffusion.cli", "compare"],
        cwd=repo,
        env=tiny_pipeline.git_env(),
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    report = (repo / "reports/experiments.md").read_text()
    for name in ("fewer-steps", "large-arch", "queued-seed-1", "queued-seed-2"):
        assert f"| {name} |" in report
    header = next(line for line in report.splitlines() if line.startswith("| experiment |"))
    for column in ("train.max_steps", "model.arch", "sample.seed", "FID (judge features)", "judge accuracy"):
        assert f" {column} |" in header
    assert (repo / "reports/experiments.png").stat().st_size > 5000


def test_every_ablation_variant_trained_at_the_equal_budget(repo):
    study = read_result(repo / "reports/metrics/ablations.json", AblationStudy)
    assert set(study.variants) == {
        "reference",
        "no_skip_connections",
        "plain_cnn",
        "no_time_embedding",
        "large",
        "clip_alignment",
    }
    for name, training in study.variants.items():
        # steps = round(budget / (FLOPs per image x batch)): the compute spent is the budget, within one step
        step_gflop = training.gflops_per_image * training.batch_size
        for steps, budget in zip(training.steps, study.budgets_gflop):
            assert abs(steps * step_gflop - budget) <= step_gflop
        expected = study.training_seeds if name in study.replicated else study.training_seeds[:1]
        assert training.seeds == expected and len(training.train_seconds) == len(expected)
        for point in study.curve(name):  # one judged point per budget
            j = point.judged
            assert j.fid.low <= j.fid.value <= j.fid.high and 0 <= j.accuracy.value <= 1 and j.seeds == len(expected)
            assert len(point.held_out_mse) == len(study.buckets)
    for c in study.comparisons:
        for comparison in (c.judged.accuracy, c.judged.coverage, c.judged.kid, *c.held_out_mse):
            assert comparison.low <= comparison.value <= comparison.high
            assert comparison.off_scale or comparison.p_holm >= comparison.p
    assert {(c.variant, c.budget_gflop) for c in study.comparisons} == {
        (name, b) for name in study.variants if name != study.reference for b in study.budgets_gflop
    }
