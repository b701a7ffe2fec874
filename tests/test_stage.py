import json

import numpy as np

from fashion_diffusion.artifacts import read_json, write_json


def test_write_json_turns_non_finite_numbers_into_null(tmp_path):
    path = tmp_path / "m.json"
    write_json(path, {"a": float("nan"), "b": [np.float32(1.5), np.inf], "c": {"d": np.int64(3)}})
    assert json.loads(path.read_text()) == {"a": None, "b": [1.5, None], "c": {"d": 3}}
    assert read_json(path)["c"]["d"] == 3


def test_outputs_appear_together_only_when_the_stage_succeeds(tmp_path, monkeypatch):
    import pytest

    from fashion_diffusion import stage

    monkeypatch.chdir(tmp_path)
    (tmp_path / "out").mkdir()
    (tmp_path / "out/a.txt").write_text("old a")
    (tmp_path / "figs").mkdir()
    (tmp_path / "figs/old.png").write_text("old figure")

    with pytest.raises(RuntimeError, match="boom"):
        with stage.Outputs("demo", ["out/a.txt", "figs"]) as out:
            out("out/a.txt").write_text("new a")
            raise RuntimeError("boom")
    assert (tmp_path / "out/a.txt").read_text() == "old a"
    assert sorted(p.name for p in (tmp_path / "figs").iterdir()) == ["old.png"]

    with stage.Outputs("demo", ["out/a.txt", "figs"]) as out:
        out("out/a.txt").write_text("new a")
        (out("figs") / "new.png").write_text("new figure")
    assert (tmp_path / "out/a.txt").read_text() == "new a"
    assert sorted(p.name for p in (tmp_path / "figs").iterdir()) == ["new.png"]  # the folder is replaced whole
    assert not (tmp_path / ".staging/demo").exists()


def test_undeclared_or_missing_outputs_are_bugs(tmp_path, monkeypatch):
    import pytest

    from fashion_diffusion import stage

    monkeypatch.chdir(tmp_path)
    with pytest.raises(ValueError, match="does not declare"):
        with stage.Outputs("demo", ["a.txt"]) as out:
            out("b.txt")
    with pytest.raises(RuntimeError, match="did not write b.txt"):
        with stage.Outputs("demo", ["a.txt", "b.txt"]) as out:
            out("a.txt").write_text("a")
    assert not (tmp_path / "a.txt").exists()
