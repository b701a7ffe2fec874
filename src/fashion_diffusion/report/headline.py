"""The few numbers per concern that DVC shows (`dvc metrics show`, `dvc exp show`): one small JSON file
per concern under reports/headline/. The full detail stays in reports/metrics/, the report and MLflow.

Each entry names where its number comes from: (stage output, dotted key in it).
"""

from __future__ import annotations

from .outputs import RunOutputs

_SAMPLES = "reports/metrics/evaluate.json"
_ABLATIONS = "reports/metrics/ablations.json"
_STYLE = "reports/metrics/style.json"

SOURCES: dict[str, dict[str, tuple[str, str]]] = {
    "training": {
        "final_loss": ("models/train_metrics.json", "final_loss"),
        "train_seconds": ("models/train_metrics.json", "train_seconds"),
        "images_per_second": ("models/train_metrics.json", "images_per_second"),
    },
    "samples": {
        **{
            key: (_SAMPLES, key)
            for key in (
                "fid",
                "fid_low",
                "fid_high",
                "fid_over_floor",
                "kid",
                "accuracy",
                "accuracy_low",
                "accuracy_high",
                "worst_class_accuracy",
            )
        },
        "clip_class_prob": ("reports/metrics/clip.json", "mean_class_prob"),
        "images_per_second": ("data/samples/sample_metrics.json", "images_per_second"),
    },
    "instruments": {
        "clip_zero_shot_accuracy": ("models/clip_scorer_metrics.json", "zero_shot_accuracy"),
        "clip_blur_auc": ("models/clip_scorer_metrics.json", "auc_clear_vs_blurred"),
        "clip_noise_auc": ("models/clip_scorer_metrics.json", "auc_clear_vs_noised"),
        "judge_test_accuracy": ("models/judge_metrics.json", "test_accuracy"),
    },
    "selection": {key: ("reports/metrics/selection.json", key) for key in ("gain", "gain_low", "gain_high")},
    "studies": {
        "one_step_fid_difference": ("reports/metrics/one_step.json", "gradual_minus_one_step.fid_difference"),
        "best_guidance_scale": ("reports/metrics/guidance_sweep.json", "best_fid_scale"),
    },
}


def _lookup(tree: dict, dotted: str):
    for part in dotted.split("."):
        tree = tree[part]
    return tree


def ablation_sources(outputs: RunOutputs) -> dict[str, tuple[str, str]]:
    """FID and judge accuracy of each ablation variant, as many as the run trained."""
    names = outputs.json(_ABLATIONS)["variants"]
    return {f"{name}_{key}": (_ABLATIONS, f"variants.{name}.{key}") for name in names for key in ("fid", "accuracy")}


def style_sources(outputs: RunOutputs) -> dict[str, tuple[str, str]]:
    """How often each style attribute's requested level was hit, as many attributes as params.yaml names."""
    return {f"{name}_hit_rate": (_STYLE, f"{name}.mean_hit_rate") for name in outputs.json(_STYLE)}


def headline(outputs: RunOutputs) -> dict[str, dict[str, float]]:
    """{concern: {name: number}} from the stage outputs of one run."""
    sources = {**SOURCES, "ablations": ablation_sources(outputs)}
    sources["studies"] = {**sources["studies"], **style_sources(outputs)}
    return {
        concern: {name: _lookup(outputs.json(path), key) for name, (path, key) in entries.items()}
        for concern, entries in sources.items()
    }
