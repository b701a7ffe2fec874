import json
import os
from pathlib import Path

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


# --- pytest-xdist (`make test`: `-n 2 --dist loadgroup`) --------------------------------------------
# Tests that share an expensive fixture run on one worker: the tests of a module together (its
# module-scoped fixtures are built once), and every module that uses the session's served pipeline
# together. (xdist 3.8's own loadgroup reads `xdist_group` marks through an attribute pytest 9 no longer
# has, so this scheduler groups by module instead.) The two longest groups, the served pipeline's and the
# end-to-end pipeline's, go first, one per worker, and the others fill in; within a group the order is
# the file's (test_pipeline's tests build on each other). The workers share the cores: each, and every
# process it starts (stages, torchrun), uses cores / workers threads, as the project's stages share them
# among DVC's queued experiments.
SERVED = "served_pipeline"
FIRST_GROUPS = (SERVED, "tests/test_pipeline.py")


def _served_modules(root: Path) -> set[str]:
    return {
        str(path.relative_to(root)) for path in Path(__file__).parent.glob("test_*.py") if SERVED in path.read_text()
    }


def _group(nodeid: str, served: set[str]) -> str:
    module = nodeid.split("::")[0]
    return SERVED if module in served else module


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config, log):
    if config.getvalue("dist") != "loadgroup":
        return None
    from xdist.scheduler import LoadScopeScheduling

    served = _served_modules(config.rootpath)

    class ModuleGroups(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return _group(nodeid, served)

    config.option.loadscopereorder = False  # the groups in collection order: the longest first
    return ModuleGroups(config, log)


def pytest_collection_modifyitems(config, items):
    if getattr(config.option, "loadgroup", False):  # in xdist's workers under --dist loadgroup
        served, rank = _served_modules(config.rootpath), {group: i for i, group in enumerate(FIRST_GROUPS)}
        items.sort(key=lambda item: rank.get(_group(item.nodeid, served), len(rank)))  # stable: file order kept


if os.environ.get("PYTEST_XDIST_WORKER"):
    _threads = max(1, len(os.sched_getaffinity(0)) // int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1")))
    os.environ["OMP_NUM_THREADS"] = str(_threads)  # the default of torch in the processes tests start
    torch.set_num_threads(_threads)
