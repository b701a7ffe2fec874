"""Whether the tracking store answers and takes this process's login, decided within seconds, and
MLflow's HTTP calls kept short.

Against a dead server MLflow's client retries with exponential backoff (minutes before its first
error), so stages check the store themselves first: `GET <uri>/health` for a server, the folder of a
SQLite file, a TCP connection for any other database. A server behind a login (`make team-server`)
then gets one request with the login MLflow's client would send (MLFLOW_TRACKING_USERNAME and
MLFLOW_TRACKING_PASSWORD, or MLFLOW_TRACKING_TOKEN). The checks never import MLflow.
"""

from __future__ import annotations

import base64
import os
import socket
import sqlite3
import urllib.error
import urllib.request
from contextlib import closing
from dataclasses import dataclass
from urllib.parse import urlparse

from .store import EXPERIMENT, sqlite_path

CHECK_SECONDS = 3.0
# MLflow's own defaults are 7 retries with backoff factor 2 and a 120 s timeout per request (measured: about
# 4 minutes before a refused connection fails, about 20 for a hung server); a user's own setting wins.
HTTP_LIMITS = {
    "MLFLOW_HTTP_REQUEST_MAX_RETRIES": "2",
    "MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR": "1",
    "MLFLOW_HTTP_REQUEST_TIMEOUT": "30",
}
LOGIN_VARIABLES = "MLFLOW_TRACKING_USERNAME and MLFLOW_TRACKING_PASSWORD"
LOGIN_CODES = ("UNAUTHENTICATED", "PERMISSION_DENIED")  # MLflow's error codes for HTTP 401 and 403
# Any logged-in user may list experiments (the answer holds only those the user may read); 401 without a login.
LOGIN_CHECK = "/api/2.0/mlflow/experiments/search?max_results=1"
REFUSED_HOST = "Invalid Host header"  # the start of the 403 of MLflow's security middleware


@dataclass(frozen=True)
class Problem:
    """Why the store cannot be used: `what` happened (a few words, fit for a committed file: no path, no
    user), the `detail`, and what to do about it."""

    what: str
    detail: str
    advice: str = ""

    def line(self, uri: str) -> str:
        """`MLflow at <uri> <what> (<detail>)[: <advice>]`, one line."""
        return f"MLflow at {uri} {self.what} ({self.detail})" + (f": {self.advice}" if self.advice else "")


def store_problem(uri: str, seconds: float = CHECK_SECONDS) -> Problem | None:
    """None when the store at `uri` answers and takes this process's login, else what is wrong."""
    reason = unreachable_reason(uri, seconds)
    if reason:
        return Problem("unreachable", reason)
    if urlparse(uri).scheme in ("http", "https"):
        return _login_problem(uri.rstrip("/") + LOGIN_CHECK, seconds)
    return None


def refused(code: str, environ=os.environ) -> Problem:
    """MLflow's error code UNAUTHENTICATED (HTTP 401) or PERMISSION_DENIED (HTTP 403) as a Problem that
    names the variables to set."""
    user = environ.get("MLFLOW_TRACKING_USERNAME")
    if code == "PERMISSION_DENIED":
        return Problem(
            "refused the request",
            f"HTTP 403 for user {user!r}: permission denied",
            f"ask its admin for EDIT on the experiment and the registered model {EXPERIMENT!r}, "
            f"or set {LOGIN_VARIABLES} to a user who has it",
        )
    if user or environ.get("MLFLOW_TRACKING_TOKEN"):
        who = f"user {user!r}" if user else "MLFLOW_TRACKING_TOKEN"
        return Problem("refused the login", f"HTTP 401 for {who}", f"set {LOGIN_VARIABLES} to a login of that server")
    return Problem("asks for a login", "HTTP 401", f"set {LOGIN_VARIABLES}")


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


def _login_problem(url: str, seconds: float) -> Problem | None:
    request = urllib.request.Request(url, headers=_login_headers(os.environ))
    try:
        with urllib.request.urlopen(request, timeout=seconds):
            return None
    except urllib.error.HTTPError as error:
        if error.code == 401:
            return refused("UNAUTHENTICATED")
        if error.code == 403 and error.read(200).decode("utf-8", "replace").startswith(REFUSED_HOST):
            return Problem(
                "refused the Host header", f"HTTP 403 for {urlparse(url).netloc!r}", "its --allowed-hosts must name it"
            )
        return None  # anything else is for MLflow's own calls to report
    except (urllib.error.URLError, OSError) as error:
        return Problem("unreachable", f"no answer within {seconds:g} s ({getattr(error, 'reason', error)})")


def _login_headers(environ) -> dict[str, str]:
    """The Authorization header MLflow's client sends: basic auth from the username and password, else a
    bearer token."""
    user, password = environ.get("MLFLOW_TRACKING_USERNAME"), environ.get("MLFLOW_TRACKING_PASSWORD")
    if user and password:
        return {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}
    if environ.get("MLFLOW_TRACKING_TOKEN"):
        return {"Authorization": f"Bearer {environ['MLFLOW_TRACKING_TOKEN']}"}
    return {}


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
