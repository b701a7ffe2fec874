"""The MLflow UI seen in headless Chromium (Debian's package, driven by playwright's Python package;
no `playwright install`): what the browser test checks, and the README's screenshot.

    python -m tests.support.mlflow_ui --store sqlite:///$PWD/mlflow.db --run <run id> --out reports/figures/mlflow_ui.png

Facts about MLflow 3.17's UI used here: the hash router; `?workflowType=machine_learning` (or the
localStorage key below) opens the model-training view, not the GenAI one; metric charts are grouped
by the key's prefix before "/"; chart cards render only once scrolled into view; the UI polls for
ever, so waits are on elements, never on "network idle".
"""

from __future__ import annotations

import argparse
import os
import tempfile
from pathlib import Path

CHROMIUM = os.environ.get("MLFLOW_UI_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]
# Before the app loads: no auto-opened "MLflow Assistant" panel (a third of the page on localhost) and
# the "Model training" sidebar.
INIT_SCRIPT = """
localStorage.setItem('mlflow.assistant.fab.autoOpenedOnFirstLoad_v1', 'true');
localStorage.setItem('mlflow.assistant.panelOpen_v1', 'false');
localStorage.setItem('mlflow.workflowType_v1', '"machine_learning"');
"""
TIMEOUT_MS = 60_000
VIEWPORT = {"width": 1500, "height": 1100}


def run_url(base: str, experiment_id: str, run_id: str, tab: str = "") -> str:
    return f"{base}/#/experiments/{experiment_id}/runs/{run_id}{'/' + tab if tab else ''}?workflowType=machine_learning"


def open_page(browser, base: str):
    """A page in a fresh context that may only reach the server at `base`."""
    context = browser.new_context(viewport=VIEWPORT)
    context.add_init_script(INIT_SCRIPT)
    context.route("**/*", lambda route: route.continue_() if route.request.url.startswith(base) else route.abort())
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    return page


def check_overview(page, base: str, experiment_id: str, run_id: str, run_name: str, metric: str, shown: str) -> None:
    """The run page shows the run's name and `metric`'s row with the text `shown` in it."""
    from playwright.sync_api import expect

    page.goto(run_url(base, experiment_id, run_id))
    expect(page.get_by_role("heading", name=run_name)).to_be_visible(timeout=TIMEOUT_MS)
    expect(page.get_by_role("row").filter(has_text=metric).first).to_contain_text(shown, timeout=TIMEOUT_MS)


def open_loss_chart(page, base: str, experiment_id: str, run_id: str, run_name: str):
    """Open the model-metrics tab and return the `train` section's `loss` chart card once its legend shows."""
    from playwright.sync_api import expect

    page.goto(run_url(base, experiment_id, run_id, "model-metrics"))
    expect(page.get_by_role("heading", name=run_name)).to_be_visible(timeout=TIMEOUT_MS)
    # The `train` section holds some twenty charts and renders only those scrolled into view: the search box
    # leaves the loss chart (and the few others whose key holds "train/loss") alone on the page.
    page.get_by_placeholder("Search metric charts").fill("train/loss")
    section = page.get_by_test_id("experiment-view-compare-runs-section-header").filter(has_text="train").first
    expect(section).to_be_visible(timeout=TIMEOUT_MS)
    section.scroll_into_view_if_needed()
    card = page.get_by_test_id("experiment-view-compare-runs-card").filter(
        has=page.locator("h4").get_by_text("loss", exact=True)
    )
    expect(card).to_be_visible(timeout=TIMEOUT_MS)
    expect(card).to_contain_text(f"{run_name} (train/loss)", timeout=TIMEOUT_MS)  # the legend
    return card


def check_loss_chart(page, base: str, experiment_id: str, run_id: str, run_name: str, points: int) -> None:
    """The `loss` chart draws one marker per logged step (MLflow draws markers only on short curves)."""
    from playwright.sync_api import expect

    card = open_loss_chart(page, base, experiment_id, run_id, run_name)
    expect(card.locator(".js-plotly-plot .scatterlayer path.point")).to_have_count(points, timeout=TIMEOUT_MS)


def screenshot(store: str, run_id: str, out: Path) -> None:
    """Serve `store`, open the run's metrics tab and save a screenshot to `out`."""
    from mlflow import MlflowClient
    from playwright.sync_api import expect, sync_playwright

    from .mlflow_server import mlflow_server

    run = MlflowClient(tracking_uri=store).get_run(run_id)
    with tempfile.TemporaryDirectory() as folder, mlflow_server(Path(folder), store) as base, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = open_page(browser, base)
        card = open_loss_chart(page, base, run.info.experiment_id, run_id, run.info.run_name)
        expect(card.locator(".js-plotly-plot .scatterlayer .trace").first).to_be_attached(timeout=TIMEOUT_MS)
        page.wait_for_timeout(3000)  # let the charts finish their transition
        page.screenshot(path=str(out))
        browser.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="screenshot of a run's metrics in the MLflow UI")
    parser.add_argument("--store", required=True, help="tracking store URI, e.g. sqlite:////path/mlflow.db")
    parser.add_argument("--run", required=True, help="run id")
    parser.add_argument("--out", type=Path, required=True)
    arguments = parser.parse_args()
    screenshot(arguments.store, arguments.run, arguments.out)
    print(f"wrote {arguments.out}")
