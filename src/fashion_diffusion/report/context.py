"""The values the report template shows, computed from one run's stage outputs.

Each function builds the context of one part of the report; `build` joins them. Numbers are
copied from the stage outputs, tables are rendered here, and every verdict word comes from
`report.verdicts`, never from the template.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..config.constants import IMAGE_SIDE
from ..model.schedule import cosine_schedule
from . import measured, verdicts
from .format import interval, pct, table
from .outputs import RunOutputs

SAMPLER_DEFAULT = "the default"  # the sampler table's comparison cells of the default sampler's own run
SAMPLER_UNPAIRED = "not paired (own n)"  # ... and of a run judged on another n (other labels, other noise)
FIRST_LOSS_PERCENT = 5  # 3.1's "first loss": the mean of this percentage of the logged steps, from the start


def build(outputs: RunOutputs, params: dict, run_name: str | None) -> dict:
    """The template's values; run_name None when the execution was not logged to MLflow."""
    return {
        "run_name": run_name,
        "params": params,
        "not_resolved": verdicts.NOT_RESOLVED,
        "image_side": IMAGE_SIDE,
        "setup": setup(outputs, params),
        "forward": forward(params),
        "recognition": recognition(outputs, params),
        "architecture": architecture(outputs, params),
        "training": training(outputs, params),
        "clip": clip(outputs, params),
        "selection": selection(outputs),
        "judge": judge(outputs),
        "samplers": samplers(outputs),
        "style": style(outputs, params),
        "ablations": measured.ablations(outputs, params),
        "one_step": measured.one_step(outputs),
        "wrong_timestep": measured.wrong_timestep(outputs),
        "guidance": measured.guidance(outputs, params),
        "difficulty": measured.difficulty(outputs),
        "augmentation": measured.augmentation(outputs),
        "limitations": measured.limitations(outputs),
        "improvements": measured.ranked_improvements(outputs, params),
    }


def setup(outputs: RunOutputs, params: dict) -> dict:
    train, sample = outputs.json("models/train_metrics.json"), outputs.json("data/samples/sample_metrics.json")
    capped = params["train"]["max_steps"] > 0 and train["steps"] == params["train"]["max_steps"]
    return {
        "train": train,
        "sample": sample,
        "clip": outputs.json("reports/metrics/clip.json"),
        "budget": "capped by train.max_steps" if capped else f"{params['train']['epochs']} epochs",
        "train_minutes": train["train_seconds"] / 60,
        "min_snr": params["train"]["loss_weighting"] == "min_snr",
    }


def forward(params: dict) -> dict:
    timesteps = params["diffusion"]["timesteps"]
    alpha_bars = cosine_schedule(timesteps, params["diffusion"]["cosine_s"]).alpha_bars.numpy()
    last = float(alpha_bars[-1])
    return {
        "timesteps": timesteps,
        "half": int(np.argmax(alpha_bars < 0.5)),
        "tenth": int(np.argmax(alpha_bars < 0.1)),
        "last_t": timesteps - 1,
        "last": last,
        "last_sqrt": last**0.5,
        "predicts_noise": params["diffusion"]["prediction"] == "epsilon",
    }


def recognition(outputs: RunOutputs, params: dict) -> dict:
    per_class = outputs.csv("data/recognition/per_class.csv")
    metrics = outputs.json("reports/metrics/recognition.json")
    ranked = per_class.dropna(subset=["median"]).sort_values("median")
    shown = per_class.rename(
        columns={"median": "median point", "q25": "25th pct", "q75": "75th pct", "unrecognised": "never recognised"}
    )
    return {
        "metrics": metrics,
        "table": table(shown, percent=("median point", "25th pct", "75th pct")),
        "earliest": ranked.iloc[0].to_dict() if len(ranked) else None,
        "latest": ranked.iloc[-1].to_dict() if len(ranked) else None,
        "per_class": params["sample"]["trajectory_per_class"],
        "steps": params["sample"]["trajectory_steps"],
    }


def architecture(outputs: RunOutputs, params: dict) -> dict:
    costs = outputs.csv("data/arch_cost.csv").rename(
        columns={
            "gflops_per_image": "GFLOPs/image (fwd)",
            "step_seconds": "train step s",
            "images_per_second": "train img/s",
            "peak_rss_mib": "peak RSS MiB",
            "rss_above_baseline_mib": "MiB above the process baseline",
        }
    )
    channels = params["model"]["archs"][params["model"]["arch"]]["channels"]
    return {
        "cost_table": table(costs),
        "batch": params["evaluate"]["arch_bench_batch"],
        # each level below the first halves the side (strided convolutions)
        "coarsest_side": IMAGE_SIDE // 2 ** (len(channels) - 1),
        # sinusoidal_embedding: dim // 2 frequencies, a sine and a cosine each
        "time_frequencies": params["model"]["embedding_dim"] // 2,
    }


def training(outputs: RunOutputs, params: dict) -> dict:
    loss = outputs.csv("models/loss.csv")
    by_t = outputs.csv("data/training_quality/loss_by_timestep.csv")
    quality = outputs.csv("data/training_quality/quality_over_training.csv")
    hardest, easiest = by_t.iloc[by_t["mse"].idxmax()].to_dict(), by_t.iloc[by_t["mse"].idxmin()].to_dict()
    return {
        "first_loss": float(loss["loss"].iloc[: max(1, len(loss) * FIRST_LOSS_PERCENT // 100)].mean()),
        "first_percent": FIRST_LOSS_PERCENT,
        "final_loss": outputs.json("models/train_metrics.json")["final_loss"],
        "hardest": hardest,
        "easiest": easiest,
        "mse_ratio": hardest["mse"] / easiest["mse"],
        "quality_table": table(_quality_shown(quality)),
        "snapshot_images": int(quality["samples"].iloc[0]),
        "evaluate": params["evaluate"],
    }


def _quality_shown(quality: pd.DataFrame) -> pd.DataFrame:
    """3.2's table: each EMA snapshot's FID and judge accuracy with 95% intervals, the floor at its n,
    and its change from the snapshot before (paired: the same noise), with its verdict."""
    rows = []
    for i, r in enumerate(quality.to_dict("records")):
        rows.append(
            {
                "step": r["step"],
                "FID [95%]": interval(r, "fid"),
                "floor at n": r["fid_floor"],
                "judge accuracy [95%]": interval(r, "accuracy", percent=True),
                "FID - previous": interval(r, "fid_change") if i else "-",
                "by FID": verdicts.lower_is_better(r["fid_change_low"], r["fid_change_high"]) if i else "-",
                "accuracy - previous": interval(r, "accuracy_change", percent=True) if i else "-",
                "by accuracy": verdicts.effect(r["accuracy_change_low"], r["accuracy_change_high"], "better", "worse")
                if i
                else "-",
            }
        )
    return pd.DataFrame(rows)


def clip_seeds(outputs: RunOutputs, params: dict) -> dict:
    """The in-domain scorer's validation for its training seed and every seed of clip.spread_seeds:
    a table, and each verdict agreed across seeds (or marked unresolved across them)."""
    runs = {params["clip"]["train"]["seed"]: outputs.json("models/clip_scorer_metrics.json")}
    runs |= {seed: outputs.json(f"models/clip_seeds/seed_{seed}.json") for seed in params["clip"]["spread_seeds"]}
    shown = pd.DataFrame(
        [
            {
                "training seed": seed,
                "zero-shot accuracy": m["zero_shot_accuracy"],
                "AUC clear vs blurred": interval(m, "auc_clear_vs_blurred"),
                "AUC clear vs noised": interval(m, "auc_clear_vs_noised"),
                "most alike prompts (correlation)": _most_alike(m["prompt_correlations"]),
            }
            for seed, m in runs.items()
        ]
    )

    def verdict(key):
        return verdicts.agreed([verdicts.detects(m[f"{key}_low"], m[f"{key}_high"]) for m in runs.values()])

    accuracy = [m["zero_shot_accuracy"] for m in runs.values()]
    noise = verdict("auc_clear_vs_noised")
    return {
        "table": table(shown, percent=("zero-shot accuracy",)),
        "seeds": list(runs),
        "blur": verdict("auc_clear_vs_blurred"),
        "noise": noise,
        "noise_depends_on_seed": noise == verdicts.NOT_AGREED,
        "accuracy_min": min(accuracy),
        "accuracy_max": max(accuracy),
    }


def _most_alike(correlations: dict[str, dict[str, float | None]]) -> str:
    """The pair of prompts whose probabilities correlate most over the validation images, as text."""
    measured = [(r, a, b) for a, row in correlations.items() for b, r in row.items() if r is not None]
    if not measured:
        return "not measured"
    r, a, b = max(measured)
    return f"{a} / {b} ({r:.2f})"


def clip(outputs: RunOutputs, params: dict) -> dict:
    metrics = outputs.json("reports/metrics/clip.json")
    meaning = pd.DataFrame([{"images": kind, **means} for kind, means in metrics["scorer_prompt_means"].items()])
    rows = pd.DataFrame([{"class": name, **values} for name, values in metrics["per_class"].items()])
    ranked = rows.sort_values("class_prob")
    return {
        "m": metrics,
        "table": table(rows),
        "hardest": ranked.head(3).to_dict("records"),
        "easiest": ranked.iloc[-1].to_dict(),
        "prompts": ", ".join(f'"{p}"' for p in params["clip"]["prompts"].values()),
        "blurred": interval(metrics, "scorer_auc_clear_vs_blurred"),
        "noised": interval(metrics, "scorer_auc_clear_vs_noised"),
        "meaning": table(meaning),
        "same_meaning": verdicts.same_meaning(metrics["scorer_prompt_correlations"]),
        "seeds": clip_seeds(outputs, params),
        "detects_blur": verdicts.detects(
            metrics["scorer_auc_clear_vs_blurred_low"], metrics["scorer_auc_clear_vs_blurred_high"]
        ),
        "detects_noise": verdicts.detects(
            metrics["scorer_auc_clear_vs_noised_low"], metrics["scorer_auc_clear_vs_noised_high"]
        ),
    }


def selection(outputs: RunOutputs) -> dict:
    s = outputs.json("reports/metrics/selection.json")
    sets = ["selected", "rejected", "random", "all"]
    effect = pd.DataFrame(
        {
            "set": sets,
            "n": [s[f"{g}_n"] for g in sets],
            "judge accuracy": [s[f"{g}_accuracy"] for g in sets],
            "judge confidence": [s[f"{g}_confidence"] for g in sets],
        }
    )
    word = verdicts.effect(s["gain_low"], s["gain_high"], "helps", "hurts")
    return {
        "s": s,
        "table": table(effect, percent=("judge accuracy",)),
        "verdict": word,
        "gain": interval(s, "gain", percent=True),
    }


def judge(outputs: RunOutputs) -> dict:
    e, j = outputs.json("reports/metrics/evaluate.json"), outputs.json("models/judge_metrics.json")
    per_class = outputs.csv("data/evaluate/per_class.csv")
    worst = per_class.iloc[per_class["generated_accuracy"].idxmin()]
    kid_x1000 = {key: 1000 * value for key, value in e.items() if key.startswith("kid")}
    return {
        "e": e,
        "j": j,
        "fid": interval(e, "fid"),
        "kid": interval(kid_x1000, "kid", digits=2),
        "accuracy": interval(e, "accuracy", percent=True),
        "confidence": interval(e, "confidence"),
        "worst": worst.to_dict(),
        "per_class_table": table(per_class, percent=("generated_accuracy", "real_accuracy")),
    }


def samplers(outputs: RunOutputs) -> dict:
    """5.2's sampler table: per run its n, time per 1000 images (after a warm-up), FID and judge accuracy
    with 95% intervals and the floor at its n, and, for a run that pairs with the default sampler's
    run (the same labels and seed), its differences from it with their verdicts; `own_n`: the runs
    judged on their own n, which pair with no run."""
    t = outputs.csv("data/sampler_study.csv")
    rows = [_sampler_row(r) for r in t.to_dict("records")]
    default = t[t["default"]].iloc[0]
    own_n = [
        {"name": _sampler_name(r), "images": r["samples"], "per_class": r["per_class"], "floor": r["fid_floor"]}
        for r in t.to_dict("records")
        if not r["default"] and not r["paired"]
    ]
    return {
        "table": table(pd.DataFrame(rows)),
        "per_class": int(default["per_class"]),
        "images": int(default["samples"]),
        "default": _sampler_name(default),
        "own_n": own_n,
    }


def _sampler_name(r) -> str:
    eta = f", eta {r['eta']:g}" if r["sampler"] == "ddim" else ""
    return f"`{r['sampler']}` {r['steps']} steps{eta}"


def _sampler_row(r: dict) -> dict:
    if r["default"] or not r["paired"]:
        said = SAMPLER_DEFAULT if r["default"] else SAMPLER_UNPAIRED
        compared = {"FID - default": said, "by FID": "-", "accuracy - default": said, "by accuracy": "-"}
    else:
        compared = {
            "FID - default": interval(r, "fid_difference"),
            "by FID": verdicts.lower_is_better(r["fid_difference_low"], r["fid_difference_high"]),
            "accuracy - default": interval(r, "accuracy_difference", percent=True),
            "by accuracy": verdicts.effect(
                r["accuracy_difference_low"], r["accuracy_difference_high"], "better", "worse"
            ),
        }
    return {
        "sampler": r["sampler"],
        "steps": r["steps"],
        "eta": r["eta"],
        "images": r["samples"],
        "s / 1000 images": r["seconds_per_1000"],
        "FID [95%]": interval(r, "fid"),
        "floor at n": r["fid_floor"],
        "judge accuracy [95%]": interval(r, "accuracy", percent=True),
        **compared,
    }


def style(outputs: RunOutputs, params: dict) -> dict:
    """Bonus 4: per attribute its hit rate over all levels and its verdict, which names the levels whose
    own hit rate lies below chance; per level the hit rate with its interval, chance and its verdict."""
    levels = outputs.csv("data/style_control.csv")
    levels["verdict"] = [
        verdicts.style_level(low, high, chance)
        for low, high, chance in zip(levels["hit_rate_low"], levels["hit_rate_high"], levels["chance_uniform"])
    ]
    rows = [_style_row(name, m, levels) for name, m in outputs.json("reports/metrics/style.json").items()]
    return {
        "rows": rows,
        "summary_table": table(pd.DataFrame(rows).drop(columns="by_level"), percent=("hit rate", "chance")),
        "levels_table": table(_style_levels(levels), percent=("chance",)),
        "per_level": params["evaluate"]["style_per_level"],
    }


def _style_row(attribute: str, m: dict, levels: pd.DataFrame) -> dict:
    """One attribute's summary from its style.json entry `m` and the per-level rows with their verdicts;
    by_level lists each level's verdict, for the sentence."""
    words = dict(levels.loc[levels["attribute"] == attribute, ["level_name", "verdict"]].itertuples(index=False))
    return {
        "attribute": attribute,
        "hit rate": m["mean_hit_rate"],
        "95% interval": f"{pct(m['hit_rate_low'])} to {pct(m['hit_rate_high'])}",
        "chance": m["chance_uniform"],
        "within-class Spearman": m["spearman_within_class"],
        "verdict": verdicts.style_control(m["hit_rate_low"], m["mean_hit_rate"], m["chance_uniform"], words),
        "by_level": ", ".join(f"{name} {word}" for name, word in words.items()),
    }


def _style_levels(levels: pd.DataFrame) -> pd.DataFrame:
    """The per-level table as shown: hit rate with its 95% interval against chance, and the verdict."""
    return pd.DataFrame(
        {
            "attribute": levels["attribute"],
            "level": levels["level_name"],
            "n": levels["n"],
            "hit rate [95%]": [interval(r, "hit_rate", percent=True) for r in levels.to_dict("records")],
            "chance": levels["chance_uniform"],
            "verdict": levels["verdict"],
            "mean value": levels["mean_value"],
            "mean within-class z": levels["mean_z"],
        }
    )
