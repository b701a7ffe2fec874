"""The MLflow UI as a person sees it: headless Chromium on the run page of the tiny pipeline's run,
served by `mlflow server` on 127.0.0.1 from the pipeline's store. Skipped only where Debian's chromium
is absent, and never in CI (`CI` set), where a missing browser fails."""

import os
from pathlib import Path

import pytest

from tests.support import mlflow_ui
from tests.support.tiny import TINY

pytestmark = pytest.mark.slow

if not Path(mlflow_ui.CHROMIUM).exists():
    reason = f"{mlflow_ui.CHROMIUM} not found (apt-get install -y --no-install-recommends chromium, or `make browser`)"
    if os.environ.get("CI"):
        raise RuntimeError(f"the MLflow UI test must run in CI: {reason}")
    pytest.skip(reason, allow_module_level=True)


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=mlflow_ui.CHROMIUM, args=mlflow_ui.CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def screenshots(tmp_path_factory) -> Path:
    folder = Path(os.environ.get("MLFLOW_UI_SCREENSHOTS") or tmp_path_factory.mktemp("screenshots"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def test_the_run_page_shows_the_run_name_and_a_metric(browser, served_pipeline, screenshots):
    record = served_pipeline.record
    fid = served_pipeline.client().get_run(record["run_id"]).data.metrics["evaluate/fid"]
    page = mlflow_ui.open_page(browser, served_pipeline.url)
    mlflow_ui.check_overview(
        page,
        served_pipeline.url,
        record["experiment_id"],
        record["run_id"],
        record["run_name"],
        "evaluate/fid",
        f"{fid:.2f}"[:4],
    )
    page.screenshot(path=str(screenshots / "mlflow_run_overview.png"))


def test_the_metrics_tab_draws_the_loss_chart(browser, served_pipeline, screenshots):
    record = served_pipeline.record
    page = mlflow_ui.open_page(browser, served_pipeline.url)
    mlflow_ui.check_loss_chart(
        page,
        served_pipeline.url,
        record["experiment_id"],
        record["run_id"],
        record["run_name"],
        TINY["train.max_steps"] // TINY["train.log_every"],
    )
    page.screenshot(path=str(screenshots / "mlflow_run_metrics.png"))
