"""Whether the tracking store answers, decided within seconds, and MLflow's HTTP calls kept short.

Against a dead server MLflow's client retries with exponential backoff (minutes before its first
error), so stages check the store themselves first: `GET <uri>/health` for a server, the folder of a
SQLite file, a TCP connection for any other database. The check never imports MLflow.
"""

from __future__ import annotations

import os
import socket
import sqlite3
import urllib.error
import urllib.request
from contextlib import closing
from urllib.parse import urlparse

from .store import sqlite_path

CHECK_SECONDS = 3.0
# MLflow's own defaults are 7 retries with backoff factor 2 and a 120 s timeout per request (measured: about
# 4 minutes before a refused connection fails, about 20 for a hung server); a user's own setting wins.
HTTP_LIMITS = {
    "MLFLOW_HTTP_REQUEST_MAX_RETRIES": "2",
    "MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR": "1",
    "MLFLOW_HTTP_REQUEST_TIMEOUT": "30",
}


def unreachable_reason(uri: str, seconds: float = CHECK_SECONDS) -> str | None:
    """None when the store at `uri` answers, else a few words saying what failed."""
    parsed = urlparse(uri)
    path = sqlite_path(uri)
    if path is not None:
        return _sqlite_problem(path, seconds)
    if parsed.scheme in ("http", "https"):
        return _health_problem(uri.rstrip("/") + "/health", seconds)
    if parsed.hostname:
        return _tcp_problem(parsed.hostname, parsed.port or 5432, seconds)
    return None  # a local file store or a managed scheme that MLflow resolves itself


def bound_http_calls() -> None:
    """Keep each MLflow HTTP call of this process short (2 quick retries, a 30 s timeout)."""
    for name, value in HTTP_LIMITS.items():
        os.environ.setdefault(name, value)


def _health_problem(url: str, seconds: float) -> str | None:
    try:
        with urllib.request.urlopen(url, timeout=seconds) as response:
            return None if response.status == 200 else f"health check answered HTTP {response.status}"
    except urllib.error.HTTPError as error:
        return f"health check answered HTTP {error.code}"
    except (urllib.error.URLError, OSError) as error:
        return f"no answer within {seconds:g} s ({getattr(error, 'reason', error)})"


def _sqlite_problem(path, seconds: float) -> str | None:
    if not path.parent.is_dir():
        return f"folder {path.parent} does not exist"
    if not os.access(path.parent, os.W_OK):
        return f"folder {path.parent} is not writable"
    if not path.exists():
        return None  # created on first use
    try:
        with closing(sqlite3.connect(path, timeout=seconds)) as connection:
            connection.execute("select count(*) from sqlite_master").fetchone()
    except sqlite3.Error as error:
        return f"cannot read {path} ({error})"
    return None


def _tcp_problem(host: str, port: int, seconds: float) -> str | None:
    try:
        with socket.create_connection((host, port), timeout=seconds):
            return None
    except OSError as error:
        return f"no connection to {host}:{port} within {seconds:g} s ({error})"
