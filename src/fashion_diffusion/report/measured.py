"""The report's context for the answers measured by dedicated stages: ablations, one step against
gradual denoising, the wrong timestep, the guidance sweep, class difficulty, generated training
data, limitations and the improvements they point to.

Like `context`, each function copies numbers from one stage's outputs, renders its tables, and takes
every verdict word from `report.verdicts`.
"""

from __future__ import annotations

import pandas as pd

from . import improvements, verdicts
from .format import interval, table
from .outputs import RunOutputs

# The CLIP-alignment variant in ablations.json: the name the config reserves for ablations.clip_alignment.
CLIP_LOSS_VARIANT = "clip_alignment"


def variant_roles(params: dict) -> dict[str, str]:
    """Which variant answers which question, read from params.yaml by how its model.archs entry differs
    from the reference's: "simpler" another kind of network (2.1), "no_skip" only skip_connections (2.2),
    "no_time" only time_embedding (3.3), "larger" the same kind with more channels (bonus 2); "clip_loss"
    is the CLIP-alignment variant (4.3)."""
    a, archs = params["ablations"], params["model"]["archs"]
    reference = archs[a["variants"][a["reference"]]]
    roles = {"clip_loss": CLIP_LOSS_VARIANT}
    for name, arch_name in a["variants"].items():
        arch = archs[arch_name]
        differs = {key for key in arch if arch[key] != reference.get(key)}
        role = (
            "simpler"
            if arch["kind"] != reference["kind"]
            else "no_skip"
            if differs == {"skip_connections"}
            else "no_time"
            if differs == {"time_embedding"}
            else "larger"
            if sum(arch["channels"]) > sum(reference["channels"])
            else None
        )
        if role in roles:
            raise ValueError(f"ablations.variants: {roles[role]} and {name} both answer the {role!r} question")
        if role:
            roles[role] = name
    missing = {"simpler", "no_skip", "no_time", "larger"} - set(roles)
    if missing:
        raise ValueError(f"ablations.variants: no variant answers {', '.join(sorted(missing))}")
    return roles


def _curve_words(row: dict, budgets: list[float]) -> dict[str, str]:
    """A variant's verdict against the reference along its learning curve, by accuracy and by FID."""
    curve, crossed = row["curve"], row["crossings"]
    by_accuracy = [
        verdicts.effect(p["accuracy_difference_low"], p["accuracy_difference_high"], "better", "worse") for p in curve
    ]
    by_fid = [verdicts.lower_is_better(p["fid_difference_low"], p["fid_difference_high"]) for p in curve]
    return {
        "accuracy_curve": verdicts.curve(by_accuracy, budgets, crossed["accuracy"]),
        "fid_curve": verdicts.curve(by_fid, budgets, crossed["fid"]),
        "accuracy_words": by_accuracy,
        "fid_words": by_fid,
    }


def ablations(outputs: RunOutputs, params: dict) -> dict:
    """Every variant with its cost and judged quality at the largest budget, its learning curve, the
    differences from the reference (at the largest budget and along the curve, with the verdict at each
    budget and where the curves cross); `role`: the variant that answers each question (`variant_roles`)."""
    m = outputs.json("reports/metrics/ablations.json")
    reference, budgets = m["reference"], m["budgets_gflop"]
    variants = {}
    for name, row in m["variants"].items():
        entry = {
            **row,
            "fid_shown": interval(row, "fid"),
            "accuracy_shown": interval(row, "accuracy", percent=True),
            "mse_shown": interval(row, "held_out_mse"),
            "arch_params": params["model"]["archs"][row["arch"]],
            "gflops_ratio": row["gflops_per_image"] / m["variants"][reference]["gflops_per_image"],
            "first": row["curve"][0],
        }
        if name != reference:
            entry |= {
                "accuracy_difference_shown": interval(row, "accuracy_difference", percent=True),
                "fid_difference_shown": interval(row, "fid_difference"),
                "by_accuracy": verdicts.comparison(
                    row["accuracy_difference_low"], row["accuracy_difference_high"], f"`{name}`", f"`{reference}`"
                ),
                "by_fid": verdicts.comparison(
                    row["fid_difference_low"],
                    row["fid_difference_high"],
                    f"`{name}`",
                    f"`{reference}`",
                    lower_is_better=True,
                ),
                **_curve_words(row, budgets),
            }
        variants[name] = entry
    shown = pd.DataFrame(
        [
            {
                "variant": name,
                "arch": v["arch"],
                "parameters": v["parameters"],
                "GFLOPs/image": v["gflops_per_image"],
                "steps": " / ".join(str(p["steps"]) for p in v["curve"]),
                "train s": v["train_seconds"],
                "sample s": sum(p["sample_seconds"] for p in v["curve"]),
                "final loss": v["final_loss"],
            }
            for name, v in variants.items()
        ]
    )
    curve_rows = []
    for name, v in variants.items():
        for i, point in enumerate(v["curve"]):
            compared = name != reference
            curve_rows.append(
                {
                    "variant": name,
                    "GFLOPs": f"{point['budget_gflop']:,.0f}",
                    "steps": point["steps"],
                    "held-out MSE": interval(point, "held_out_mse"),
                    "FID [95%]": interval(point, "fid"),
                    "judge accuracy [95%]": interval(point, "accuracy", percent=True),
                    "accuracy - reference": interval(point, "accuracy_difference", percent=True) if compared else "-",
                    "by accuracy": v["accuracy_words"][i] if compared else "-",
                    "FID - reference": interval(point, "fid_difference") if compared else "-",
                    "by FID": v["fid_words"][i] if compared else "-",
                }
            )
    threads = variants[reference]["threads"]
    return {
        "m": m,
        "v": variants,
        "ref": variants[reference],
        "table": table(shown),
        "curve_table": table(pd.DataFrame(curve_rows)),
        "budgets": budgets,
        "largest": budgets[-1],
        "role": {role: variants[name] for role, name in variant_roles(params).items()},
        "seconds": sum(v["train_seconds"] + sum(p["sample_seconds"] for p in v["curve"]) for v in variants.values()),
        "workers": variants[reference]["workers"],
        "concurrent": variants[reference]["workers"] > 1,  # several variants trained at once
        "threads_shown": f"{threads} CPU thread{'' if threads == 1 else 's'}",
    }


def one_step(outputs: RunOutputs) -> dict:
    m = outputs.json("reports/metrics/one_step.json")
    d = m["gradual_minus_one_step"]
    shown = pd.DataFrame(
        [
            {
                "process": name,
                "FID [95%]": interval(m[key], "fid"),
                "floor": m[key]["fid_floor"],
                "KID x 1000": 1000 * m[key]["kid"],
                "judge accuracy [95%]": interval(m[key], "accuracy", True),
            }
            for name, key in (("one step from noise", "one_step"), ("gradual (the default sampler)", "gradual"))
        ]
    )
    return {
        "m": m,
        "table": table(shown),
        "accuracy_difference": interval(d, "accuracy_difference", percent=True),
        "fid_difference": interval(d, "fid_difference"),
        "by_accuracy": verdicts.comparison(
            d["accuracy_difference_low"], d["accuracy_difference_high"], "the gradual process", "one step"
        ),
        "by_fid": verdicts.comparison(
            d["fid_difference_low"], d["fid_difference_high"], "the gradual process", "one step", lower_is_better=True
        ),
    }


def wrong_timestep(outputs: RunOutputs) -> dict:
    m = outputs.json("reports/metrics/wrong_timestep.json")
    rows = m["conditions"]
    for row in rows:
        row["verdict"] = (
            "-"
            if row["condition"] == "true t"
            else verdicts.effect(row["increase_low"], row["increase_high"], "higher error", "lower error")
        )
    shown = pd.DataFrame(
        [
            {
                "timestep told": r["condition"],
                "MSE [95%]": interval(r, "mse"),
                "increase over the true t [95%]": interval(r, "increase"),
                "x true-t MSE": r["ratio"],
                "verdict": r["verdict"],
            }
            for r in rows
        ]
    )
    by_name = {r["condition"]: r for r in rows}
    return {
        "m": m,
        "table": table(shown),
        "random": by_name["random t"],
        "true": by_name["true t"],
        "shifted": [r for r in rows if r["condition"] not in ("true t", "random t")],
    }


def guidance(outputs: RunOutputs, params: dict) -> dict:
    m = outputs.json("reports/metrics/guidance_sweep.json")
    rows = m["scales"]
    for row in rows:
        baseline = row["scale"] == m["baseline_scale"]
        row["by_fid"] = (
            "-" if baseline else verdicts.lower_is_better(row["fid_difference_low"], row["fid_difference_high"])
        )
        row["by_accuracy"] = (
            "-"
            if baseline
            else verdicts.effect(row["accuracy_difference_low"], row["accuracy_difference_high"], "better", "worse")
        )
    shown = pd.DataFrame(
        [
            {
                "scale": r["scale"],
                "FID [95%]": interval(r, "fid"),
                "floor": r["fid_floor"],
                "judge accuracy [95%]": interval(r, "accuracy", True),
                f"FID - scale {m['baseline_scale']:g}": interval(r, "fid_difference"),
                "by FID": r["by_fid"],
                f"accuracy - scale {m['baseline_scale']:g}": interval(r, "accuracy_difference", True),
                "by accuracy": r["by_accuracy"],
                "seconds": r["seconds"],
            }
            for r in rows
        ]
    )
    shares = sorted(m["null_shares"].items(), key=lambda item: -item[1]["share"])
    shown_shares = pd.DataFrame(
        [
            {"judged class": name, "share of unconditional samples [95%]": interval(s, "share", True)}
            for name, s in shares
        ]
    )
    return {
        "m": m,
        "rows": rows,
        "table": table(shown),
        "null_table": table(shown_shares),
        "most": shares[0],
        "least": shares[-1],
        "zero": next((r for r in rows if r["scale"] == 0), None),
        "baseline": next(r for r in rows if r["scale"] == m["baseline_scale"]),
    }


def difficulty(outputs: RunOutputs) -> dict:
    m = outputs.json("reports/metrics/class_difficulty.json")
    per_class = outputs.csv("data/class_difficulty/per_class.csv")
    correlations = outputs.csv("data/class_difficulty/correlations.csv")
    correlations["verdict"] = [
        verdicts.hypothesis(r.rho_low, r.rho_high, r.expected_sign) for r in correlations.itertuples()
    ]
    shown = pd.DataFrame(
        {
            "property of the real class": correlations["property"],
            "difficulty measure": correlations["measure"],
            "predicted sign": correlations["expected_sign"].map({1: "+", -1: "-"}),
            "Spearman rho [95%]": [interval(r, "rho") for r in correlations.to_dict("records")],
            "hypothesis": correlations["verdict"],
        }
    )
    counts = correlations["verdict"].value_counts().to_dict()
    supported, contradicted = counts.get("supported", 0), counts.get("contradicted", 0)
    classes = per_class.assign(
        **{"generated accuracy [95%]": [interval(r, "generated_accuracy", True) for r in per_class.to_dict("records")]}
    )
    classes = classes[
        ["class", "generated accuracy [95%]", "real_accuracy", "fid", "fid_floor", "pixel_variance", "edge_density"]
    ]
    return {
        "m": m,
        "table": table(shown),
        "class_table": table(classes, percent=("real_accuracy",)),
        "supported": supported,
        "contradicted": contradicted,
        "supported_verb": "is" if supported == 1 else "are",
        "unresolved": counts.get(verdicts.NOT_RESOLVED, 0),
        "tests": len(correlations),
        # the hypothesis: held (supported, none contradicted), mixed, failed (only contradicted), else unresolved
        "held": supported > 0 and contradicted == 0,
        "mixed": supported > 0 and contradicted > 0,
        "failed": contradicted > 0 and supported == 0,
        "rows": correlations.to_dict("records"),
    }


def augmentation(outputs: RunOutputs) -> dict:
    m = outputs.json("reports/metrics/augmentation.json")
    sets = {row["set"]: row for row in m["sets"]}
    shown = pd.DataFrame(
        [
            {
                "trained on": name,
                "test accuracy [95%]": interval(r, "accuracy", True),
                "single seeds": f"{100 * r['seed_min']:.1f}%-{100 * r['seed_max']:.1f}%",
                "minus real only [95%]": interval(r, "difference_from_real", True),
            }
            for name, r in sets.items()
        ]
    )
    generated, both = sets["generated"], sets["real + generated"]
    return {
        "m": m,
        "table": table(shown),
        "sets": sets,
        "generated_difference": interval(generated, "difference_from_real", percent=True),
        "generated_vs_real": verdicts.comparison(
            generated["difference_from_real_low"],
            generated["difference_from_real_high"],
            "training on generated images",
            "training on real ones",
        ),
        "adding": verdicts.effect(
            both["difference_from_real_low"], both["difference_from_real_high"], "helps", "hurts"
        ),
    }


def limitations(outputs: RunOutputs) -> dict:
    cost = outputs.json("reports/metrics/sampling_cost.json")
    memory = outputs.csv("data/sampling_cost.csv")
    shown = pd.DataFrame(
        {
            "sampler": memory["sampler"],
            f"MiB for {cost['images']} images": memory["above_warm_up_mib"],
            "MiB per image": memory["mib_per_image"],
        }
    )
    flops = cost["gflops_per_image_at_side"]
    sides = sorted(flops, key=int)
    difficulty = outputs.json("reports/metrics/class_difficulty.json")
    return {
        "cost": cost,
        "table": table(shown),
        "flops": [(s, flops[s]) for s in sides],
        "smallest_side": sides[0],
        "largest_side": sides[-1],
        "flops_ratio": flops[sides[-1]] / flops[sides[0]],
        "failing": difficulty["failing_classes"],
        "side": cost["image_shape"][-1],
    }


def ranked_improvements(outputs: RunOutputs, params: dict) -> dict:
    ablation, roles = outputs.json("reports/metrics/ablations.json"), variant_roles(params)
    gaps = [
        improvements.fid_gap(
            outputs.json("reports/metrics/evaluate.json"),
            outputs.csv("data/training_quality/quality_over_training.csv"),
        ),
        improvements.worst_class_gap(
            outputs.csv("data/class_difficulty/per_class.csv"),
            outputs.csv("data/guidance_sweep/class_distribution.csv"),
        ),
        improvements.guidance_gap(outputs.json("reports/metrics/guidance_sweep.json")),
        improvements.variant_gap(ablation, roles["larger"], "capacity"),
        improvements.variant_gap(ablation, roles["clip_loss"], "clip_loss"),
        improvements.realism_gap(outputs.json("reports/metrics/augmentation.json")),
    ]
    candidates = pd.DataFrame(
        [
            {
                "candidate": g.key,
                "gap (share of the current value)": g.size,
                "resolved (95%)": "yes" if g.resolved else "no",
            }
            for g in gaps
            if g is not None
        ]
    )
    return {"top": improvements.ranked(gaps), "table": table(candidates, percent=("gap (share of the current value)",))}
