"""The denoiser as an MLflow model: logged with signature, params and metrics, registered, loaded back
through models:/<name>/<version>, and generating what `generate` generates for the same request."""

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch

from fashion_diffusion.generate.generator import Generator
from fashion_diffusion.model.checkpoint import DIFFUSION_MODEL
from fashion_diffusion.model.samplers import Sampling
from fashion_diffusion.style.bins import STYLE_BINS
from fashion_diffusion.tracking import generator_model, store
from tests.support.tiny_model import write_tiny_model


def test_the_registered_model_loads_and_generates(mlflow_store, tmp_path):
    import mlflow

    write_tiny_model(tmp_path)
    defaults = Sampling("ddim", 4, 1.0, 1.0, bf16=False, batch_size=0)
    mlflow.set_tracking_uri(mlflow_store)
    with mlflow.start_run(experiment_id=store.prepare_experiment(mlflow_store)):
        info = generator_model.log_generator(
            DIFFUSION_MODEL, STYLE_BINS, defaults, True, {"model.channels": "[4, 8]"}, {"evaluate/fid": 12.5}
        )
    assert info.registered_model_version == 1
    logged = mlflow.get_logged_model(info.model_id)
    assert logged.params == {"model.channels": "[4, 8]"} and [m.key for m in logged.metrics] == ["evaluate/fid"]
    signature = info.signature.to_dict()
    assert '"name": "class"' in signature["inputs"] and '"name": "sampler"' in signature["params"]

    uri = f"models:/{generator_model.REGISTERED_MODEL}/1"
    assert not list(Path(mlflow.artifacts.download_artifacts(uri)).rglob("*.pkl"))  # logged from code, no pickle
    model = mlflow.pyfunc.load_model(uri)
    requests = pd.DataFrame({"class": ["sandal", "t-shirt"], "count": [3, 2], "seed": [7, 8], "steps": [2, 3]})
    images = model.predict(requests, params={"styles": ["ink=bold"]})
    assert images.shape == (5, 28, 28) and images.dtype == np.uint8
    direct = Generator.load(DIFFUSION_MODEL, STYLE_BINS, defaults, True, torch.device("cpu"))
    np.testing.assert_array_equal(images[:3], direct.images(2, 3, 7, defaults.replace(steps=2), ["ink=bold"]))
    np.testing.assert_array_equal(images[3:], direct.images(0, 2, 8, defaults.replace(steps=3), ["ink=bold"]))


def test_a_bad_request_is_one_line_that_the_scoring_server_cannot_rewrite(tmp_path, monkeypatch):
    """RequestError (HTTP 400 from `mlflow models serve`) keeps the model's own line: the scoring server assigns
    "Failed to predict data '<the input table>'..." to an MlflowException's message, which it ignores."""
    monkeypatch.chdir(write_tiny_model(tmp_path))
    model = generator_model.DiffusionGenerator()
    defaults = Sampling("ddim", 2, 1.0, 1.0, bf16=False, batch_size=0)
    model.generator = Generator.load(DIFFUSION_MODEL, STYLE_BINS, defaults, True, torch.device("cpu"))
    bad = {
        "unknown class 'spaceship'; valid: t-shirt, trouser, sandal, or all": {"class": ["spaceship"], "count": [1]},
        "count must be between 1 and 10000 images per class, got 0": {"class": ["sandal"], "count": [0]},
        "missing column 'count'; a request has the columns class, count and seed (and optionally steps and guidance)": {
            "class": ["sandal"]
        },
        "row 2: no count": {"class": ["sandal", "trouser"], "count": [1.0, np.nan]},
    }
    for message, columns in bad.items():
        request = pd.DataFrame({**columns, "seed": [0] * len(columns["class"])})
        with pytest.raises(generator_model.RequestError) as error:
            model.predict(None, request)
        assert error.value.message == message and error.value.get_http_status_code() == 400
        error.value.message = f"Failed to predict data '{request}'. \nError: {error.value.message}"
        assert json.loads(error.value.serialize_as_json())["message"] == message

    every_class = model.predict(None, pd.DataFrame({"class": ["all"], "count": [2], "seed": [5]}))
    assert every_class.shape == (6, 28, 28)  # 2 of each of the 3 classes, in class order
    np.testing.assert_array_equal(every_class[4:], model.generator.images(2, 2, 5, defaults, []))
