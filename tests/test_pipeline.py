"""End to end: the real `dvc repro` and `dvc exp run` on tiny params in a temporary copy (minutes)."""
import json
import re

import pytest

from tests.support import tiny_pipeline
from tests.support.report_fixtures import SEED_SECTIONS

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
    positions = [report.index(heading) for heading in SEED_SECTIONS]  # every seed question, in the seed's order
    assert positions == sorted(positions)
    links = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", report)
    assert len(links) >= 27
    for figure in ("ablations/samples.png", "guidance_sweep/class_distribution.png", "one_step/one_step_vs_gradual.png",
                   "wrong_timestep/error_by_told_timestep.png", "class_difficulty/difficulty_vs_properties.png",
                   "augmentation/classification_accuracy_score.png"):
        assert f"figures/{figure}" in links
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


def test_every_ablation_variant_trained_at_the_equal_budget(repo):
    summary = json.loads((repo / "reports/metrics/ablations.json").read_text())
    variants = summary["variants"]
    assert set(variants) == {"reference", "no_skip_connections", "plain_cnn", "no_time_embedding", "large",
                             "clip_alignment"}
    for name, row in variants.items():
        # steps = round(budget / (FLOPs per image x batch)): the compute spent is the budget, to within one step
        assert abs(row["train_gflop"] - summary["train_gflop"]) <= row["gflops_per_image"] * row["batch_size"]
        assert row["fid_low"] <= row["fid_high"] and 0 <= row["accuracy"] <= 1
        if name != summary["reference"]:
            assert row["fid_difference_low"] <= row["fid_difference_high"]
