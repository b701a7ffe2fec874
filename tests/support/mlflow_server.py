"""A local `mlflow server` for tests: 127.0.0.1 on a free port, one worker, no job runner (about 6 s to
answer instead of 18 s), stopped with its whole process group (the server forks uvicorn workers). Also the
team server behind a login (`fashion-diffusion team-server`), and any other server process that answers
GET /health or /ping when ready (`running`)."""

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
    with running(command, folder, port, log) as url:
        yield url


@contextmanager
def team_server(folder: Path, admin_password: str) -> Iterator[str]:
    """`fashion-diffusion team-server` (MLflow's basic-auth app) with its data in folder, on 127.0.0.1 and a free
    port that is also its one allowed Host; the admin user is `admin` with admin_password. Yields the base URL."""
    port = free_port()
    command = [sys.executable, "-m", "fashion_diffusion.cli", "team-server", "--folder", str(folder)]
    command += ["--host", "127.0.0.1", "--port", str(port), "--allowed-hosts", f"127.0.0.1:{port}"]
    secrets = {"MLFLOW_FLASK_SERVER_SECRET_KEY": os.urandom(16).hex(), "MLFLOW_AUTH_ADMIN_PASSWORD": admin_password}
    folder.mkdir(parents=True, exist_ok=True)
    with running(command, folder, port, folder.parent / f"{folder.name}.log", secrets) as url:
        yield url


@contextmanager
def running(command: list[str], folder: Path, port: int, log: Path, env: dict | None = None) -> Iterator[str]:
    """`command` started in folder (QUIET and `env` added to the environment, output to log) in a process group of
    its own, until it answers http://127.0.0.1:<port>/health or /ping; yields that base URL and stops the group."""
    with open(log, "wb") as output:
        process = subprocess.Popen(
            command,
            cwd=folder,
            env={**os.environ, **QUIET, **(env or {})},
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(url, process, log)
        yield url
    finally:
        stop(process)


def wait_healthy(url: str, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{process.args[:4]} exited with {process.returncode}:\n{log.read_text()[-3000:]}")
        for path in ("/health", "/ping"):  # a tracking server's, a model server's
            try:
                with urllib.request.urlopen(url + path, timeout=2) as response:
                    if response.status == 200:
                        return
            except OSError:
                pass
        time.sleep(0.25)
    raise RuntimeError(f"{process.args[:4]} not answering after {START_SECONDS} s:\n{log.read_text()[-3000:]}")


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
