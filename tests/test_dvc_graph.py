"""What DVC re-runs after an edit, asked of DVC itself (`dvc status`) in a copy of the tiny pipeline's repository:
editing tracking code re-runs no stage but the one that logs with it, editing a report template
re-renders the report and nothing else, and a sampling change re-judges the ablations without retraining."""

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def repo(served_pipeline, tmp_path_factory) -> Path:
    """A copy of the tiny pipeline that ran once for the session, so its dvc.lock matches this code."""
    copy = tmp_path_factory.mktemp("graph") / "repo"
    shutil.copytree(served_pipeline.repo, copy, symlinks=True)
    return copy


def _changed(repo: Path, deps: tuple[str, ...]) -> set[str]:
    """Stages with a changed dep (`dvc status`) whose path starts with one of `deps`."""
    result = subprocess.run(["dvc", "status", "--json"], cwd=repo, capture_output=True, text=True, check=True)
    return {
        stage
        for stage, changes in json.loads(result.stdout or "{}").items()
        for change in changes
        if isinstance(change, dict)
        for path in change.get("changed deps", {})
        if path.startswith(deps)
    }


def _code_changed(repo: Path) -> set[str]:
    """Stages whose code deps (script or library) differ from dvc.lock."""
    return _changed(repo, ("src/", "stages/"))


def _params_changed(repo: Path) -> set[str]:
    """Stages whose params differ from dvc.lock."""
    return _changed(repo, ("params.yaml",))


def _after_edit(repo: Path, relative: str, addition: str) -> set[str]:
    path = repo / relative
    before, original = _code_changed(repo), path.read_text()
    assert before == set(), f"dvc.lock of the tiny pipeline is stale for {before}"
    path.write_text(original + addition)
    try:
        return _code_changed(repo) - before
    finally:
        path.write_text(original)


def test_editing_tracking_code_reruns_only_the_stage_that_logs_with_it(repo):
    assert _after_edit(repo, "src/fashion_diffusion/tracking/names.py", "# a comment\n") == {"render_report"}
    assert _after_edit(repo, "src/fashion_diffusion/stage.py", "# a comment\n") == {"render_report"}


def test_editing_a_report_template_rerenders_the_report_and_nothing_else(repo):
    template = next((repo / "src/fashion_diffusion/report/templates/sections").glob("*.j2")).relative_to(repo)
    assert _after_edit(repo, str(template), "{# a comment #}\n") == {"render_report"}


def test_editing_the_model_reruns_training(repo):
    changed = _after_edit(repo, "src/fashion_diffusion/model/unet.py", "# a comment\n")
    assert {"train", "sample", "render_report"} <= changed and "prepare" not in changed


def test_a_sampling_change_rejudges_the_ablations_without_retraining(repo):
    """`dvc exp run -S sample.guidance_scale=2` changes no weight: no training stage is out of date."""
    params = repo / "params.yaml"
    original = params.read_text()
    edited, count = re.subn(r"^  guidance_scale: [0-9.]+", "  guidance_scale: 2.5", original, count=1, flags=re.M)
    assert count == 1 and edited != original
    params.write_text(edited)
    try:
        changed = _params_changed(repo)
    finally:
        params.write_text(original)
    assert "ablation_summary" in changed and "sample" in changed
    assert not {stage for stage in changed if stage in ("train", "ablation_training")}
