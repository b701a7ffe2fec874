"""What is committed under reports/ reads the same on every machine: no absolute path of the machine that
ran the pipeline (a home or temporary folder, a SQLite file by its absolute path), in any git-tracked file,
text or binary (a figure's metadata could hold one too)."""

import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
MACHINE_PATH = re.compile(
    rb"sqlite:////|file:///|(?<![\w.:/-])/(?:root|home|Users|tmp|var|private|work|mnt|opt|srv|scratch)/"
)


def tracked_report_files() -> list[str]:
    result = subprocess.run(["git", "ls-files", "reports"], cwd=ROOT, capture_output=True, text=True)
    if result.returncode != 0:
        pytest.skip("not a git checkout")
    return result.stdout.split()


def test_the_pattern_finds_what_a_run_record_held():
    assert MACHINE_PATH.search(b'"tracking_uri": "sqlite:////tmp/fresh/mlflow.db"')
    assert MACHINE_PATH.search(b"written in /home/ana/fashion-diffusion/reports")
    assert not MACHINE_PATH.search(b'"tracking_uri": "sqlite:///mlflow.db", see https://mlflow.org/docs/latest/')


def test_no_committed_report_file_holds_a_machine_path():
    files = tracked_report_files()
    assert "reports/mlflow_run.json" in files
    found = {}
    for name in files:
        match = MACHINE_PATH.search((ROOT / name).read_bytes())
        if match:
            found[name] = match.group().decode(errors="replace")
    assert not found, f"absolute paths in committed reports: {found}"
