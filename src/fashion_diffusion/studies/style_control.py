"""How well generation controls style: requests for every class x attribute x level (sampled so that
only the style differs between levels), and the hit rates and rank correlations of the attributes
recomputed from the generated pixels, against chance: every level's hit rate in one family (Holm), every
attribute's pooled hit rate in another, and a verdict per attribute that names any level below chance."""

from __future__ import annotations

import numpy as np
import pandas as pd
import torch

from ..data.prepared import to_uint8
from ..model.checkpoint import ModelInfo
from ..model.samplers import Sampling, sample
from ..model.unet import Denoiser
from ..results.base import Comparison, Estimate
from ..results.style import CHANCE_WORDS, StyleAttribute, StyleControl, StyleLevel
from ..stats import inference
from ..stats.bootstrap import percentile_interval, resample_indices
from ..stats.inference import Difference
from ..stats.metrics import spearman
from ..style.bins import StyleBins, assign_levels

FAMILY = "style levels"
ATTRIBUTE_FAMILY = "style attributes"
# An attribute is "controlled well" when its pooled hit rate beats chance by at least this margin and
# every one of its levels is resolved above chance.
WELL_MARGIN = 0.2


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


def style_control(
    requested: np.ndarray,
    values: dict[str, np.ndarray],
    class_labels: np.ndarray,
    bins: StyleBins,
    per_level: int,
    resamples: int,
    seed: int,
) -> StyleControl:
    """How well generated images land in the style level they were asked for, within their class.

    requested: int64 (N, A) style labels used for generation (null = not requested); values: {attribute:
    (N,)} recomputed from the generated images; class_labels: (N,) the class each image was generated
    for. Image i hits if assign_levels(value_i, edges[class_i]) equals its requested level. Every level's
    hit rate (bootstrap over its images within classes, `seed`) is compared with chance (1 / levels) in
    one family over all attributes and levels; every attribute's pooled hit rate (resampled within
    levels) in another. z_i = within_class_z of the value among the images of its class that requested
    this attribute, so class differences do not drive the within-class rank correlation."""
    requested, class_labels = np.asarray(requested, dtype=np.int64), np.asarray(class_labels, dtype=np.int64)
    chance = 1.0 / bins.levels
    measured = {
        name: _attribute_hits(name, requested[:, column], values[name], class_labels, bins)
        for column, name in enumerate(bins.attributes)
        if (requested[:, column] != bins.null_level).any()
    }
    levels, pooled = {}, {}
    for name, m in measured.items():
        for lv in sorted({int(v) for v in m["level"]}):
            mine = m["level"] == lv
            levels[name, lv] = _hit_rate(m["hit"][mine], m["classes"][mine], chance, resamples, seed)
        pooled[name] = _hit_rate(m["hit"], m["level"], chance, resamples, seed)
    level_verdicts = inference.family(FAMILY, {key: d for key, (_, d) in levels.items()}, CHANCE_WORDS)
    pooled_verdicts = inference.family(ATTRIBUTE_FAMILY, {key: d for key, (_, d) in pooled.items()}, CHANCE_WORDS)
    attributes = []
    for name, m in measured.items():
        rows = [
            _level(name, lv, m, levels[attribute, lv][0], level_verdicts[attribute, lv], bins)
            for attribute, lv in levels
            if attribute == name
        ]
        attributes.append(_attribute(name, m, pooled[name][0], pooled_verdicts[name], chance, rows))
    return StyleControl(per_level=per_level, family=FAMILY, attributes=attributes)


def _attribute_hits(name: str, column: np.ndarray, values: np.ndarray, classes: np.ndarray, bins: StyleBins) -> dict:
    """Per image that requested the attribute (column (N,) of requested levels): its requested level,
    class, recomputed value, within-class z, and whether it hit."""
    asked = column != bins.null_level
    level, classes = column[asked], classes[asked]
    value = np.asarray(values, dtype=np.float64)[asked]
    hit = assign_levels(value, bins.edges_for(name, classes)) == level
    return {"level": level, "classes": classes, "value": value, "z": within_class_z(value, classes), "hit": hit}


def _attribute(
    name: str, m: dict, hit_rate: Estimate, versus: Comparison, chance: float, rows: list[StyleLevel]
) -> StyleAttribute:
    enough = len(m["level"]) >= 2
    return StyleAttribute(
        name=name,
        n=len(m["level"]),
        hit_rate=hit_rate,
        chance=chance,
        versus_chance=versus,
        spearman=_defined(spearman(m["level"], m["value"])) if enough else None,
        spearman_within_class=_defined(spearman(m["level"], m["z"])) if enough else None,
        verdict=attribute_verdict(versus, {r.name: r.versus_chance for r in rows}),
        levels=rows,
    )


def _hit_rate(hit: np.ndarray, strata: np.ndarray, chance: float, resamples: int, seed: int):
    """The hit rate with its percentile interval (resampled within strata, or over all images when a
    stratum holds a single image: it would never vary), and minus chance as a Difference with the
    resamples' standard deviation."""
    hit = hit.astype(np.float64)
    _, sizes = np.unique(strata, return_counts=True)
    index = resample_indices(len(hit), resamples, seed, strata if sizes.min() > 1 else None)
    means = hit[index].mean(axis=1)
    low, high = percentile_interval(means)
    rate = float(hit.mean())
    return Estimate(value=rate, low=low, high=high), Difference.of_resamples(rate - chance, means - chance)


def _level(name: str, lv: int, m: dict, hit_rate: Estimate, versus: Comparison, bins: StyleBins) -> StyleLevel:
    mine = m["level"] == lv
    chance_train = np.asarray(bins.train_fractions[name])[m["classes"][mine], lv]  # per image
    return StyleLevel(
        level=lv,
        name=bins.level_names[name][lv],
        n=int(mine.sum()),
        hit_rate=hit_rate,
        versus_chance=versus,
        chance_train=float(chance_train.mean()),
        mean_value=float(m["value"][mine].mean()),
        mean_z=float(m["z"][mine].mean()),
    )


def attribute_verdict(pooled: Comparison, levels: dict[str, Comparison]) -> str:
    """An attribute's verdict from its pooled hit rate minus chance and its levels' comparisons with chance
    (name -> Comparison, in order). A level fails when it is below chance. With failing levels, named:
    "controlled except at upright" when the pooled rate is still above chance, "not controlled at upright"
    when not, "not controlled at any level" when all fail. With none: "controlled well" when the pooled rate
    is above chance by at least WELL_MARGIN and every level is resolved above chance; "controlled except at
    upright (not resolved from chance)" when the pooled rate is that far above chance but a level is not
    resolved from it; "controlled, weakly" when above chance by less; else not resolved from chance (or
    "not controlled", below it)."""
    failing = [name for name, c in levels.items() if c.verdict == CHANCE_WORDS[1]]
    above = pooled.verdict == CHANCE_WORDS[0]
    if failing and len(failing) == len(levels):
        return "not controlled at any level"
    if failing:
        return f"controlled except at {_names(failing)}" if above else f"not controlled at {_names(failing)}"
    if pooled.verdict == CHANCE_WORDS[1]:
        return "not controlled"
    if not above:
        return "not resolved from chance"
    if pooled.value < WELL_MARGIN:
        return "controlled, weakly"
    unresolved = [name for name, c in levels.items() if c.verdict != CHANCE_WORDS[0]]
    return f"controlled except at {_names(unresolved)} (not resolved from chance)" if unresolved else "controlled well"


def _names(names: list[str]) -> str:
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def _defined(x: float) -> float | None:
    return None if np.isnan(x) else float(x)


def level_table(control: StyleControl) -> pd.DataFrame:
    """One row per requested (attribute, level): the CSV for DVC and the figure (attribute, level,
    level_name, n, hit_rate with its interval, chance, verdict, chance_train, mean_value, mean_z)."""
    return pd.DataFrame(
        [
            {
                "attribute": a.name,
                "level": lv.level,
                "level_name": lv.name,
                "n": lv.n,
                "hit_rate": lv.hit_rate.value,
                "hit_rate_low": lv.hit_rate.low,
                "hit_rate_high": lv.hit_rate.high,
                "chance_uniform": a.chance,
                "verdict": lv.versus_chance.verdict,
                "chance_train": lv.chance_train,
                "mean_value": lv.mean_value,
                "mean_z": lv.mean_z,
            }
            for a in control.attributes
            for lv in a.levels
        ]
    )


def headline(control: StyleControl) -> dict[str, float]:
    """Each attribute's pooled hit rate (reports/headline/style.json)."""
    return {f"{a.name}_hit_rate": a.hit_rate.value for a in control.attributes}
