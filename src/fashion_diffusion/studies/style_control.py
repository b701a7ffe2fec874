"""How well generation controls style: requests for every class x attribute x level (sampled so that
only the style differs between levels), and the hit rates and rank correlations of the attributes
recomputed from the generated pixels."""

from __future__ import annotations

import numpy as np
import pandas as pd
import torch

from ..data.prepared import to_uint8
from ..model.checkpoint import ModelInfo
from ..model.samplers import Sampling, sample
from ..model.unet import Denoiser
from ..stats.bootstrap import mean_estimate
from ..stats.metrics import spearman
from ..style.bins import StyleBins, assign_levels


def control_columns(bins: StyleBins, classes: int, per_level: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """One block of requests per (attribute, level), attributes outermost: class labels (N,), every
    class `per_level` times in a row, the same in every block, and style labels (N, A) with that
    attribute at that level and the others null. Sampled with the same seed, image i of every block
    starts from the same noise, so across blocks only the requested style differs."""
    labels = np.repeat(np.arange(classes), per_level)
    columns = []
    for a in range(len(bins.attributes)):
        for level in range(bins.levels):
            styles = np.full((len(labels), len(bins.attributes)), bins.null_level)
            styles[:, a] = level
            columns.append((labels, styles))
    return columns


def sample_columns(
    model: Denoiser, info: ModelInfo, columns: list[tuple[np.ndarray, np.ndarray]], sampling: Sampling, seed: int
) -> np.ndarray:
    """Every block of `control_columns` sampled from the same seed: uint8 images (N, H, W), blocks in order."""
    device = next(model.parameters()).device
    return np.concatenate(
        [
            to_uint8(
                sample(
                    model,
                    info.schedule(),
                    torch.as_tensor(labels, device=device),
                    generator=torch.Generator().manual_seed(seed),
                    style_labels=torch.as_tensor(styles, device=device),
                    image_shape=info.image_shape,
                    prediction=info.prediction,
                    **sampling.kwargs(),
                )[0]
            )
            for labels, styles in columns
        ]
    )


def control_requests(bins: StyleBins, classes: int, per_level: int) -> tuple[np.ndarray, np.ndarray]:
    """All blocks of `control_columns` concatenated: class labels (N,) and style labels (N, A), one
    attribute set to a level, the others null, for every class x attribute x level, `per_level` times."""
    columns = control_columns(bins, classes, per_level)
    return np.concatenate([labels for labels, _ in columns]), np.concatenate([styles for _, styles in columns])


def within_class_z(values: np.ndarray, class_labels: np.ndarray) -> np.ndarray:
    """z = (value - mean_c) / std_c over the values of the same class (N,) -> (N,).

    Population std; a class with constant values (or a single one) gets z = 0.
    """
    values, class_labels = np.asarray(values, dtype=np.float64), np.asarray(class_labels)
    z = np.zeros_like(values)
    for c in np.unique(class_labels):
        members = class_labels == c
        std = values[members].std()
        z[members] = (values[members] - values[members].mean()) / std if std > 0 else 0.0
    return z


def control_table(
    requested: np.ndarray, values: dict[str, np.ndarray], class_labels: np.ndarray, bins: StyleBins, resamples: int
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """How well generated images land in the style level they were asked for, within their class.

    requested: int64 (N, A) style labels used for generation (null = not requested);
    values: {attribute: (N,)} recomputed from the generated images; class_labels: (N,) the
    class each image was generated for. Image i hits if assign_levels(value_i, edges[class_i])
    equals its requested level. z_i = within_class_z of the value among the images of its
    class that requested this attribute, so class differences do not drive the monotonicity.
    Returns (per_level, summary):
      per_level: attribute, level, level_name, n, hit_rate with its 95% interval hit_rate_low,
                 hit_rate_high (bootstrap over the level's images, resampled within each class),
                 chance_uniform (1 / levels), chance_train (mean over the level's images of
                 train_fractions[class_i][level]), mean_value, mean_z;
      summary:   attribute, n, mean_hit_rate and mean chances over the requested levels,
                 spearman (requested level vs raw value, pooled over classes),
                 means_increasing (raw mean_value), spearman_within_class (level vs z),
                 z_means_increasing (mean_z increases with the level).
    """
    requested, class_labels = np.asarray(requested, dtype=np.int64), np.asarray(class_labels, dtype=np.int64)
    rows, summaries = [], []
    for column, name in enumerate(bins.attributes):
        asked = requested[:, column] != bins.null_level
        if not asked.any():
            continue
        level, classes = requested[asked, column], class_labels[asked]
        value = np.asarray(values[name], dtype=np.float64)[asked]
        z = within_class_z(value, classes)
        hit = assign_levels(value, bins.edges_for(name, classes)) == level
        table = _control_levels(name, level, value, z, hit, classes, bins, resamples)
        rows.append(table)
        summaries.append(_control_summary(table, level, value, z, hit, resamples))
    return pd.concat(rows, ignore_index=True) if rows else pd.DataFrame(), pd.DataFrame(summaries)


def _control_levels(
    name: str,
    level: np.ndarray,
    value: np.ndarray,
    z: np.ndarray,
    hit: np.ndarray,
    classes: np.ndarray,
    bins: StyleBins,
    resamples: int,
) -> pd.DataFrame:
    """One row per requested level of one attribute (see `control_table`)."""
    chance_train = np.asarray(bins.train_fractions[name])[classes, level]  # (n,) per image
    hit_rates = {
        lv: mean_estimate(hit[level == lv], resamples, seed=0, strata=classes[level == lv]) for lv in np.unique(level)
    }
    return pd.DataFrame(
        [
            {
                "attribute": name,
                "level": int(lv),
                "level_name": bins.level_names[name][lv],
                "n": int((level == lv).sum()),
                **hit_rates[lv].as_dict("hit_rate"),
                "chance_uniform": 1.0 / bins.levels,
                "chance_train": float(chance_train[level == lv].mean()),
                "mean_value": float(value[level == lv].mean()),
                "mean_z": float(z[level == lv].mean()),
            }
            for lv in np.unique(level)
        ]
    )


def _control_summary(
    table: pd.DataFrame, level: np.ndarray, value: np.ndarray, z: np.ndarray, hit: np.ndarray, resamples: int
) -> dict:
    """Summary row of one attribute from its per-level table and per-image arrays (n,); the hit rate
    has a bootstrap interval over images, resampled within each requested level."""
    enough = len(level) >= 2
    hit_rate = mean_estimate(hit, resamples, seed=0, strata=level)
    return {
        "attribute": table["attribute"].iloc[0],
        "n": len(level),
        "mean_hit_rate": hit_rate.value,
        "hit_rate_low": hit_rate.low,
        "hit_rate_high": hit_rate.high,
        "chance_uniform": table["chance_uniform"].iloc[0],
        "chance_train": table["chance_train"].mean(),
        "spearman": spearman(level, value) if enough else float("nan"),
        "means_increasing": bool(np.all(np.diff(table["mean_value"]) > 0)),
        "spearman_within_class": spearman(level, z) if enough else float("nan"),
        "z_means_increasing": bool(np.all(np.diff(table["mean_z"]) > 0)),
    }


def control_metrics(per_level: pd.DataFrame, summary: pd.DataFrame) -> dict:
    """The numbers of `control_table` that reports/metrics/style.json keeps: {attribute: its mean hit
    rate with interval, uniform chance and within-class Spearman, and under "levels" {level_name:
    hit_rate, hit_rate_low, hit_rate_high}}."""
    kept = ("mean_hit_rate", "hit_rate_low", "hit_rate_high", "chance_uniform", "spearman_within_class")
    return {
        row["attribute"]: {key: row[key] for key in kept}
        | {
            "levels": {
                level["level_name"]: {key: level[key] for key in ("hit_rate", "hit_rate_low", "hit_rate_high")}
                for level in per_level[per_level["attribute"] == row["attribute"]].to_dict("records")
            }
        }
        for row in summary.to_dict("records")
    }
