"""The real pipeline on tiny params, in a temporary copy of the repository.

Used by `make smoke` (`python -m tests.support.tiny_pipeline`, a couple of minutes here) and by the
end-to-end test. The copy gets the repository's own dvc.yaml, stages and library sources, and its
params.yaml shrunk by TINY (the real config, made small), so the real code path runs.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

from fashion_diffusion.config.loading import set_dotted

from .tiny import TINY

ROOT = Path(__file__).resolve().parents[2]
COPIED = ["dvc.yaml", "params.yaml", "stages", "src", ".dvcignore", ".gitignore"]


def make_copy(dest: Path, overrides: dict = TINY) -> Path:
    """A git + DVC repository at dest holding the pipeline with shrunk params."""
    dest.mkdir(parents=True, exist_ok=True)
    for name in COPIED:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, dest / name, ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
        else:
            shutil.copy2(source, dest / name)
    params = yaml.safe_load((ROOT / "params.yaml").read_text())
    for dotted, value in overrides.items():
        set_dotted(params, dotted, value)
    (dest / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))
    env = git_env()
    for command in (
        ["git", "init", "-q"],
        ["dvc", "init", "-q"],
        ["dvc", "config", "core.analytics", "false"],
        ["git", "add", "-A"],
        ["git", "commit", "-qm", "tiny pipeline"],
    ):
        subprocess.run(command, cwd=dest, env=env, check=True, capture_output=True)
    return dest


def git_env() -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("MLFLOW_TRACKING_URI", "DVC_ROOT", "DVC_EXP_NAME")}
    # Tiny stages last seconds: sample system metrics every second so the train stage records some.
    env.update(MLFLOW_SYSTEM_METRICS_SAMPLING_INTERVAL="1", MLFLOW_SYSTEM_METRICS_SAMPLES_BEFORE_LOGGING="1")
    env.update(
        GIT_AUTHOR_NAME="smoke",
        GIT_AUTHOR_EMAIL="smoke@localhost",
        GIT_COMMITTER_NAME="smoke",
        GIT_COMMITTER_EMAIL="smoke@localhost",
        DVC_NO_ANALYTICS="1",
    )
    return env


def run(dest: Path, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    """Run a dvc command in the copy (`env` added to the environment); output is captured and returned."""
    return subprocess.run(["dvc", *args], cwd=dest, env={**git_env(), **(env or {})}, capture_output=True, text=True)


def main() -> None:
    dest = Path(tempfile.mkdtemp(prefix="fashion-diffusion-smoke-"))
    began = time.perf_counter()
    make_copy(dest)
    result = run(dest, "repro")
    print(result.stdout[-3000:], result.stderr[-3000:], sep="\n")
    if result.returncode != 0:
        sys.exit(f"smoke run failed in {dest}")
    print(f"tiny pipeline finished in {time.perf_counter() - began:.0f} s; report: {dest / 'reports/assessment.md'}")


if __name__ == "__main__":
    main()
