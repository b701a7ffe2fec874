"""Which MLflow run belongs to this pipeline execution.

A pipeline execution is one `dvc repro` / `dvc exp run` process (under `dvc queue`, one
`dvc exp exec-run` per experiment): every stage it runs is a child of it. Its process id and start
time make the execution's key. The first stage that logs creates the run and writes
`{key, run id}` to `.dvc/tmp/mlflow_execution.json` in the stage's working copy; the later stages
of the same execution find the same key there and resume that run. A stage started by hand
(no DVC parent) is an execution of its own.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path

RECORD = Path(".dvc/tmp/mlflow_execution.json")


@dataclass(frozen=True)
class ExecutionRun:
    key: str
    tracking_uri: str
    experiment_id: str
    run_id: str
    run_name: str


def execution_key() -> str:
    """`<pid>-<start time>` of the nearest DVC process above this one, else of this process."""
    import psutil

    process = psutil.Process()
    for ancestor in process.parents():
        try:
            if _is_dvc(ancestor.cmdline()):
                return f"{ancestor.pid}-{ancestor.create_time():.3f}"
        except psutil.Error:
            continue
    return f"{process.pid}-{process.create_time():.3f}"


def _is_dvc(cmdline: list[str]) -> bool:
    """`dvc ...`, `python .../bin/dvc ...` or `python -m dvc ...`."""
    head = cmdline[:3]
    return any(Path(arg).name == "dvc" for arg in head[:2]) or head[1:3] == ["-m", "dvc"]


def recorded_run(key: str, tracking_uri: str, record: Path = RECORD) -> ExecutionRun | None:
    """The run an earlier stage of this execution created in this store, if any."""
    try:
        run = ExecutionRun(**json.loads(record.read_text()))
    except (OSError, ValueError, TypeError):
        return None
    return run if run.key == key and run.tracking_uri == tracking_uri else None


def record_run(run: ExecutionRun, record: Path = RECORD) -> None:
    record.parent.mkdir(parents=True, exist_ok=True)
    tmp = record.with_name(f".{record.name}.tmp-{os.getpid()}")
    tmp.write_text(json.dumps(asdict(run), indent=2) + "\n")
    os.replace(tmp, record)
