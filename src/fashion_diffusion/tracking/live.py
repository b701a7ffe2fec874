"""What a running stage logs: it opens its pipeline execution's run, logs as it goes, and closes it
FINISHED, or FAILED (KILLED on Ctrl-C) with the stage and the error as tags when the stage raises.

Tracking is on for stages that DVC runs (`DVC_STAGE` is set) and whenever `MLFLOW_TRACKING_URI` is
set; off in the extra processes of a torchrun launch (RANK > 0). A store that does not answer the
bounded check or refuses the login, or a call that fails midway, turns tracking off for the rest of
the stage with one line on stderr: the stage's own work never fails because of tracking.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import yaml

from ..core.artifacts import read_json
from . import execution, names, store
from .reachability import LOGIN_CODES, Problem, bound_http_calls, refused, store_problem

SYSTEM_METRICS_STAGES = {"train"}  # long enough for MLflow's 10 s CPU/memory samples to say something
WITHOUT_TRACKING = {  # what a store it cannot use means for a stage, where it means more than no tracking
    "render_report": "report written, run not logged; log it later with `make log-run`"
}


class StageRun:
    """The execution's MLflow run as one stage sees it; every method does nothing while `run` is None.
    `problem` is why it is None, said in one line on stderr when it happened."""

    def __init__(self, stage: str, run: execution.ExecutionRun | None = None, problem: Problem | None = None):
        self.stage, self.run, self.problem = stage, run, problem

    @property
    def active(self) -> bool:
        return self.run is not None

    def log_row(self, row: dict) -> None:
        """A training-log row ({"step": s, "loss": ...}) as `<stage>/<column>` at step s (`train`'s on_log)."""
        step = int(row["step"])
        self.log_metrics(names.stage_metrics(self.stage, {k: v for k, v in row.items() if k != "step"}), step)

    def log_metrics(self, metrics: dict[str, float], step: int | None = None) -> None:
        import mlflow

        self.call(mlflow.log_metrics, metrics, step=step)

    def call(self, function: Callable, *args, **kwargs):
        """function(*args, **kwargs) against the store; None, and tracking off for the rest of the stage,
        when it fails."""
        if self.run is None:
            return None
        result, self.problem = attempt(self.stage, function, *args, **kwargs)
        if result is None:
            self.run = None
        return result


def attempt(stage: str, function: Callable, *args, **kwargs) -> tuple[object, Problem | None]:
    """function(*args, **kwargs), retried while SQLite is locked: (its result (True for a function that
    returns None), None), or, on any other failure, (None, what failed) after one line on stderr."""
    try:
        result = store.retrying(function, *args, **kwargs)
    except Exception as error:  # noqa: BLE001 - tracking must never end the stage's work
        problem = failure(error)
        consequence = WITHOUT_TRACKING.get(stage, f"stage {stage} goes on without tracking")
        print(f"{problem.line(store.tracking_uri())}; {consequence}", file=sys.stderr)
        return None, problem
    return (True if result is None else result), None


def failure(error: Exception) -> Problem:
    """A failed store call; a refused login names the variables to set."""
    code = getattr(error, "error_code", None)
    if code in LOGIN_CODES:
        return refused(code)
    first_line = (str(error).strip().splitlines() or [type(error).__name__])[0][:200]
    return Problem("failed a call", f"{type(error).__name__}: {first_line}")


_current = StageRun("")


def current() -> StageRun:
    """The running stage's run (an inactive one outside `stage_run`)."""
    return _current


def enabled() -> bool:
    if int(os.environ.get("RANK", "0")) > 0:
        return False
    return "DVC_STAGE" in os.environ or bool(os.environ.get("MLFLOW_TRACKING_URI"))


@contextmanager
def stage_run(stage: str) -> Iterator[StageRun]:
    """Open this execution's run for `stage` (created by the first stage that logs) and close it with the
    stage's outcome; on success the metrics files that dvc.yaml declares for the stage are logged first.
    SIGTERM ends the stage as Ctrl-C does (KeyboardInterrupt), so that a killed stage leaves a KILLED run."""
    global _current
    _current = open_run(stage) if enabled() else StageRun(stage)
    previous = (
        signal.signal(signal.SIGTERM, _interrupt) if threading.current_thread() is threading.main_thread() else None
    )
    try:
        yield _current
    except BaseException as error:
        _close(_current, "KILLED" if isinstance(error, KeyboardInterrupt) else "FAILED", error)
        raise
    else:
        for path in declared_metrics(stage):
            _current.log_metrics(names.stage_metrics(stage, read_json(path)))
        _close(_current, "FINISHED")
    finally:
        _current = StageRun("")
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


def _interrupt(signum, _frame) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def open_run(stage: str) -> StageRun:
    uri = store.tracking_uri()
    problem = store_problem(uri)
    if problem:
        consequence = WITHOUT_TRACKING.get(stage, f"stage {stage} runs without tracking")
        print(f"{problem.line(uri)}; {consequence}", file=sys.stderr)
        return StageRun(stage, problem=problem)
    bound_http_calls()
    import mlflow

    mlflow.set_tracking_uri(uri)
    key, system_metrics = execution.execution_key(), stage in SYSTEM_METRICS_STAGES
    run = execution.recorded_run(key, uri)
    problem = None
    if run is None or not _resumed(run, system_metrics):
        run, problem = attempt(stage, _create_run, uri, key, system_metrics)
    tracked = StageRun(stage, run, problem)
    tracked.call(mlflow.set_tag, names.stage_tag(stage), "running")
    return tracked


def _resumed(run: execution.ExecutionRun, system_metrics: bool) -> bool:
    import mlflow

    try:
        store.retrying(mlflow.start_run, run_id=run.run_id, log_system_metrics=system_metrics)
    except Exception:  # noqa: BLE001 - deleted meanwhile, say: a new run is made instead
        return False
    return True


def _create_run(uri: str, key: str, system_metrics: bool) -> execution.ExecutionRun:
    import mlflow

    experiment_id = store.prepare_experiment(uri)
    name = names.run_name()
    run = mlflow.start_run(
        experiment_id=experiment_id,
        run_name=name,
        log_system_metrics=system_metrics,
        tags=names.run_tags(execution=key),
    )
    if Path("params.yaml").is_file():
        mlflow.log_params(names.param_values(yaml.safe_load(Path("params.yaml").read_text()) or {}))
    created = execution.ExecutionRun(key, uri, experiment_id, run.info.run_id, name)
    execution.record_run(created)
    return created


def _close(tracked: StageRun, status: str, error: BaseException | None = None) -> None:
    import mlflow

    if not tracked.active:
        return
    outcome = status.lower() if error is None else f"{status.lower()}: {type(error).__name__}: {str(error)[:300]}"
    tracked.call(mlflow.set_tag, names.stage_tag(tracked.stage), outcome)
    if error is not None:
        tracked.call(mlflow.set_tag, "failed_stage", tracked.stage)
    tracked.call(mlflow.end_run, status)


def declared_metrics(stage: str, dvc_yaml: Path = Path("dvc.yaml")) -> list[Path]:
    """The files of a plain stage that exist and hold metrics: its DVC metrics and its outputs that
    `names.holds_metrics` names (stages generated by foreach or matrix are left to `pipeline_run`, which asks DVC)."""
    try:
        declared = yaml.safe_load(dvc_yaml.read_text())["stages"].get(stage) or {}
    except (OSError, KeyError, TypeError, yaml.YAMLError):
        return []

    def paths(kind: str) -> list[str]:
        return [next(iter(entry)) if isinstance(entry, dict) else entry for entry in declared.get(kind, [])]

    chosen = paths("metrics") + [path for path in paths("outs") if names.holds_metrics(path)]
    return [Path(path) for path in chosen if Path(path).is_file()]
