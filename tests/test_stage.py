import json
from pathlib import Path

import numpy as np
import pytest

from fashion_diffusion.core.artifacts import read_json, write_json


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


# --- a write the system refuses: one line naming the output, status 1, earlier outputs kept ------

STAGE_SCRIPT = """
import sys
import numpy as np
from fashion_diffusion import stage

def main():
    size = int(sys.argv[1])
    with stage.Outputs("demo", ["out/small.txt", "out/big.bin", "figs"]) as out:
        out("out/small.txt").write_text(f"small {size}")
        if sys.argv[2] == "file":
            out("out/big.bin").write_bytes(b"x" * size)
            np.savez(out("figs") / "arrays.npz", a=np.zeros(2))
        else:
            out("out/big.bin").write_bytes(b"x" * 10)
            np.savez(out("figs") / "arrays.npz", a=np.zeros(size))

stage.run(main)
"""
FILE_LIMIT = 64 * 1024


def _limit_file_size():
    import resource
    import signal

    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails with EFBIG, not a signal
    resource.setrlimit(resource.RLIMIT_FSIZE, (FILE_LIMIT, FILE_LIMIT))


def _run_demo(folder, size, where, limited):
    import subprocess
    import sys

    from tests.support.stage_process import stage_env

    env = {**stage_env(), "PYTHONDONTWRITEBYTECODE": "1"}
    return subprocess.run(
        [sys.executable, str(folder / "demo.py"), str(size), where],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        preexec_fn=_limit_file_size if limited else None,
    )


def _run_demo_here(folder, size, where, monkeypatch):
    """The demo stage run to its end in this process, as `_run_demo` would, without a process start:
    what writes the earlier outputs. Tracking stays off (no DVC stage, no MLFLOW_TRACKING_URI)."""
    import runpy
    import sys

    monkeypatch.chdir(folder)
    monkeypatch.setattr(sys, "argv", [str(folder / "demo.py"), str(size), where])
    for name in ("MLFLOW_TRACKING_URI", "DVC_STAGE", "DVC_ROOT", "DVC_EXP_NAME"):
        monkeypatch.delenv(name, raising=False)
    runpy.run_path(str(folder / "demo.py"), run_name="__main__")


@pytest.mark.parametrize("where, named", [("file", "out/big.bin"), ("folder", "figs/arrays.npz")])
def test_a_refused_write_is_one_line_naming_the_output_and_keeps_the_earlier_outputs(
    tmp_path, monkeypatch, where, named
):
    from tests.support.hostile import file_hashes

    (tmp_path / "demo.py").write_text(STAGE_SCRIPT)
    _run_demo_here(tmp_path, 100, where, monkeypatch)
    assert (tmp_path / "out/small.txt").read_text() == "small 100"
    before = file_hashes(tmp_path)

    result = _run_demo(tmp_path, 4 * FILE_LIMIT, where, limited=True)
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [f"error: cannot write {named}: File too large"], result.stderr[-3000:]
    assert file_hashes(tmp_path) == before  # both earlier outputs as they were, nothing staged left
    assert not (tmp_path / ".staging/demo").exists()


def test_a_refused_commit_puts_back_what_it_had_moved(tmp_path, monkeypatch):
    import errno

    from fashion_diffusion import stage

    monkeypatch.chdir(tmp_path)
    for name in ("a.txt", "b.txt"):
        (tmp_path / name).write_text(f"old {name}")
    real_replace = stage.os.replace

    def replace(source, dest):
        if Path(source) == Path(".staging/demo/b.txt"):
            raise PermissionError(errno.EACCES, "Permission denied", str(source))
        real_replace(source, dest)

    monkeypatch.setattr(stage.os, "replace", replace)
    with pytest.raises(stage.WriteError, match=r"^cannot write b.txt: Permission denied$"):
        with stage.Outputs("demo", ["a.txt", "b.txt"]) as out:
            out("a.txt").write_text("new a")
            out("b.txt").write_text("new b")
    assert sorted(p.name for p in tmp_path.iterdir() if p.is_file()) == ["a.txt", "b.txt"]
    assert [(tmp_path / n).read_text() for n in ("a.txt", "b.txt")] == ["old a.txt", "old b.txt"]
    assert not (tmp_path / ".staging/demo").exists()


def test_an_os_error_that_is_not_a_refused_write_stays_a_bug(tmp_path, monkeypatch):
    from fashion_diffusion import stage

    monkeypatch.chdir(tmp_path)
    with pytest.raises(FileNotFoundError):
        with stage.Outputs("demo", ["a.txt"]) as out:
            out("a.txt").write_text("a")
            (tmp_path / "no-such-input.txt").read_text()  # reading an input: not a write of an output
    assert not (tmp_path / "a.txt").exists()
