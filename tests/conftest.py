import json

import pytest
import torch

from fashion_diffusion.model.unet import DenoiserConfig, UNet


def denoiser_config(**changes) -> DenoiserConfig:
    """A 4-8 channel U-Net config with two style attributes: fast enough for every unit test."""
    fields = dict(
        kind="unet",
        block="conv",
        channels=[4, 8],
        blocks_per_level=1,
        attention_levels=[],
        skip_connections=True,
        time_embedding=True,
        embedding_dim=8,
        norm_groups=2,
        num_classes=3,
        style_levels=[3, 2],
    )
    return DenoiserConfig(**{**fields, **changes})


@pytest.fixture
def tiny_config() -> DenoiserConfig:
    return denoiser_config()


@pytest.fixture
def tiny_model(tiny_config) -> UNet:
    torch.manual_seed(0)
    return UNet(tiny_config).eval()


@pytest.fixture(scope="session")
def mlflow_template_db(tmp_path_factory):
    """An empty MLflow SQLite store: creating the schema takes seconds, copying it does not."""
    from mlflow import MlflowClient

    path = tmp_path_factory.mktemp("mlflow-template") / "mlflow.db"
    MlflowClient(tracking_uri=f"sqlite:///{path}").search_experiments()
    return path


@pytest.fixture
def mlflow_store(tmp_path, mlflow_template_db, monkeypatch):
    """MLFLOW_TRACKING_URI set to a fresh SQLite store in tmp_path; cwd is tmp_path; no DVC variables."""
    import shutil

    import mlflow

    shutil.copy(mlflow_template_db, tmp_path / "mlflow.db")
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MLFLOW_TRACKING_URI", uri)
    for name in ("DVC_STAGE", "DVC_ROOT", "DVC_EXP_NAME", "RANK"):
        monkeypatch.delenv(name, raising=False)
    yield uri
    while mlflow.active_run():
        mlflow.end_run()


@pytest.fixture(scope="session")
def served_pipeline(tmp_path_factory):
    """The tiny pipeline, run once against a local `mlflow server` that stays up for the session."""
    from tests.support import tiny_pipeline
    from tests.support.mlflow_server import mlflow_server
    from tests.support.served_pipeline import run_watched

    folder = tmp_path_factory.mktemp("served")
    with mlflow_server(folder / "server") as url:
        yield run_watched(url, tiny_pipeline.make_copy(folder / "repo"))


# A tiny open_clip architecture (32x32 input, so the 28x28 images are resized) registered by name.
TINY_OPEN_CLIP_ARCH = {
    "embed_dim": 16,
    "vision_cfg": {"image_size": 32, "layers": 1, "width": 32, "head_width": 16, "patch_size": 8, "mlp_ratio": 2.0},
    "text_cfg": {"context_length": 16, "vocab_size": 49408, "width": 32, "heads": 2, "layers": 1, "mlp_ratio": 2.0},
}


@pytest.fixture(scope="session")
def tiny_arch(tmp_path_factory) -> str:
    """The name of TINY_OPEN_CLIP_ARCH, registered with open_clip in this process."""
    import open_clip

    folder = tmp_path_factory.mktemp("arch")
    (folder / "fd-tiny-test.json").write_text(json.dumps(TINY_OPEN_CLIP_ARCH))
    open_clip.add_model_config(folder / "fd-tiny-test.json")
    return "fd-tiny-test"
