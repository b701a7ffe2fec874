"""Where runs go: the tracking URI, the experiment they belong to, and SQLite made safe for parallel writers.

The store is `MLFLOW_TRACKING_URI` when set, else the SQLite file `mlflow.db` in the repository root.
Under `dvc exp run --temp/--queue` stages run in a temporary copy, and DVC sets `DVC_ROOT` to the
user's repository, so the root (and with it the store and the artifacts) is found through it.

Parallel writers (`dvc queue start -j 2`): the store and the experiment are created once, under a
file lock, with SQLite in WAL mode (readers no longer block the writer; the mode persists in the
file); MLflow's own 20 s busy timeout then covers most contention and `retrying` the rest.
"""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Callable
from contextlib import closing
from pathlib import Path
from typing import TypeVar
from urllib.parse import urlparse, urlunparse

EXPERIMENT = "fashion-diffusion"
EXPERIMENT_TAGS = {"mlflow.experimentKind": "custom_model_development"}  # MLflow's model-training view
LOCKED_ATTEMPTS = 5  # tries of one store call that meets "database is locked"
T = TypeVar("T")


def repository_root() -> Path:
    return Path(os.environ.get("DVC_ROOT") or Path.cwd()).resolve()


def tracking_uri() -> str:
    if os.environ.get("MLFLOW_TRACKING_URI"):
        return os.environ["MLFLOW_TRACKING_URI"]
    return f"sqlite:///{repository_root() / 'mlflow.db'}"


def shareable_uri(uri: str, root: Path | None = None) -> str:
    """The tracking URI as a committed file may hold it: no path of this machine, no credentials.
    A SQLite file or local folder inside the repository becomes relative to its root
    (`sqlite:///mlflow.db`, which MLflow resolves from the working directory); one outside keeps its name
    only, marked `<outside the repository>`; a server URI loses its user and password."""
    root = (root or repository_root()).resolve()
    parsed = urlparse(uri)
    if parsed.scheme in ("sqlite", "file") or not parsed.scheme:
        local = sqlite_path(uri) or Path(parsed.path if parsed.scheme else uri)
        if not local.is_absolute():
            return uri
        prefix = "sqlite:///" if parsed.scheme == "sqlite" else ""  # a plain path is a local file store
        try:
            return prefix + local.resolve().relative_to(root).as_posix()
        except ValueError:
            return f"{prefix}<outside the repository>/{local.name}"
    if parsed.username or parsed.password:
        host = parsed.hostname + (f":{parsed.port}" if parsed.port else "")
        return urlunparse(parsed._replace(netloc=host))
    return uri


def sqlite_path(uri: str) -> Path | None:
    """The database file of a `sqlite:///` URI, None for any other store."""
    return Path(uri.removeprefix("sqlite:///")) if uri.startswith("sqlite:///") else None


def prepare_experiment(uri: str) -> str:
    """The experiment's id, creating the store and the experiment first if needed (once, under a lock,
    so that parallel first runs neither race on the schema nor create two experiments)."""
    path = sqlite_path(uri)
    if path is None:
        return _get_or_create_experiment(uri, None)
    from filelock import FileLock

    path.parent.mkdir(parents=True, exist_ok=True)
    with FileLock(str(path) + ".lock", timeout=300):
        _use_wal(path)
        return _get_or_create_experiment(uri, (path.parent / "mlartifacts").as_uri())


def _use_wal(path: Path) -> None:
    with closing(sqlite3.connect(path)) as connection:
        connection.execute("PRAGMA journal_mode=WAL")


def _get_or_create_experiment(uri: str, artifact_location: str | None) -> str:
    """An explicit artifact location keeps a first run under `dvc exp run --temp` from putting every
    later run's artifacts into its temporary copy (MLflow's default is relative to the working directory)."""
    from mlflow import MlflowClient
    from mlflow.exceptions import MlflowException

    client = MlflowClient(tracking_uri=uri)
    experiment = client.get_experiment_by_name(EXPERIMENT)
    if experiment is None:
        try:
            return client.create_experiment(EXPERIMENT, artifact_location=artifact_location, tags=EXPERIMENT_TAGS)
        except MlflowException:  # created meanwhile by a parallel run on a server store
            experiment = client.get_experiment_by_name(EXPERIMENT)
            if experiment is None:
                raise
    if experiment.lifecycle_stage == "deleted":
        client.restore_experiment(experiment.experiment_id)
    for key, value in EXPERIMENT_TAGS.items():
        if experiment.tags.get(key) != value:
            client.set_experiment_tag(experiment.experiment_id, key, value)
    return experiment.experiment_id


def retrying(call: Callable[..., T], *args, **kwargs) -> T:
    """`call(*args, **kwargs)`, tried again with a growing pause while SQLite reports "database is locked"."""
    for attempt in range(LOCKED_ATTEMPTS - 1):
        try:
            return call(*args, **kwargs)
        except Exception as error:  # MlflowException or sqlalchemy's OperationalError, both carry the text
            if "database is locked" not in str(error):
                raise
            time.sleep(0.5 * 2**attempt)
    return call(*args, **kwargs)
