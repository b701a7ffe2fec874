"""Where `generate` gets its model: a checkpoint written by the `train` stage (with the repository's
params.yaml for the sampling defaults and data/prepared/style_bins.json), or an MLflow model URI
such as `models:/fashion-diffusion/3` or `runs:/<run id>/generator` (loaded as the pyfunc model the
pipeline logged, which carries its own defaults and style bins)."""

from __future__ import annotations

import os
from pathlib import Path

import torch

from ..config import load_params
from ..core.errors import InputError
from ..model.samplers import Sampling
from ..style.bins import STYLE_BINS
from .generator import Generator

LOGIN_CODES = ("UNAUTHENTICATED", "PERMISSION_DENIED")  # MLflow's HTTP 401 and 403 (`make team-server`)
MLFLOW_SCHEMES = ("models:/", "runs:/", "mlflow-artifacts:/", "file://", "s3://", "gs://", "http://", "https://")


def is_mlflow_uri(model: str) -> bool:
    return model.startswith(MLFLOW_SCHEMES)


def load_generator(model: str, device: torch.device) -> Generator:
    """The Generator for a checkpoint path or an MLflow model URI; one line when it cannot be loaded."""
    if is_mlflow_uri(model):
        return _from_mlflow(model)
    params = load_params()
    return Generator.load(Path(model), STYLE_BINS, Sampling.of(params.sample), params.sample.use_ema, device)


def _from_mlflow(uri: str) -> Generator:
    import mlflow.pyfunc
    from mlflow.exceptions import MlflowException

    try:
        loaded = mlflow.pyfunc.load_model(uri)
    except MlflowException as error:
        if error.error_code in LOGIN_CODES:
            raise InputError(f"{uri}: {_refused(uri, error.error_code)}") from None
        raise InputError(f"{uri}: cannot load the MLflow model ({str(error).splitlines()[0][:200]})") from None
    except OSError as error:
        raise InputError(f"{uri}: cannot load the MLflow model ({str(error).splitlines()[0][:200]})") from None
    return loaded.unwrap_python_model().generator


def _refused(uri: str, code: str) -> str:
    """The server that refused to show the model, why, and the variables to set."""
    import mlflow

    server = mlflow.get_tracking_uri() if uri.startswith(("models:/", "runs:/")) else uri
    user, variables = (
        os.environ.get("MLFLOW_TRACKING_USERNAME"),
        "MLFLOW_TRACKING_USERNAME and MLFLOW_TRACKING_PASSWORD",
    )
    if code == "PERMISSION_DENIED":
        return f"MLflow at {server} does not let user {user!r} read it (HTTP 403): set {variables} to a user who may"
    if user:
        return f"MLflow at {server} refused the login of user {user!r} (HTTP 401): set {variables} to a valid login"
    return f"MLflow at {server} asks for a login (HTTP 401): set {variables}"
