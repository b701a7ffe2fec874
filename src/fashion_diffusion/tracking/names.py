"""Names in MLflow: unique run names and their tags, dotted param keys, and metric keys grouped per stage.

MLflow's UI groups metric charts by the part of the key before the first "/" (not by "."), so a
metric is `<stage>/<key>`, e.g. `train/loss`, `evaluate/fid`, `clip_eval/per_class.Trouser.good`.
"""

from __future__ import annotations

import os
import re
import secrets
import subprocess
import time
from pathlib import PurePosixPath

from ..core.dotted import flatten

DISALLOWED = re.compile(r"[^A-Za-z0-9_\-. :]")  # what MLflow accepts in a key, "/" kept for the stage alone


def run_name() -> str:
    """The DVC experiment's name, else `workspace-<date>-<time>-<6 hex>`: two executions started in
    the same second still get different names."""
    return os.environ.get("DVC_EXP_NAME") or f"workspace-{time.strftime('%Y%m%d-%H%M%S')}-{secrets.token_hex(3)}"


def run_tags(**extra: str) -> dict[str, str]:
    """Where a run comes from: the DVC experiment and the git commit (plus `extra`)."""
    result = subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True)
    commit = result.stdout.strip() if result.returncode == 0 else "unknown"
    return {
        "dvc_experiment": os.environ.get("DVC_EXP_NAME", "workspace"),
        "git_commit": commit,
        "mlflow.source.name": "dvc.yaml",
        **extra,
    }  # the pipeline, not the script of its first stage


def metric_key(stage: str, key: str) -> str:
    """`<stage>/<key>` with anything MLflow rejects (such as the "/" in "T-shirt/top") made "_"."""
    return f"{DISALLOWED.sub('_', stage)}/{DISALLOWED.sub('_', key)}"


def stage_tag(stage: str) -> str:
    """The run tag holding a stage's outcome: `stage.<stage>`, a foreach stage's "@" (clip_seed@1) made "_"."""
    return f"stage.{DISALLOWED.sub('_', stage)}"


def holds_metrics(path: str) -> bool:
    """Whether a stage output is logged to MLflow as metrics: a JSON file under a `metrics` folder or named
    `*_metrics.json`. dvc.yaml declares these as plain outputs (`cache: false`) and only the short files of
    reports/headline/ as DVC metrics, so that `dvc metrics show` and `dvc exp show` stay readable."""
    parts = PurePosixPath(path).parts
    return path.endswith(".json") and ("metrics" in parts[:-1] or parts[-1].endswith("metrics.json"))


def stage_metrics(stage: str, tree: dict) -> dict[str, float]:
    """The numbers of a nested metrics dict as `<stage>/<dotted key>`; strings, bools and nulls are left out."""
    return {
        metric_key(stage, key): float(value)
        for key, value in flatten(tree).items()
        if isinstance(value, (int, float)) and not isinstance(value, bool)
    }


def param_values(params: dict) -> dict[str, str]:
    """params.yaml as MLflow params: dotted keys (as `dvc exp run -S` writes them), values as text."""
    return {key: str(value) for key, value in flatten(params).items()}
