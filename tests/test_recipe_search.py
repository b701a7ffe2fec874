"""The recipe search (studies.recipe_search): rows trained at equal compute on the tiny pipeline's data
and judge, `from` rows that only re-sample, and results that re-run only what changed."""

from __future__ import annotations

import json
import shutil

import pytest
import yaml

from fashion_diffusion.config.loading import ParamsError
from fashion_diffusion.studies.recipe_search import load_search, row_params, run_search, worst_class

KEPT = ["params.yaml", "data/prepared", "models/judge.pt", "models/judge_metrics.json"]
NEW_ARCH = {
    "kind": "unet",
    "block": "residual",
    "channels": [8, 8],
    "blocks_per_level": 1,
    "attention_levels": [1],
    "skip_connections": True,
    "time_embedding": True,
}


def _search(rows: list[dict]) -> dict:
    return {"budget_gflop": 1.0, "warmup_gflop": 0.2, "per_class": 2, "seed": 5, "rows": rows}


@pytest.fixture(scope="module")
def workspace(served_pipeline, tmp_path_factory):
    """The tiny pipeline's params, prepared data and judge: what the search reads."""
    folder = tmp_path_factory.mktemp("search")
    for name in KEPT:
        source, dest = served_pipeline.repo / name, folder / name
        dest.parent.mkdir(parents=True, exist_ok=True)
        (shutil.copytree if source.is_dir() else shutil.copy2)(source, dest)
    return folder


def _run(folder, rows, monkeypatch, only=()):
    monkeypatch.chdir(folder)
    (folder / "search.yaml").write_text(yaml.safe_dump(_search(rows)))
    return run_search(
        folder / "search.yaml",
        folder / "results.json",
        folder / "params.yaml",
        folder / "models/judge_metrics.json",
        folder / "weights",
        list(only),
    )


@pytest.mark.slow  # the session's served pipeline
def test_rows_train_at_equal_compute_and_from_rows_only_resample(workspace, monkeypatch, capsys):
    rows = [
        {"name": "default", "set": {}},
        {"name": "bigger", "set": {"model.arch": "new", "model.archs.new": NEW_ARCH, "train.batch_size": 16}},
        {"name": "default_ddim", "from": "default", "set": {"sample.sampler": "ddim", "sample.steps": 5}},
    ]
    results = _run(workspace, rows, monkeypatch)
    assert list(results) == ["default", "bigger", "default_ddim"]
    default, bigger, resampled = (results[n] for n in results)
    # equal compute: the step counts differ, the forward GFLOPs spent agree within one step's worth
    for r in (default, bigger):
        step_gflop = r["training"]["gflops_per_image"] * r["training"]["batch_size"]
        assert abs(r["train_gflop"] - 1.0) <= step_gflop / 2 + 1e-9
    assert (
        bigger["training"]["batch_size"] == 16 and bigger["training"]["parameters"] != default["training"]["parameters"]
    )
    assert (workspace / "weights" / "bigger" / "gflop_1.pt").is_file()
    # the from row: the same training record and weights, its own samples
    assert resampled["training"] == default["training"] and resampled["steps"] == default["steps"]
    assert resampled["fid"] != default["fid"]
    for r in results.values():
        assert r["samples"] == 20 and 0 <= r["accuracy"] <= 1 and r["fid"] > 0 and r["fid_low"] <= r["fid_high"]
        assert set(r["per_class_accuracy"]) == set(
            json.loads((workspace / "models/judge_metrics.json").read_text())["per_class_test_accuracy"]
        )

    # a second run changes nothing; a changed row re-runs alone (and its `from` row does not)
    capsys.readouterr()
    before = json.loads((workspace / "results.json").read_text())
    _run(workspace, rows, monkeypatch)
    assert json.loads((workspace / "results.json").read_text()) == before
    rows[1]["set"]["train.batch_size"] = 8
    after = _run(workspace, rows, monkeypatch)
    out = capsys.readouterr().out
    assert "row bigger:" in out and "row default:" not in out and "row default_ddim:" not in out
    assert after["bigger"]["training"]["batch_size"] == 8 and after["default"] == before["default"]


def test_a_row_naming_a_key_params_yaml_lacks_fails_before_training(tmp_path):
    base = {"train": {"lr": 0.1}, "model": {"archs": {}}}
    with pytest.raises(ParamsError, match="recipe search row: unknown key train.lrr"):
        row_params(base, {"train.lrr": 0.2})


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ([{"name": "a"}, {"name": "a"}], "every row needs a name of its own"),
        ([{"name": "a", "sets": {}}], "unknown keys"),
        ([{"name": "b", "from": "a"}], "names no earlier training row"),
        ([{"name": "a"}, {"name": "b", "from": "a", "set": {"train.lr": 1}}], "changes only sample"),
    ],
)
def test_a_bad_search_file_is_one_clear_error(tmp_path, rows, message):
    path = tmp_path / "search.yaml"
    path.write_text(yaml.safe_dump(_search(rows)))
    with pytest.raises(ParamsError, match=message):
        load_search(path)


def test_worst_class_and_largest_gap_to_real_accuracy():
    real = {"shirt": 0.74, "bag": 0.99, "coat": 0.90}
    found = worst_class([0.70, 0.90, 0.88], real)
    assert found["worst_class"] == "shirt" and found["worst_class_accuracy"] == 0.70
    assert found["largest_gap_class"] == "bag" and found["largest_gap"] == pytest.approx(0.09)


@pytest.mark.slow  # the session's served pipeline
def test_the_long_profile_judges_the_run_after_every_epoch(workspace, monkeypatch):
    from fashion_diffusion.studies.recipe_search import run_profile

    monkeypatch.chdir(workspace)
    (workspace / "profile.yaml").write_text(
        yaml.safe_dump({"set": {"train.batch_size": 64}, "epochs": 2, "per_class": 2, "seed": 3})
    )
    results = run_profile(
        workspace / "profile.yaml",
        workspace / "profile.json",
        workspace / "params.yaml",
        workspace / "models/judge_metrics.json",
        workspace / "profile_weights",
    )
    first, second = results["epochs"]
    assert (first["epoch"], second["epoch"]) == (1, 2) and second["steps"] == 2 * first["steps"]
    assert second["images_seen"] == 2 * first["images_seen"] and results["training"]["batch_size"] == 64
    assert all(e["samples"] == 20 and e["fid"] > 0 for e in results["epochs"])
    assert json.loads((workspace / "profile.json").read_text())["epochs"][1]["fid"] == second["fid"]
