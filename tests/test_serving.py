"""The registered model served over HTTP like any MLflow model (`make serve`: `mlflow models serve`): a request
for every class is answered with the images `predict` makes in-process, which the independent judge then
judges; a bad request (an unknown class, a count of 0, a missing column) gets HTTP 400 whose message is the
model's own line, and the server goes on serving."""

import json
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from fashion_diffusion.tracking.generator_model import REGISTERED_MODEL
from tests.support.mlflow_server import free_port, running

pytestmark = pytest.mark.slow
PER_CLASS = 10


def _post(url: str, body: dict) -> tuple[int, dict]:
    request = urllib.request.Request(
        f"{url}/invocations", json.dumps(body).encode(), headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=300) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def _request(rows: list[list]) -> dict:
    return {"dataframe_split": {"columns": ["class", "count", "seed"], "data": rows}}


@pytest.fixture(scope="module")
def served_model(served_pipeline, tmp_path_factory):
    """`mlflow models serve` of the tiny pipeline's registered model on 127.0.0.1 (the registry: the session's
    tracking server); yields (model URI, base URL)."""
    version = served_pipeline.record["model_uri"].rsplit("/", 1)[1]
    model = f"models:/{REGISTERED_MODEL}/{version}"
    folder, port = tmp_path_factory.mktemp("serve"), free_port()
    command = [str(Path(sys.executable).with_name("mlflow")), "models", "serve", "-m", model, "--env-manager", "local"]
    command += ["--host", "127.0.0.1", "--port", str(port)]
    began = time.monotonic()
    with running(command, folder, port, folder / "serve.log", {"MLFLOW_TRACKING_URI": served_pipeline.url}) as url:
        status, _ = _post(url, _request([["sandal", 1, 0]]))
        assert status == 200
        print(f"\n{model} served: first answer {time.monotonic() - began:.1f} s after the server's start")
        yield model, url


def test_one_request_for_every_class_returns_what_predict_makes(served_model, served_pipeline, capsys):
    import mlflow

    from fashion_diffusion.evaluation.reference import judge_samples
    from fashion_diffusion.scoring.judge.inference import load_judge

    model_uri, url = served_model
    mlflow.set_tracking_uri(served_pipeline.url)
    model = mlflow.pyfunc.load_model(model_uri)
    names = model.unwrap_python_model().generator.class_names
    rows = [[name, PER_CLASS, seed] for seed, name in enumerate(names)]
    began = time.monotonic()
    status, answer = _post(url, _request(rows))
    seconds = time.monotonic() - began
    assert status == 200
    served = np.asarray(answer["predictions"], dtype=np.uint8)
    assert served.shape == (len(names) * PER_CLASS, 28, 28) and served.std() > 0
    local = model.predict(pd.DataFrame(rows, columns=["class", "count", "seed"]))
    np.testing.assert_array_equal(served, local)  # the same seeded noise, the same weights
    labels = np.repeat(np.arange(len(names)), PER_CLASS)
    judged = judge_samples(load_judge(served_pipeline.repo / "models/judge.pt"), served, labels)
    with capsys.disabled():
        print(
            f"\n{len(served)} images over HTTP in {seconds:.1f} s ({len(served) / seconds:.0f} images/s, tiny model); "
            f"judge accuracy {judged.correct.mean():.0%} (chance {1 / len(names):.0%})"
        )


@pytest.mark.parametrize(
    "body, message",
    [
        (
            _request([["sandal", 1, 0], ["spaceship", 4, 0]]),
            "unknown class 'spaceship'; valid: t-shirt, trouser, pullover, dress, coat, sandal, shirt, sneaker, bag, "
            "ankle boot, or all",
        ),
        (_request([["sandal", 0, 0]]), "count must be between 1 and 10000 images per class, got 0"),
        (
            {"dataframe_split": {"columns": ["class", "seed"], "data": [["sandal", 0]]}},
            "missing column 'count'; a request has the columns class, count and seed (and optionally steps and "
            "guidance)",
        ),
    ],
    ids=["unknown-class", "count-0", "missing-column"],
)
def test_a_bad_request_gets_400_with_the_models_own_line_and_the_server_serves_on(served_model, body, message):
    _, url = served_model
    status, answer = _post(url, body)
    assert (status, answer["error_code"], answer["message"]) == (400, "INVALID_PARAMETER_VALUE", message)
    status, answer = _post(url, _request([["bag", 2, 3]]))
    assert status == 200 and np.asarray(answer["predictions"]).shape == (2, 28, 28)
