"""Stage scripts as real processes in a scratch folder: run one to its end, or stop one at a known
point so that a test can kill it there (`pause_stage`).

The folder plays the repository root: it holds params.yaml and the stage inputs, and the stage
writes its outputs there. The code (stages/, src/) stays in this checkout.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PAUSED = ".paused"  # written by pause_stage when the stage reaches the requested point


def stage_env() -> dict:
    """This checkout's library first on the path, no tracking server, no DVC experiment context."""
    env = {k: v for k, v in os.environ.items() if k not in ("MLFLOW_TRACKING_URI", "DVC_ROOT", "DVC_EXP_NAME")}
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT / "src"), str(ROOT)])
    return env


def run_stage(folder: Path, name: str, timeout: float = 600) -> subprocess.CompletedProcess:
    """`python stages/<name>.py` with `folder` as the working directory, output captured."""
    return subprocess.run(
        [sys.executable, str(ROOT / "stages" / f"{name}.py")],
        cwd=folder,
        env=stage_env(),
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def start_paused(folder: Path, name: str, point: str) -> subprocess.Popen:
    """Start the stage so that it stops at `point` (see pause_stage.POINTS) and waits to be killed."""
    (folder / PAUSED).unlink(missing_ok=True)
    return subprocess.Popen(
        [sys.executable, "-m", "tests.support.pause_stage", point, str(ROOT / "stages" / f"{name}.py")],
        cwd=folder,
        env=stage_env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )


def wait_until_paused(folder: Path, process: subprocess.Popen, timeout: float = 600) -> None:
    """Block until the stage has reached its pause point; fail if it ends or takes too long."""
    deadline = time.monotonic() + timeout
    while not (folder / PAUSED).exists():
        if process.poll() is not None:
            raise AssertionError(
                f"stage ended (status {process.returncode}) before its pause point: {process.stderr.read()[-2000:]}"
            )
        if time.monotonic() > deadline:
            process.kill()
            raise AssertionError("stage did not reach its pause point in time")
        time.sleep(0.05)
