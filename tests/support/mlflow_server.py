"""A local `mlflow server` for tests: 127.0.0.1 on a free port, one worker, no job runner (about 6 s to
answer instead of 18 s), stopped with its whole process group (the server forks uvicorn workers)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

QUIET = {"MLFLOW_DISABLE_TELEMETRY": "true", "DO_NOT_TRACK": "true", "MLFLOW_SERVER_ENABLE_JOB_EXECUTION": "false"}
START_SECONDS = 120  # about 6 s alone, 25 s seen on a loaded machine


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def mlflow_server(folder: Path, backend_uri: str | None = None) -> Iterator[str]:
    """Serve `backend_uri` (default: a new SQLite store in folder, with the artifact root folder/artifacts
    served through the server); yields the base URL."""
    folder.mkdir(parents=True, exist_ok=True)
    backend = backend_uri or f"sqlite:///{folder / 'mlflow.db'}"
    port, log = free_port(), folder / "server.log"
    command = [
        str(Path(sys.executable).with_name("mlflow")),
        "server",
        "--backend-store-uri",
        backend,
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        "1",
    ]
    if backend_uri is None:
        command += ["--artifacts-destination", str(folder / "artifacts"), "--serve-artifacts"]
    with open(log, "wb") as output:
        process = subprocess.Popen(
            command,
            cwd=folder,
            env={**os.environ, **QUIET},
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(url, process, log)
        yield url
    finally:
        stop(process)


def _wait_healthy(url: str, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"mlflow server exited with {process.returncode}:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(f"{url}/health", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.25)
    raise RuntimeError(f"mlflow server not healthy after {START_SECONDS} s:\n{log.read_text()[-3000:]}")


def stop(process: subprocess.Popen) -> None:
    """SIGTERM to the process group, SIGKILL after 15 s, until the group is gone."""
    for sig, seconds in ((signal.SIGTERM, 15), (signal.SIGKILL, 5)):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            break
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline and _group_alive(process):
            time.sleep(0.1)
        if not _group_alive(process):
            break
    process.wait(timeout=5)


def _group_alive(process: subprocess.Popen) -> bool:
    process.poll()  # reap the leader so that it does not linger as a zombie
    try:
        os.killpg(process.pid, 0)
    except ProcessLookupError:
        return False
    return True
