"""The trained denoiser as an MLflow model: a pyfunc whose `predict` takes a table of requests and
returns images, logged to the execution's run and registered, one version per pipeline execution.

    model = mlflow.pyfunc.load_model("models:/fashion-diffusion/1")
    images = model.predict(pd.DataFrame({"class": ["sandal", "bag"], "count": [4, 2], "seed": [0, 1]}),
                           params={"sampler": "ddim"})         # uint8 (6, 28, 28), rows in order

Columns: class (name, index, or all for `count` images of every class), count, seed, and optionally
steps and guidance (else the settings the pipeline sampled with). Params: sampler (any name
`model.samplers` knows), eta, styles. The model carries models/diffusion.pt, the style bins, those
settings (`generate.generator.write_settings`) and the fashion_diffusion package itself, so it loads
outside this repository; it is logged "from code" (`generator_model_code.py`), so loading it
unpickles nothing.

A bad request (an unknown class, a count of 0, a missing column) raises `RequestError`, which
`mlflow models serve` answers with HTTP 400 and the one line as its message. The signature marks
every column optional so that a missing one reaches `predict` and gets that line too (MLflow's schema
check would answer with the whole input table).
"""

from __future__ import annotations

import tempfile
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import mlflow.pyfunc
import numpy as np
import pandas as pd
from mlflow.exceptions import MlflowException
from mlflow.protos.databricks_pb2 import INVALID_PARAMETER_VALUE

from ..core.errors import InputError
from ..generate.generator import Generator, read_settings, write_settings
from ..generate.requests import class_indices
from ..model.checkpoint import load_denoiser
from ..model.samplers import Sampling

REGISTERED_MODEL = "fashion-diffusion"
ARTIFACT_NAME = "generator"
REQUIREMENTS = ["torch", "numpy", "tqdm", "diffusers", "pyyaml", "pydantic", "pandas", "mlflow"]
PACKAGE = Path(__file__).resolve().parents[1]  # src/fashion_diffusion, shipped with the model
MODEL_CODE = Path(__file__).with_name("generator_model_code.py")
REQUIRED_COLUMNS = ("class", "count", "seed")


class RequestError(MlflowException):
    """A bad request to the model: HTTP 400 from `mlflow models serve`, whose message is this one line.

    MLflow's scoring server rewrites the message of an MlflowException raised by `predict` to
    "Failed to predict data '<the whole input table>'. Error: ..." before answering; this class keeps the
    first message it is given and ignores later assignments, so the answer holds the model's own line."""

    def __init__(self, message: str):
        super().__init__(message, error_code=INVALID_PARAMETER_VALUE)

    @property
    def message(self) -> str:
        return self._message

    @message.setter
    def message(self, value: str) -> None:
        self.__dict__.setdefault("_message", value)


class DiffusionGenerator(mlflow.pyfunc.PythonModel):
    """pyfunc wrapper around `generate.generator.Generator`."""

    def load_context(self, context) -> None:
        import torch

        defaults, use_ema = read_settings(Path(context.artifacts["settings"]))
        self.generator = Generator.load(
            Path(context.artifacts["denoiser"]),
            Path(context.artifacts["style_bins"]),
            defaults,
            use_ema,
            torch.device("cpu"),
        )

    def predict(self, context, model_input: pd.DataFrame, params: dict | None = None) -> np.ndarray:
        """model_input: a DataFrame of requests -> uint8 images (sum of counts, H, W), row after row.
        RequestError, one line, for a bad request."""
        try:
            return self._images(model_input, params or {})
        except InputError as error:
            raise RequestError(str(error)) from None

    def _images(self, model_input: pd.DataFrame, params: dict) -> np.ndarray:
        missing = [column for column in REQUIRED_COLUMNS if column not in model_input.columns]
        if missing:
            raise InputError(
                f"missing column {missing[0]!r}; a request has the columns class, count and seed "
                "(and optionally steps and guidance)"
            )
        base = self.generator.defaults.replace(
            **{
                key: params[name]
                for name, key in (("sampler", "sampler"), ("eta", "eta"))
                if params.get(name) is not None
            }
        )
        styles = list(params.get("styles") or [])
        images = []
        for number, row in enumerate(model_input.to_dict("records"), start=1):
            sampling = base.replace(
                steps=_given(row, "steps", base.steps, int),
                guidance_scale=_given(row, "guidance", base.guidance_scale, float),
            )
            count, seed = (_needed(row, column, number) for column in ("count", "seed"))
            for index in class_indices([_needed(row, "class", number, str)], self.generator.class_names):
                images.append(self.generator.images(index, count, seed, sampling, styles))  # "all": every class
        if not images:
            raise InputError("no request rows; send at least one row of class, count and seed")
        return np.concatenate(images)


def _missing(value) -> bool:
    return value is None or (isinstance(value, float) and np.isnan(value))


def _given(row: dict, column: str, default, kind):
    value = row.get(column)
    return default if _missing(value) else kind(value)


def _needed(row: dict, column: str, number: int, kind=int):
    value = row.get(column)
    if _missing(value):
        raise InputError(f"row {number}: no {column}")
    return kind(value)


def signature(defaults: Sampling, image_shape: tuple[int, int]):
    from mlflow.models import ModelSignature
    from mlflow.types import ColSpec, ParamSchema, ParamSpec, Schema, TensorSpec

    inputs = Schema(
        [
            ColSpec("string", "class", required=False),  # required by `predict`, which names a missing one
            ColSpec("long", "count", required=False),
            ColSpec("long", "seed", required=False),
            ColSpec("long", "steps", required=False),
            ColSpec("double", "guidance", required=False),
        ]
    )
    outputs = Schema([TensorSpec(np.dtype(np.uint8), (-1, *image_shape))])
    params = ParamSchema(
        [
            ParamSpec("sampler", "string", defaults.sampler),
            ParamSpec("eta", "double", defaults.eta),
            ParamSpec("styles", "string", [], shape=(-1,)),
        ]
    )
    return ModelSignature(inputs=inputs, outputs=outputs, params=params)


def log_generator(
    checkpoint: Path, style_bins: Path, defaults: Sampling, use_ema: bool, params: dict, metrics: dict[str, float]
):
    """Log the generator to the active run with its signature, params and metrics, and register it under
    REGISTERED_MODEL. Returns MLflow's ModelInfo (its registered_model_version is the new version)."""
    import torch

    image_shape = load_denoiser(checkpoint, torch.device("cpu"))[1].image_shape[1:]  # (C, H, W) -> (H, W)

    with tempfile.TemporaryDirectory() as folder:
        settings = Path(folder) / "generator.json"
        write_settings(settings, defaults, use_ema)
        info = mlflow.pyfunc.log_model(
            name=ARTIFACT_NAME,
            python_model=str(MODEL_CODE),
            code_paths=[str(PACKAGE)],
            artifacts={"denoiser": str(checkpoint), "style_bins": str(style_bins), "settings": str(settings)},
            signature=signature(defaults, image_shape),
            pip_requirements=_pinned(REQUIREMENTS),
            input_example=pd.DataFrame({"class": ["sandal"], "count": [1], "seed": [0]}),
            params=params,
            registered_model_name=REGISTERED_MODEL,
        )
    if metrics:
        mlflow.log_metrics(metrics, model_id=info.model_id)
    return info


def _pinned(packages: list[str]) -> list[str]:
    pinned = []
    for package in packages:
        try:
            pinned.append(f"{package}=={version(package)}")
        except PackageNotFoundError:
            pinned.append(package)
    return pinned
