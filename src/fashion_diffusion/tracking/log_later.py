"""`make log-run` (`fashion-diffusion log-run`): log a finished pipeline execution from its outputs in
this repository, as a new MLflow run, for an execution whose tracking store was unreachable.

The run is named like any other (`DVC_EXP_NAME` or workspace-<time>-<hex>) and tagged
`logged_later`; the outputs themselves are left untouched, so `dvc status` stays as it was.
"""

from __future__ import annotations

from pathlib import Path

from ..config import load_params
from ..core.errors import InputError
from . import names, store
from .generator_model import REGISTERED_MODEL
from .pipeline_run import log_outputs
from .reachability import LOGIN_CODES, bound_http_calls, refused, store_problem

ARTIFACTS = {"": Path("reports/assessment.md"), "figures": Path("reports/figures"), "pipeline": Path("dvc.lock")}


class TrackingUnavailable(InputError):
    """The tracking store does not answer, or refuses the login."""


def main() -> None:
    p = load_params()
    missing = [str(path) for path in (Path("dvc.lock"), Path("reports/assessment.md")) if not path.is_file()]
    if missing:
        raise InputError(f"{missing[0]}: not found; run the pipeline (`make repro`) before logging it")
    uri = store.tracking_uri()
    problem = store_problem(uri)
    if problem:
        raise TrackingUnavailable(f"{problem.line(uri)}; nothing logged")
    bound_http_calls()
    import mlflow
    from mlflow.exceptions import MlflowException

    mlflow.set_tracking_uri(uri)
    try:
        experiment_id = store.prepare_experiment(uri)
        with mlflow.start_run(
            experiment_id=experiment_id, run_name=names.run_name(), tags=names.run_tags(logged_later="true")
        ) as run:
            version = log_outputs(run.info.run_id, p, ARTIFACTS)
    except MlflowException as error:
        if error.error_code not in LOGIN_CODES:
            raise
        raise TrackingUnavailable(f"{refused(error.error_code).line(uri)}; not logged, or only in part") from None
    print(
        f"logged MLflow run {run.info.run_name} ({run.info.run_id}) and model models:/{REGISTERED_MODEL}/{version} "
        f"to {uri}"
    )
