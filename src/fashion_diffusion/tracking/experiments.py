"""`make compare`: the DVC experiments of the workspace's baseline side by side (the params that differ
between them and the metrics of KEY_METRICS) as a markdown table and a plot with a panel per metric.

Read from `dvc exp show --json`: the workspace, the baseline commit and every experiment run on it
(`dvc exp run`, queued ones once they ran). Experiments without metrics (failed, still queued) are
listed with their state and no numbers.
"""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..core.dotted import flatten
from ..core.errors import InputError
from ..plotting import figures
from ..report.format import num, table


@dataclass(frozen=True)
class KeyMetric:
    label: str
    path: str  # the metrics file, as dvc.yaml declares it
    key: str  # dotted key inside it; `<key>_low` / `<key>_high` beside it make the 95% interval
    better: str  # "lower" or "higher"


KEY_METRICS = [  # from the short files of reports/headline/ that the stages declare as DVC metrics
    KeyMetric("FID (judge features)", "reports/headline/samples.json", "fid", "lower"),
    KeyMetric("KID (judge features)", "reports/headline/samples.json", "kid", "lower"),
    KeyMetric("judge accuracy", "reports/headline/samples.json", "accuracy", "closer to real"),
    KeyMetric("coverage", "reports/headline/samples.json", "coverage", "higher"),
    KeyMetric("CLIP class probability", "reports/headline/clip.json", "mean_class_prob", "higher"),
    KeyMetric("final training loss", "reports/headline/training.json", "final_loss", "lower"),
    KeyMetric("training seconds", "reports/headline/training.json", "train_seconds", "lower"),
]


@dataclass
class Experiment:
    name: str
    state: str  # "workspace", "baseline", or the experiment's executor state ("success", "failed", "queued")
    params: dict[str, object] = field(default_factory=dict)  # dotted keys of params.yaml
    metrics: dict[str, dict] = field(default_factory=dict)  # metrics file -> its flattened contents

    def value(self, metric: KeyMetric, suffix: str = "") -> float:
        value = self.metrics.get(metric.path, {}).get(metric.key + suffix)
        return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else float("nan")


def experiments_of(show: list[dict]) -> list[Experiment]:
    """The rows of `dvc exp show --json` (DVC 3): workspace, baseline(s) and each baseline's experiments."""
    rows = []
    for entry in show:
        workspace = entry.get("rev") == "workspace"
        rows.append(
            _experiment(
                "workspace" if workspace else entry.get("name") or entry.get("rev", "")[:7],
                "workspace" if workspace else "baseline",
                entry,
            )
        )
        for experiment in entry.get("experiments") or []:
            rev = (experiment.get("revs") or [{}])[0]
            executor = experiment.get("executor") or {}
            rows.append(
                _experiment(
                    experiment.get("name") or rev.get("name") or rev.get("rev", "")[:7],
                    executor.get("state") or "success",
                    rev,
                )
            )
    return rows


def _experiment(name: str, state: str, entry: dict) -> Experiment:
    data = entry.get("data") or {}
    params = {
        key: value
        for file in (data.get("params") or {}).values()
        for key, value in flatten(file.get("data") or {}).items()
    }
    metrics = {path: flatten(file.get("data") or {}) for path, file in (data.get("metrics") or {}).items()}
    return Experiment(name, state, params, metrics)


def differing_params(rows: list[Experiment]) -> list[str]:
    """Dotted params whose values are not the same in every row that has params."""
    with_params = [row for row in rows if row.params]
    keys = sorted({key for row in with_params for key in row.params})
    return [key for key in keys if len({json.dumps(row.params.get(key), sort_keys=True) for row in with_params}) > 1]


def comparison_table(rows: list[Experiment], params: list[str]) -> list[dict[str, str]]:
    """One row of formatted cells per experiment: its name and state, the differing params, the key metrics."""
    return [
        {
            "experiment": row.name,
            "state": row.state,
            **{key: _text(row.params.get(key, "")) for key in params},
            **{metric.label: num(row.value(metric)) for metric in KEY_METRICS},
        }
        for row in rows
    ]


def _text(value) -> str:
    return json.dumps(value) if isinstance(value, (list, dict)) else str(value)


def plot(path: Path, rows: list[Experiment]) -> None:
    """A horizontal bar per experiment in a panel per key metric, with its 95% interval where it has one."""
    import matplotlib.pyplot as plt

    measured = [row for row in rows if any(not np.isnan(row.value(m)) for m in KEY_METRICS)]
    columns = min(3, len(KEY_METRICS))
    grid_rows = -(-len(KEY_METRICS) // columns)
    fig, axes = plt.subplots(
        grid_rows, columns, figsize=(4 * columns, grid_rows * (0.4 * len(measured) + 1.4)), squeeze=False
    )
    y = np.arange(len(measured))
    for ax, metric in zip(axes.flat, KEY_METRICS):
        values = np.array([row.value(metric) for row in measured])
        low = np.array([row.value(metric, "_low") for row in measured])
        high = np.array([row.value(metric, "_high") for row in measured])
        ax.barh(y, np.nan_to_num(values), color="steelblue")
        shown = ~np.isnan(low) & ~np.isnan(high)
        if shown.any():
            ax.errorbar(
                values[shown],
                y[shown],
                xerr=[values[shown] - low[shown], high[shown] - values[shown]],
                fmt="none",
                ecolor="black",
                capsize=3,
            )
        ax.set_yticks(y, [row.name for row in measured], fontsize=8)
        ax.invert_yaxis()
        ax.set_title(f"{metric.label} ({metric.better} is better)", fontsize=9)
        ax.grid(axis="x", alpha=0.3)
    for ax in list(axes.flat)[len(KEY_METRICS) :]:
        ax.set_visible(False)
    fig.tight_layout()
    figures.save_figure(fig, path)


def markdown(rows: list[Experiment], params: list[str], figure: str) -> str:
    intervals = [m.label for m in KEY_METRICS if any(not np.isnan(r.value(m, "_low")) for r in rows)]
    return "\n".join(
        [
            "# Experiments",
            "",
            "Written by `make compare` from `dvc exp show --json`: the workspace, its baseline commit and every "
            "experiment run on that baseline, with the params that differ between them"
            f" ({', '.join(f'`{p}`' for p in params) or 'none differ'}) and the key metrics.",
            "",
            table(comparison_table(rows, params)),
            "",
            f"Bars in the figure show 95% bootstrap intervals for {', '.join(intervals)}." if intervals else "",
            "",
            f"![Key metrics per experiment]({figure})",
            "",
        ]
    )


def dvc_exp_show() -> list[dict]:
    result = subprocess.run(["dvc", "exp", "show", "--json"], capture_output=True, text=True)
    if result.returncode != 0:
        raise InputError(f"dvc exp show failed: {(result.stderr.strip().splitlines() or ['no output'])[-1]}")
    return json.loads(result.stdout)


def main(out: str = "reports/experiments.md") -> None:
    rows = experiments_of(dvc_exp_show())
    params = differing_params(rows)
    path = Path(out)
    figure = path.with_suffix(".png")
    plot(figure, rows)
    path.write_text(markdown(rows, params, figure.name))
    print(f"wrote {path} and {figure} ({len(rows)} rows, {len(params)} differing params)")
