"""Everything a finished pipeline execution logs to its run, read from the stage outputs: params, every
stage's metrics under its stage's prefix, the loss and FID-over-training curves, per-sample and per-class
tables, the report with its figures, and the denoiser as a registered MLflow model.

Used by `render_report` (the last stage, on the execution's run) and by `make log-run` (a new run
for an execution whose tracking store was unreachable).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..config import Params, to_dict
from ..core.artifacts import read_json
from ..model.checkpoint import DIFFUSION_MODEL
from ..model.samplers import Sampling
from ..style.bins import STYLE_BINS
from . import generator_model, names

CURVES = {  # csv -> (x column, {column: metric key})
    "models/loss.csv": (
        "step",
        {"loss": "train/loss", "mse": "train/mse", "clip_loss": "train/clip_loss", "lr": "train/lr"},
    ),
    "data/training_quality/quality_over_training.csv": (
        "step",
        {"fid": "training_quality/fid_by_step", "accuracy": "training_quality/accuracy_by_step"},
    ),
}
SAMPLE_TABLE = ("data/clip_scores.csv", "data/selection.csv")  # per sample: CLIP scores, then judge and selection
CLASS_TABLE = "data/evaluate/per_class.csv"
MODEL_METRICS = ["evaluate/", "train/final_", "clip_eval/class_prob", "select_topk/"]  # linked to the logged model
MAX_BATCH = 1000  # MLflow's limit on metrics per log_batch call


def log_outputs(run_id: str, p: Params, artifacts: dict[str, Path]) -> str:
    """Log the execution's outputs (in the working directory) to the active run `run_id`, with
    `artifacts` ({folder in the run ("" for the top): file or folder}); returns the registered model's version."""
    import mlflow

    client = mlflow.MlflowClient()
    logged = client.get_run(run_id).data
    missing = {k: v for k, v in names.param_values(to_dict(p)).items() if k not in logged.params}
    if missing:
        mlflow.log_params(missing)
    metrics = {
        key: value
        for stage, paths in metrics_by_stage().items()
        for path in paths
        for key, value in names.stage_metrics(stage, read_json(path)).items()
    }
    mlflow.log_metrics({key: value for key, value in metrics.items() if logged.metrics.get(key) != value})
    _log_curves(client, run_id)
    _log_tables()
    for folder, path in artifacts.items():
        if path.is_dir():
            mlflow.log_artifacts(str(path), artifact_path=folder or None)
        elif path.is_file():
            mlflow.log_artifact(str(path), artifact_path=folder or None)
    linked = {key: value for key, value in metrics.items() if key.startswith(tuple(MODEL_METRICS))}
    info = generator_model.log_generator(
        DIFFUSION_MODEL,
        STYLE_BINS,
        Sampling.of(p.sample),
        p.sample.use_ema,
        names.param_values(_model_params(p)),
        linked,
    )
    return str(info.registered_model_version)


def metrics_by_stage(root: Path = Path(".")) -> dict[str, list[Path]]:
    """{stage: its metrics files that exist}, as DVC resolves dvc.yaml (foreach and matrix stages included)."""
    from dvc.repo import Repo

    with Repo(str(root)) as repo:
        stages = {
            stage.addressing: [
                Path(out.def_path) for out in stage.outs if out.metric or names.holds_metrics(str(out.def_path))
            ]
            for stage in repo.index.stages
        }
    return {stage: [root / path for path in paths if (root / path).is_file()] for stage, paths in stages.items()}


def _log_curves(client, run_id: str) -> None:
    """Each curve point that the run does not hold yet (train logs its loss live; a resumed or skipped
    train stage leaves steps to fill in)."""
    from mlflow.entities import Metric

    points = []
    for path, (x, columns) in CURVES.items():
        if not Path(path).is_file():
            continue
        table = pd.read_csv(path)
        for column, key in columns.items():
            if column not in table:
                continue
            have = {m.step for m in client.get_metric_history(run_id, key)}
            points += [
                Metric(key, float(v), 0, int(s))
                for s, v in zip(table[x], table[column])
                if int(s) not in have and pd.notna(v)
            ]
    for start in range(0, len(points), MAX_BATCH):
        client.log_batch(run_id, metrics=points[start : start + MAX_BATCH])


def _log_tables() -> None:
    import mlflow

    clip_path, selection_path = SAMPLE_TABLE
    if Path(clip_path).is_file() and Path(selection_path).is_file():
        clip, selection = pd.read_csv(clip_path, index_col="sample"), pd.read_csv(selection_path, index_col="sample")
        samples = clip.join(selection.drop(columns=[c for c in selection.columns if c in clip.columns]))
        mlflow.log_table(samples.reset_index(), artifact_file="tables/samples.json")
    if Path(CLASS_TABLE).is_file():
        mlflow.log_table(pd.read_csv(CLASS_TABLE), artifact_file="tables/per_class.json")


def _model_params(p: Params) -> dict:
    params = to_dict(p)
    return {section: params[section] for section in ("model", "diffusion", "train", "sample")}
