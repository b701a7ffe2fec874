"""Sharing artifacts through a DVC remote: the tiny pipeline's outputs pushed to a temporary local
remote, a fresh clone pulls them, `dvc status` is clean, nothing re-runs, and `sample` runs (and
`generate` works) without re-training."""

import hashlib
import json
import subprocess
import sys

import pytest

from tests.support import tiny_pipeline

pytestmark = pytest.mark.slow


def _git(repo, *args):
    subprocess.run(["git", *args], cwd=repo, env=tiny_pipeline.git_env(), check=True, capture_output=True)


def _dvc(repo, *args):
    result = tiny_pipeline.run(repo, *args)
    assert result.returncode == 0, f"dvc {' '.join(args)}:\n{result.stdout[-2000:]}\n{result.stderr[-2000:]}"
    return result


def _md5(path):
    return hashlib.md5(path.read_bytes()).hexdigest()


def test_push_clone_pull_then_sample_without_retraining(served_pipeline, tmp_path):
    origin, remote, clone = served_pipeline.repo, tmp_path / "remote", tmp_path / "elsewhere" / "clone"
    _dvc(origin, "remote", "add", "--local", "-d", "local", str(remote))  # what `make push` does without a remote
    _git(origin, "add", "-A")
    _git(origin, "commit", "-qm", "pipeline outputs")
    _dvc(origin, "push")
    _git(tmp_path, "clone", "-q", str(origin), str(clone))
    _dvc(clone, "remote", "add", "--local", "-d", "local", str(remote))
    _dvc(clone, "pull")
    assert _md5(clone / "models/diffusion.pt") == _md5(origin / "models/diffusion.pt")
    assert json.loads(_dvc(clone, "status", "--json").stdout) == {}
    assert "Running stage" not in _dvc(clone, "repro").stdout

    again = _dvc(clone, "repro", "--force", "--single-item", "sample")
    assert "Running stage 'sample'" in again.stdout and "Running stage 'train'" not in again.stdout
    assert _md5(clone / "data/samples/samples.npz") == _md5(origin / "data/samples/samples.npz")  # deterministic

    generated = subprocess.run(
        [
            sys.executable,
            "-m",
            "fashion_diffusion.cli",
            "generate",
            "--class",
            "sandal",
            "--n",
            "4",
            "--no-progress",
            "--out",
            "sandals.png",
        ],
        cwd=clone,
        capture_output=True,
        text=True,
    )
    assert generated.returncode == 0, generated.stderr
    assert (clone / "sandals.png").is_file()
