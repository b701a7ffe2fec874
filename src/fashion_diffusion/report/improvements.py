"""The seed's 5.3: which improvements this run's measurements point to, ranked by the gap each closes.

Each candidate reads one measured gap from the run's outputs. Its size is the gap as a fraction of
where the run stands (0 = no gap), and it is resolved when the gap's 95% interval excludes no gap.
The report names the three largest resolved gaps; unresolved candidates fill a place only when fewer
than three are resolved, and say so. Each candidate key has its own sentence, a sub-template
`templates/sections/improvement_<key>.md.j2` filled with the candidate's numbers and flags (decided
here, not in the template), so the advice given is always the advice a measured gap supports.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd


@dataclass(frozen=True)
class Gap:
    key: str  # which improvement: names its sentence, templates/sections/improvement_<key>.md.j2
    size: float  # the gap relative to the run's current value, >= 0
    resolved: bool  # the gap's 95% interval excludes no gap
    values: dict  # the numbers its sentence quotes, and the flags that choose its words


def fid_gap(evaluate: dict, quality: pd.DataFrame) -> Gap:
    """Headline FID above the real-data floor at the same n; the last snapshots show the trend
    (still_falling: the last snapshot's FID is below the one before, so longer training comes first)."""
    fid, floor = evaluate["fid"], evaluate["fid_floor"]
    last = quality.sort_values("step").tail(2)
    snapshot_fids = last["fid"].tolist()
    return Gap(
        "fid",
        max(0.0, (fid - floor) / fid),
        evaluate["fid_low"] > floor,
        {
            "fid": fid,
            "fid_low": evaluate["fid_low"],
            "fid_high": evaluate["fid_high"],
            "floor": floor,
            "steps": last["step"].tolist(),
            "snapshot_fids": snapshot_fids,
            "still_falling": snapshot_fids[-1] < snapshot_fids[0],
        },
    )


def worst_class_gap(per_class: pd.DataFrame, distribution: pd.DataFrame) -> Gap:
    """The class whose generated accuracy lags its real accuracy the most (class_difficulty table), with
    its judge accuracy at every scale of the guidance sweep (the diagonal of its class distribution)."""
    gaps = (per_class["real_accuracy"] - per_class["generated_accuracy"]) / per_class["real_accuracy"]
    row = per_class.loc[gaps.idxmax()]
    diagonal = distribution[(distribution["requested"] == row["class"]) & (distribution["judged"] == row["class"])]
    return Gap(
        "worst_class",
        max(0.0, float(gaps.max())),
        bool(row["generated_accuracy_high"] < row["real_accuracy"]),
        {
            "class": row["class"],
            "generated": row["generated_accuracy"],
            "low": row["generated_accuracy_low"],
            "high": row["generated_accuracy_high"],
            "real": row["real_accuracy"],
            "by_scale": list(zip(diagonal["scale"], diagonal["fraction"])),
        },
    )


def guidance_gap(guidance: dict) -> Gap | None:
    """The guidance scale with the lowest FID against the default scale (paired difference)."""
    rows = pd.DataFrame(guidance["scales"])
    best = rows.loc[rows["fid"].idxmin()]
    default = rows.loc[rows["scale"] == guidance["baseline_scale"]].iloc[0]
    if best["scale"] == default["scale"]:
        return None
    return Gap(
        "guidance",
        (default["fid"] - best["fid"]) / default["fid"],
        bool(best["fid_difference_high"] < 0),
        {
            "best": best["scale"],
            "default": default["scale"],
            "best_fid": best["fid"],
            "default_fid": default["fid"],
            "low": best["fid_difference_low"],
            "high": best["fid_difference_high"],
            "best_accuracy": best["accuracy"],
            "default_accuracy": default["accuracy"],
        },
    )


def variant_gap(ablations: dict, variant: str, key: str) -> Gap | None:
    """An ablation variant that beats the reference by FID at equal compute (None if it does not)."""
    row, reference = ablations["variants"][variant], ablations["variants"][ablations["reference"]]
    if row["fid_difference"] >= 0:
        return None
    return Gap(
        key,
        -row["fid_difference"] / reference["fid"],
        row["fid_difference_high"] < 0,
        {
            "fid": row["fid"],
            "reference_fid": reference["fid"],
            "low": row["fid_difference_low"],
            "high": row["fid_difference_high"],
            "train_gflop": ablations["train_gflop"],
        },
    )


def realism_gap(augmentation: dict) -> Gap:
    """A classifier trained on generated images against one trained on as many real ones."""
    sets = {row["set"]: row for row in augmentation["sets"]}
    generated, real = sets["generated"], sets["real"]
    return Gap(
        "realism",
        max(0.0, (real["accuracy"] - generated["accuracy"]) / real["accuracy"]),
        generated["difference_from_real_high"] < 0,
        {
            "generated": generated["accuracy"],
            "real": real["accuracy"],
            "low": generated["difference_from_real_low"],
            "high": generated["difference_from_real_high"],
            "per_class": augmentation["per_class"],
        },
    )


def ranked(gaps: list[Gap | None], count: int = 3) -> list[Gap]:
    """The `count` candidates to report: resolved before unresolved, larger gaps first."""
    present = [gap for gap in gaps if gap is not None]
    return sorted(present, key=lambda gap: (not gap.resolved, -gap.size))[:count]
