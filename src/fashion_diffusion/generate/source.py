"""Where `generate` gets its model: a checkpoint written by the `train` stage (with the repository's
params.yaml for the sampling defaults and data/prepared/style_bins.json), or an MLflow model URI
such as `models:/fashion-diffusion/3` or `runs:/<run id>/generator` (loaded as the pyfunc model the
pipeline logged, which carries its own defaults and style bins)."""

from __future__ import annotations

from pathlib import Path

import torch

from ..config import load_params
from ..core.errors import InputError
from ..model.samplers import Sampling
from ..style.bins import STYLE_BINS
from .generator import Generator

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
    except (MlflowException, OSError) as error:
        raise InputError(f"{uri}: cannot load the MLflow model ({str(error).splitlines()[0][:200]})") from None
    return loaded.unwrap_python_model().generator
