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
    _write_training(root)
    _write_judge_and_clip(root, resolved)
    _write_ablations(root, resolved, scale, variant_names or {}, arch_names or {})
    _write_probes(root, resolved, scale)
    _write_guidance(root, resolved, scale)
    _write_difficulty_and_augmentation(root, resolved, scale)


def _write_training(root: Path) -> None:
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
        pd.DataFrame(
            {
                "step": [351, 702, 1053, 1404],
                "fid": [60.0, 35.0, 25.0, 21.0],
                "accuracy": [0.5, 0.7, 0.8, 0.85],
                "fid_floor": [15.0] * 4,
            }
        ),
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
    _write(
        root,
        "data/style_control.csv",
        pd.DataFrame(
            [
                {"attribute": "ink", "level_name": name, "n": 40, "hit_rate": 0.5, "mean_value": 0.3, "mean_z": z}
                for name, z in (("light", -0.5), ("medium", 0.0), ("bold", 0.5))
            ]
        ),
    )
    _write(
        root,
        "reports/metrics/style.json",
        {
            "ink": {
                "mean_hit_rate": 0.55,
                "hit_rate_low": 0.45,
                "hit_rate_high": 0.65,
                "chance_uniform": 1 / 3,
                "spearman_within_class": 0.4,
            }
        },
    )


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
            "mean_good": 0.5,
            "mean_clear": 0.5,
            "mean_blurry": 0.01,
            "mean_class_prob": 0.8,
            "per_class": {
                name: {"good": 0.5, "clear": 0.5, "blurry": 0.01, "class_prob": 0.5 + 0.04 * i}
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
            "weights": {"good": 1.0},
            **sets,
            **difference("gain", 0.05, resolved),
            "clip_judge_spearman": 0.3,
        },
    )
    _write(
        root,
        "data/sampler_study.csv",
        pd.DataFrame(
            [
                {
                    "sampler": "ddim",
                    "steps": 20,
                    "eta": 1.0,
                    "guidance_scale": 1.0,
                    "seconds": 3.0,
                    "seconds_per_1000": 100.0,
                    "fid": 30.0,
                    "accuracy": 0.8,
                    "fid_floor": 15.0,
                },
                {
                    "sampler": "ddpm",
                    "steps": 1000,
                    "eta": 1.0,
                    "guidance_scale": 1.0,
                    "seconds": 60.0,
                    "seconds_per_1000": 2000.0,
                    "fid": 25.0,
                    "accuracy": 0.85,
                    "fid_floor": 15.0,
                },
            ]
        ),
    )
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


def _write_ablations(
    root: Path, resolved: bool, scale: float, variant_names: dict[str, str], arch_names: dict[str, str]
) -> None:
    fid_change = {
        "no_skip_connections": 6.0,
        "plain_cnn": 12.0,
        "no_time_embedding": 9.0,
        "large": -4.0,
        "clip_alignment": -3.0,
    }
    variants = {}
    for default, arch in VARIANTS.items():
        change = scale * fid_change.get(default, 0.0)
        name, arch = variant_names.get(default, default), arch_names.get(arch, arch)
        row = {
            "variant": name,
            "arch": arch,
            "alignment_weight": 0.1 if default == "clip_alignment" else 0.0,
            "parameters": 1_410_113,
            "gflops_per_image": 0.27,
            "steps": 87,
            "batch_size": 128,
            "warmup_steps": 12,
            "images_seen": 11136,
            "train_gflop": 3000.0,
            "train_seconds": 25.0,
            "images_per_second": 450.0,
            "final_loss": 0.2,
            "sample_seconds": 10.0,
            **estimate("held_out_mse", 0.2, 0.19, 0.21),
            **_judged(60.0 + change, 0.5 - change / 100),
        }
        if default != "reference":
            row |= difference("fid_difference", change, resolved) | difference(
                "accuracy_difference", -change / 100, resolved
            )
        variants[name] = row
    _write(
        root,
        "reports/metrics/ablations.json",
        {
            "reference": variant_names.get("reference", "reference"),
            "train_gflop": 3000.0,
            "per_class": 30,
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
