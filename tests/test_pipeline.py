"""End to end: the real `dvc repro` and `dvc exp run` on tiny params in a temporary copy (minutes)."""
import json
import re

import pytest

from tests.support import tiny_pipeline

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def repo(tmp_path_factory):
    path = tiny_pipeline.make_copy(tmp_path_factory.mktemp("pipeline") / "repo")
    result = tiny_pipeline.run(path, "repro")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return path


def _client(repo):
    import mlflow

    return mlflow.MlflowClient(tracking_uri=f"sqlite:///{repo / 'mlflow.db'}")


def test_report_exists_and_every_figure_it_links_exists(repo):
    report = (repo / "reports/assessment.md").read_text()
    for heading in ("## 1. Understanding diffusion", "## 4. CLIP evaluation", "## 5. Independent judge",
                    "## 6. Style conditioning"):
        assert heading in report
    links = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", report)
    assert len(links) >= 15
    missing = [link for link in links if not (repo / "reports" / link).is_file()]
    assert not missing
    assert not re.search(r"\bnan\b", report, re.IGNORECASE)


def test_a_second_repro_runs_nothing(repo):
    result = tiny_pipeline.run(repo, "repro")
    assert result.returncode == 0
    assert "Running stage" not in result.stdout


def test_one_mlflow_run_holds_curve_metrics_and_report(repo):
    run_info = json.loads((repo / "reports/mlflow_run.json").read_text())
    client = _client(repo)
    run = client.get_run(run_info["run_id"])
    assert "train_metrics.final_loss" in run.data.metrics
    assert "evaluate.fid" in run.data.metrics and "clip.scorer_zero_shot_accuracy" in run.data.metrics
    assert run.data.params["train.max_steps"] == "24"
    assert len(client.get_metric_history(run.info.run_id, "train_loss")) >= 5
    artifacts = {a.path for a in client.list_artifacts(run.info.run_id)}
    assert {"assessment.md", "figures"} <= artifacts


def test_experiments_are_listed_by_dvc_and_mlflow(repo):
    for name, override in (("fewer-steps", "train.max_steps=16"), ("large-arch", "model.arch=large")):
        result = tiny_pipeline.run(repo, "exp", "run", "-S", override, "--name", name)
        assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    shown = tiny_pipeline.run(repo, "exp", "show", "--json")
    assert shown.returncode == 0
    experiments = {exp["name"]: exp for baseline in json.loads(shown.stdout) for exp in baseline.get("experiments") or []}
    assert {"fewer-steps", "large-arch"} <= set(experiments)
    for name in ("fewer-steps", "large-arch"):
        metrics = experiments[name]["revs"][0]["data"]["metrics"]
        assert metrics["reports/metrics/evaluate.json"]["data"]["fid"] > 0
        assert metrics["models/train_metrics.json"]["data"]["final_loss"] > 0
    client = _client(repo)
    runs = client.search_runs([client.get_experiment_by_name("fashion-diffusion").experiment_id])
    assert len(runs) == 3 and {"fewer-steps", "large-arch"} <= {r.info.run_name for r in runs}
