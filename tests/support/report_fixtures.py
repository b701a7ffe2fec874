"""A small, complete set of stage outputs for rendering the report without running the pipeline.

`write_outputs(root, resolved)` writes every JSON and CSV file that `report.context.build` reads, with
made-up but well-formed numbers for a 10-class run. One knob sets the comparisons: with
`resolved=True` every measured difference is clear (its 95% interval excludes no effect), with
`resolved=False` every interval includes no effect; the point values differ between the two too,
so a test can check that the report's numbers and sentences follow the data. `variant_names` and
`arch_names` rename ablation variants and architectures (old -> new), as a params.yaml with other
names would produce them (`renamed_params` renames them in the params alike).
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

CLASSES = ["t-shirt", "trouser", "pullover", "dress", "coat", "sandal", "shirt", "sneaker", "bag", "ankle boot"]
# The headings of the report's answers, in the seed's order (1.1 ... 5.3, bonus 1-4, summary table).
SEED_SECTIONS = [
    "### 1.1",
    "### 1.2",
    "### 1.3",
    "### 2.1",
    "### 2.2",
    "### 2.3",
    "### 3.1",
    "### 3.2",
    "### 3.3",
    "### 4.1",
    "### 4.2",
    "### 4.3",
    "### 5.1",
    "### 5.2",
    "### 5.3",
    "### Bonus 1",
    "### Bonus 2",
    "### Bonus 3",
    "### Bonus 4",
    "## Summary table",
]
VARIANTS = {
    "reference": "basic",
    "no_skip_connections": "basic_no_skip",
    "plain_cnn": "plain_cnn",
    "no_time_embedding": "basic_no_time",
    "large": "large",
    "clip_alignment": "basic",
}


def estimate(name: str, value: float, low: float, high: float) -> dict[str, float]:
    return {name: value, f"{name}_low": low, f"{name}_high": high}


def difference(name: str, value: float, resolved: bool) -> dict[str, float]:
    """An interval around `value` that excludes zero when resolved, and straddles it otherwise."""
    half = abs(value) / 2 if resolved else abs(value) + 0.01
    return estimate(name, value, value - half, value + half)


def _write(root: Path, path: str, content) -> None:
    target = root / path
    target.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, pd.DataFrame):
        content.to_csv(target, index=False)
    else:
        target.write_text(json.dumps(content, indent=1))


def _judged(fid: float, accuracy: float, samples: int = 300) -> dict:
    return {
        **estimate("fid", fid, fid - 1, fid + 1.5),
        **estimate("kid", 0.01, 0.008, 0.012),
        **estimate("accuracy", accuracy, accuracy - 0.04, accuracy + 0.04),
        **estimate("confidence", accuracy - 0.05, accuracy - 0.08, accuracy - 0.02),
        "fid_floor": 4.0,
        "fid_over_floor": fid / 4.0,
        "samples": samples,
        "per_class_accuracy": [accuracy] * 10,
    }


def write_outputs(
    root: Path, resolved: bool, variant_names: dict[str, str] | None = None, arch_names: dict[str, str] | None = None
) -> None:
    """Every input of the report under `root` (see the module docstring)."""
    scale = 1.0 if resolved else 0.3  # point values move with the knob too
    _write_training(root, resolved)
    _write_judge_and_clip(root, resolved)
    _write_ablations(root, resolved, scale, variant_names or {}, arch_names or {})
    _write_probes(root, resolved, scale)
    _write_guidance(root, resolved, scale)
    _write_difficulty_and_augmentation(root, resolved, scale)
    _write_style(root, resolved)


def _write_training(root: Path, resolved: bool) -> None:
    _write(
        root,
        "models/train_metrics.json",
        {
            "final_loss": 0.08,
            "final_mse": 0.08,
            "train_seconds": 300.0,
            "steps": 1404,
            "images_per_second": 500.0,
            "parameters": 1410113,
            "device": "cpu",
        },
    )
    _write(
        root,
        "data/samples/sample_metrics.json",
        {
            "sampler": "ddim",
            "steps": 100,
            "eta": 1.0,
            "guidance_scale": 1.0,
            "samples": 1000,
            "sample_seconds": 60.0,
            "images_per_second": 16.7,
            "styles": [],
        },
    )
    _write(
        root,
        "models/loss.csv",
        pd.DataFrame({"step": [10, 20, 30, 40], "loss": [0.9, 0.3, 0.1, 0.08], "lr": [1e-3] * 4}),
    )
    _write(
        root,
        "data/training_quality/loss_by_timestep.csv",
        pd.DataFrame({"t_low": [0, 500], "t_high": [500, 1000], "mse": [0.2, 0.01]}),
    )
    _write(
        root,
        "data/training_quality/quality_over_training.csv",
        pd.DataFrame(_snapshots(resolved)),
    )
    _write(
        root,
        "data/recognition/per_class.csv",
        pd.DataFrame(
            {"class": CLASSES, "median": [0.2] * 10, "q25": [0.1] * 10, "q75": [0.3] * 10, "unrecognised": [0] * 10}
        ),
    )
    _write(root, "reports/metrics/recognition.json", {"median": 0.2, "unrecognised": 0, "trajectories": 50})
    _write(
        root,
        "data/arch_cost.csv",
        pd.DataFrame(
            [
                {
                    "arch": arch,
                    "parameters": 1_000_000,
                    "gflops_per_image": 0.27,
                    "step_seconds": 0.2,
                    "images_per_second": 500.0,
                    "peak_rss_mib": 700.0,
                    "rss_above_baseline_mib": 100.0,
                }
                for arch in ("basic", "large", "basic_no_skip", "basic_no_time", "plain_cnn")
            ]
        ),
    )


def _write_style(root: Path, resolved: bool) -> None:
    """Style control of one attribute: every level above chance when resolved; otherwise the pooled
    hit rate still lies above chance, but "medium" lies below it and "bold" is not resolved."""
    levels = {  # level: (hit rate, low, high)
        "light": (0.6, 0.45, 0.75) if resolved else (0.7, 0.55, 0.85),
        "medium": (0.45, 0.35, 0.6) if resolved else (0.2, 0.1, 0.3),
        "bold": (0.6, 0.45, 0.75) if resolved else (0.45, 0.3, 0.6),
    }
    _write(
        root,
        "data/style_control.csv",
        pd.DataFrame(
            [
                {
                    "attribute": "ink",
                    "level": level,
                    "level_name": name,
                    "n": 40,
                    **estimate("hit_rate", *levels[name]),
                    "chance_uniform": 1 / 3,
                    "chance_train": 1 / 3,
                    "mean_value": 0.3,
                    "mean_z": z,
                }
                for level, (name, z) in enumerate((("light", -0.5), ("medium", 0.0), ("bold", 0.5)))
            ]
        ),
    )
    mean = sum(hit for hit, _, _ in levels.values()) / 3
    _write(
        root,
        "reports/metrics/style.json",
        {
            "ink": {
                "mean_hit_rate": mean,
                "hit_rate_low": mean - 0.07,
                "hit_rate_high": mean + 0.07,
                "chance_uniform": 1 / 3,
                "spearman_within_class": 0.4,
                "levels": {name: estimate("hit_rate", *hit) for name, hit in levels.items()},
            }
        },
    )


def _snapshots(resolved: bool) -> list[dict]:
    """Quality over training: four EMA snapshots of 500 images, each compared with the one before."""
    rows = []
    for i, (step, fid, accuracy) in enumerate(
        ((351, 60.0, 0.5), (702, 35.0, 0.7), (1053, 25.0, 0.8), (1404, 21.0, 0.85))
    ):
        row = {"step": step, **_judged(fid, accuracy, 500), "fid_floor": 15.0, "fid_over_floor": fid / 15.0}
        del row["per_class_accuracy"]
        if i:
            previous = rows[-1]
            row |= difference("fid_change", fid - previous["fid"], resolved)
            row |= difference("accuracy_change", accuracy - previous["accuracy"], resolved)
        else:
            row |= estimate("fid_change", *[float("nan")] * 3) | estimate("accuracy_change", *[float("nan")] * 3)
        rows.append(row)
    return rows


def _sampler_runs(resolved: bool) -> list[dict]:
    """The sampler study: the default run, two runs that pair with it (DDIM at 10 steps worse than the
    default by FID, at 50 better, when resolved) and DDPM at all T steps on its own, smaller n."""
    runs = [  # sampler, steps, eta, per class, seconds per 1000, FID, accuracy, FID minus the default's
        ("dpmpp_2m_sde", 10, 0.0, 50, 30.0, 20.0, 0.9, None),
        ("ddim", 10, 0.0, 50, 28.0, 26.0, 0.85, 6.0),
        ("ddim", 50, 0.0, 50, 140.0, 18.0, 0.92, -2.0),
        ("ddpm", 1000, 1.0, 5, 2800.0, 45.0, 0.9, None),
    ]
    rows = []
    for i, (sampler, steps, eta, per_class, per_1000, fid, accuracy, change) in enumerate(runs):
        floor = 4.0 if per_class == runs[0][3] else 30.0  # the floor is higher at a smaller n
        row = {
            "sampler": sampler,
            "steps": steps,
            "eta": eta,
            "guidance_scale": 1.0,
            "per_class": per_class,
            "default": i == 0,
            "paired": change is not None,
            "seconds": per_1000 * per_class / 100,
            "seconds_per_1000": per_1000,
            **_judged(fid, accuracy, per_class * 10),
            "fid_floor": floor,
            "fid_over_floor": fid / floor,
        }
        del row["per_class_accuracy"]
        if change is None:
            row |= estimate("fid_difference", *[float("nan")] * 3) | estimate(
                "accuracy_difference", *[float("nan")] * 3
            )
        else:
            row |= difference("fid_difference", change, resolved) | difference(
                "accuracy_difference", -change / 100, resolved
            )
        rows.append(row)
    return rows


def _prompt_meaning(same: bool) -> dict:
    """A scorer's prompt_meaning (scoring/clip/scores.py); `same`: "good" and "clear" mean the same to it."""
    means = {
        "clean": {"good": 0.25, "clear": 0.6, "blurry": 0.01, "noisy": 0.14},
        "blurred": {"good": 0.24, "clear": 0.01, "blurry": 0.75, "noisy": 0.0},
        "noised": {"good": 0.27, "clear": 0.13, "blurry": 0.0, "noisy": 0.6},
    }
    return {
        "prompt_means": means,
        "prompt_correlations": {
            "good": {"clear": 0.99 if same else -0.14, "blurry": -0.3, "noisy": 0.2},
            "clear": {"blurry": -0.5, "noisy": -0.4},
            "blurry": {"noisy": None},  # a probability that did not vary: NaN, written as null
        },
    }


def _write_judge_and_clip(root: Path, resolved: bool) -> None:
    _write(
        root,
        "reports/metrics/evaluate.json",
        {**_judged(21.0, 0.88, 1000), "worst_class": "shirt", "worst_class_accuracy": 0.6},
    )
    _write(root, "models/judge_metrics.json", {"test_accuracy": 0.93})
    _write(
        root,
        "data/evaluate/per_class.csv",
        pd.DataFrame({"class": CLASSES, "generated_accuracy": [0.9] * 9 + [0.6], "real_accuracy": [0.93] * 10}),
    )
    for seed, (auc, low) in {
        0: (0.7, 0.65),
        1: (0.72 if resolved else 0.4, 0.66 if resolved else 0.35),
        2: (0.69, 0.64),
    }.items():
        _write(
            root,
            "models/clip_scorer_metrics.json" if seed == 0 else f"models/clip_seeds/seed_{seed}.json",
            {
                "zero_shot_accuracy": 0.86 + 0.01 * seed,
                **estimate("auc_clear_vs_blurred", 0.99, 0.98, 1.0),
                **estimate("auc_clear_vs_noised", auc, low, low + 0.1),
                **_prompt_meaning(same=not resolved),
                "seed": seed,
            },
        )
    _write(
        root,
        "reports/metrics/clip.json",
        {
            "scorer": "trained in-domain",
            "pretrained": "",
            "validation_images": 10000,
            "scorer_zero_shot_accuracy": 0.87,
            **estimate("scorer_auc_clear_vs_blurred", 0.99, 0.98, 1.0),
            **estimate("scorer_auc_clear_vs_noised", 0.7 if resolved else 0.52, 0.65 if resolved else 0.45, 0.75),
            **{f"scorer_{k}": v for k, v in _prompt_meaning(same=not resolved).items()},
            "mean_good": 0.25,
            "mean_clear": 0.5,
            "mean_blurry": 0.01,
            "mean_noisy": 0.24,
            "mean_class_prob": 0.8,
            "per_class": {
                name: {"good": 0.25, "clear": 0.5, "blurry": 0.01, "noisy": 0.24, "class_prob": 0.5 + 0.04 * i}
                for i, name in enumerate(CLASSES)
            },
        },
    )
    sets = {
        f"{name}_{key}": value
        for name in ("selected", "rejected", "random", "all")
        for key, value in (("n", 30), ("accuracy", 0.9), ("confidence", 0.85))
    }
    _write(
        root,
        "reports/metrics/selection.json",
        {
            "k": 3,
            "group_size": 10,
            "groups": 10,
            "weights": {"clear": 1.0, "noisy": -1.0, "class_prob": 1.0},
            **sets,
            **difference("gain", 0.05, resolved),
            "clip_judge_spearman": 0.3,
        },
    )
    _write(root, "data/sampler_study.csv", pd.DataFrame(_sampler_runs(resolved)))
    _write(
        root,
        "data/sampling_cost.csv",
        pd.DataFrame(
            [
                {
                    "sampler": name,
                    "measured_as": "ddim",
                    "steps_run": 10,
                    "images": 50,
                    "guidance_scale": 1.0,
                    "seconds": 1.0,
                    "peak_rss_mib": 600.0,
                    "above_warm_up_mib": 40.0,
                    "mib_per_image": 0.8,
                }
                for name in ("ddim", "ddpm")
            ]
        ),
    )
    _write(
        root,
        "reports/metrics/sampling_cost.json",
        {"image_shape": [1, 28, 28], "images": 50, "gflops_per_image_at_side": {"28": 0.27, "56": 1.07}},
    )


def renamed_params(params: dict, variant_names: dict[str, str], arch_names: dict[str, str]) -> dict:
    """params with ablation variants and model.archs entries renamed (old -> new), references included."""
    model, ablations = params["model"], params["ablations"]

    def arch(name):
        return arch_names.get(name, name)

    return {
        **params,
        "model": {**model, "arch": arch(model["arch"]), "archs": {arch(n): a for n, a in model["archs"].items()}},
        "ablations": {
            **ablations,
            "reference": variant_names.get(ablations["reference"], ablations["reference"]),
            "variants": {variant_names.get(n, n): arch(a) for n, a in ablations["variants"].items()},
            "clip_alignment": {**ablations["clip_alignment"], "arch": arch(ablations["clip_alignment"]["arch"])},
        },
    }


ABLATION_BUDGETS = [2000.0, 5500.0, 16000.0]


def _write_ablations(
    root: Path, resolved: bool, scale: float, variant_names: dict[str, str], arch_names: dict[str, str]
) -> None:
    """Learning curves at ABLATION_BUDGETS: FID falls with compute; each variant's FID change from the
    reference at each budget (`large` starts worse and ends better: its curve crosses the reference's)."""
    fid_change = {
        "no_skip_connections": [6.0, 6.0, 6.0],
        "plain_cnn": [12.0, 12.0, 12.0],
        "no_time_embedding": [9.0, 9.0, 9.0],
        "large": [6.0, 2.0, -4.0],
        "clip_alignment": [-3.0, -3.0, -3.0],
    }
    variants = {}
    for default, arch in VARIANTS.items():
        name, arch = variant_names.get(default, default), arch_names.get(arch, arch)
        curve = []
        for i, budget in enumerate(ABLATION_BUDGETS):
            change = scale * fid_change.get(default, [0.0] * 3)[i]
            steps = round(budget * 1e9 / (0.27e9 * 128))
            point = {
                "budget_gflop": budget,
                "steps": steps,
                "images_seen": steps * 128,
                "train_gflop": steps * 128 * 0.27,
                "sample_seconds": 10.0,
                **estimate("held_out_mse", 0.2, 0.19, 0.21),
                **_judged(60.0 / (i + 1) + change, 0.5 + 0.1 * i - change / 100),
            }
            if default != "reference":
                point |= difference("fid_difference", change, resolved) | difference(
                    "accuracy_difference", -change / 100, resolved
                )
            curve.append(point)
        row = {
            "variant": name,
            "threads": 1,
            "workers": 2,
            "arch": arch,
            "alignment_weight": 0.1 if default == "clip_alignment" else 0.0,
            "parameters": 1_410_113,
            "gflops_per_image": 0.27,
            "batch_size": 128,
            "warmup_steps": 29,
            "lr_schedule": "warmup_constant",
            "train_seconds": 25.0,
            "images_per_second": 450.0,
            "final_loss": 0.2,
            **curve[-1],
            "curve": curve,
        }
        if default != "reference":
            row["crossings"] = {
                "fid": [[ABLATION_BUDGETS[1], ABLATION_BUDGETS[2]]] if default == "large" else [],
                "accuracy": [[ABLATION_BUDGETS[1], ABLATION_BUDGETS[2]]] if default == "large" else [],
            }
        variants[name] = row
    _write(
        root,
        "reports/metrics/ablations.json",
        {
            "reference": variant_names.get("reference", "reference"),
            "budgets_gflop": ABLATION_BUDGETS,
            "train_gflop": ABLATION_BUDGETS[-1],
            "warmup_gflop": 1000.0,
            "lr_schedule": "warmup_constant",
            "per_class": 20,
            "variants": variants,
        },
    )


def _write_probes(root: Path, resolved: bool, scale: float) -> None:
    gradual, single = _judged(21.0, 0.88), _judged(21.0 + 80 * scale, 0.88 - 0.5 * scale)
    _write(
        root,
        "reports/metrics/one_step.json",
        {
            "one_step": single,
            "gradual": gradual,
            "one_step_seconds": 1.0,
            "gradual_minus_one_step": difference("accuracy_difference", 0.5 * scale, resolved)
            | difference("fid_difference", -80 * scale, resolved),
        },
    )
    conditions = [("true t", 0.0), ("t -100", 0.01 * scale), ("t +100", 0.01 * scale), ("random t", 0.3 * scale)]
    _write(
        root,
        "reports/metrics/wrong_timestep.json",
        {
            "images": 1000,
            "conditions": [
                {
                    "condition": name,
                    **estimate("mse", 0.05 + rise, 0.045 + rise, 0.055 + rise),
                    **(
                        estimate("increase", 0.0, 0.0, 0.0)
                        if name == "true t"
                        else difference("increase", rise, resolved)
                    ),
                    "ratio": (0.05 + rise) / 0.05,
                }
                for name, rise in conditions
            ],
        },
    )


def _write_guidance(root: Path, resolved: bool, scale: float) -> None:
    rows = []
    for s, fid_change in ((0.0, 5.0), (1.0, 0.0), (2.0, -3.0)):
        change = scale * fid_change
        rows.append(
            {
                "scale": s,
                "seconds": 10.0,
                **{k: v for k, v in _judged(30.0 + change, 0.8 - change / 50).items() if k != "per_class_accuracy"},
                **(
                    difference("fid_difference", change, resolved)
                    if s != 1.0
                    else estimate("fid_difference", 0.0, 0.0, 0.0)
                ),
                **(
                    difference("accuracy_difference", -change / 50, resolved)
                    if s != 1.0
                    else estimate("accuracy_difference", 0.0, 0.0, 0.0)
                ),
            }
        )
    _write(
        root,
        "reports/metrics/guidance_sweep.json",
        {
            "baseline_scale": 1.0,
            "per_class": 30,
            "null_samples": 200,
            "best_fid_scale": 2.0,
            "best_accuracy_scale": 2.0,
            "scales": rows,
            "null_shares": {name: estimate("share", 0.1, 0.06, 0.14) for name in CLASSES},
        },
    )
    distribution = [
        {"set": f"scale {s:g}", "scale": s, "requested": r, "judged": j, "fraction": 0.8 if r == j else 0.02}
        for s in (0.0, 1.0, 2.0)
        for r in CLASSES
        for j in CLASSES
    ]
    distribution += [
        {
            "set": "unconditional (null class)",
            "scale": float("nan"),
            "requested": "unconditional (null class)",
            "judged": j,
            "fraction": 0.1,
        }
        for j in CLASSES
    ]
    _write(root, "data/guidance_sweep/class_distribution.csv", pd.DataFrame(distribution))


def _write_difficulty_and_augmentation(root: Path, resolved: bool, scale: float) -> None:
    generated = [0.9] * 9 + [0.9 - 0.5 * scale]
    per_class = pd.DataFrame(
        {
            "class": CLASSES,
            "pixel_variance": [0.05 + 0.01 * i for i in range(10)],
            "real_accuracy": [0.93] * 10,
            "edge_density": [0.2] * 10,
            **pd.DataFrame(
                [estimate("generated_accuracy", g, g - 0.05, min(1.0, g + 0.05)) for g in generated]
            ).to_dict("list"),
            "fid": [20.0] * 10,
            "fid_floor": [15.0] * 10,
        }
    )
    _write(root, "data/class_difficulty/per_class.csv", per_class)
    correlations = pd.DataFrame(
        [
            {"property": p, "measure": m, **difference("rho", sign * 0.7 * scale, resolved), "expected_sign": sign}
            for (p, m), sign in {("pixel_variance", "generated_accuracy"): -1, ("pixel_variance", "fid"): 1}.items()
        ]
    )
    _write(root, "data/class_difficulty/correlations.csv", correlations)
    failing = ["ankle boot"] if resolved else []
    _write(
        root,
        "reports/metrics/class_difficulty.json",
        {
            "classes": 10,
            "samples_per_class": 100,
            "failing_classes": failing,
            "correlations": correlations.to_dict("records"),
        },
    )
    sets = [
        {
            "set": "generated",
            **estimate("accuracy", 0.93 - 0.2 * scale, 0.9 - 0.2 * scale, 0.96 - 0.2 * scale),
            "seed_min": 0.6,
            "seed_max": 0.7,
            **difference("difference_from_real", -0.2 * scale, resolved),
        },
        {
            "set": "real",
            **estimate("accuracy", 0.93, 0.92, 0.94),
            "seed_min": 0.92,
            "seed_max": 0.94,
            **estimate("difference_from_real", 0.0, 0.0, 0.0),
        },
        {
            "set": "real + generated",
            **estimate("accuracy", 0.94, 0.93, 0.95),
            "seed_min": 0.93,
            "seed_max": 0.95,
            **difference("difference_from_real", 0.01 * scale, resolved),
        },
    ]
    _write(
        root,
        "reports/metrics/augmentation.json",
        {"per_class": 100, "epochs": 12, "seeds": [0, 1], "test_images": 10000, "sets": sets},
    )
