"""What the CLIP scorer is worth and what it says of the samples.

A scorer's validation on real test images (`scoring/clip/scores.validation_metrics`, written by stages
train_clip and clip_seed, or run by clip_eval for a pretrained scorer) becomes verdicts here: the ROC AUC of
P(clear) against chance (0.5) for blurred and for noised copies, one family of two per scorer (Holm), in
the words "detects" / "ranks below chance on". The in-domain scorer trained with other seeds says how far
those verdicts move with the training seed alone: the seeds' common word, or NOT_AGREED. The scores of the
generated samples are summarised overall and per class, with the hardest and easiest classes by the
scorer's class probability.
"""

from __future__ import annotations

import math

import pandas as pd

from ..results.base import Estimate
from ..results.clip import (
    DETECTION_WORDS,
    NOT_AGREED,
    ClassScores,
    ClipSeeds,
    PromptPair,
    SampleScores,
    ScorerValidation,
)
from ..stats import inference
from ..stats.inference import Difference

CHANCE_AUC = 0.5
# Two prompts mean the same to a scorer when their probabilities over the validation images (clean,
# blurred and noised) correlate at least this much: one of them says nothing the other does not.
SAME_MEANING_CORRELATION = 0.9
HARDEST_SHOWN = 3
FAMILY = "corruption detection"
CORRUPTIONS = {"blur": "blurred", "noise": "noised"}  # verdict name -> the copies' name in the metrics


def validation(metrics: dict, training_seed: int | None) -> ScorerValidation:
    """A scorer's `validation_metrics` (with `validation_images`) as a typed validation, each AUC tested
    against chance (AUC - 0.5 over its bootstrap standard error; Holm over blur and noise)."""
    differences = {
        name: Difference(metrics[f"auc_clear_vs_{copies}"] - CHANCE_AUC, metrics[f"auc_clear_vs_{copies}_se"])
        for name, copies in CORRUPTIONS.items()
    }
    tested = inference.family(FAMILY, differences, DETECTION_WORDS)
    auc = {
        name: Estimate(value=metrics[key], low=metrics[f"{key}_low"], high=metrics[f"{key}_high"])
        for name, copies in CORRUPTIONS.items()
        for key in [f"auc_clear_vs_{copies}"]
    }
    return ScorerValidation(
        training_seed=training_seed,
        images=metrics["validation_images"],
        zero_shot_accuracy=metrics["zero_shot_accuracy"],
        auc_blurred=auc["blur"],
        auc_noised=auc["noise"],
        blur=tested["blur"],
        noise=tested["noise"],
        prompt_means=metrics["prompt_means"],
        most_alike=max(prompt_pairs(metrics["prompt_correlations"]), key=lambda p: p.correlation, default=None),
    )


def prompt_pairs(correlations: dict[str, dict[str, float | None]]) -> list[PromptPair]:
    """Every measured pair of `prompt_correlations[a][b]` (None or NaN: a probability did not vary)."""
    return [
        PromptPair(first=a, second=b, correlation=r)
        for a, row in correlations.items()
        for b, r in row.items()
        if r is not None and not math.isnan(r)
    ]


def same_meaning(correlations: dict[str, dict[str, float | None]]) -> list[PromptPair]:
    """The pairs of prompts that mean the same to the scorer (correlation >= SAME_MEANING_CORRELATION)."""
    return [pair for pair in prompt_pairs(correlations) if pair.correlation >= SAME_MEANING_CORRELATION]


def seed_agreement(runs: list[ScorerValidation]) -> ClipSeeds:
    """The validations of one scorer recipe trained with several seeds, and each verdict they share."""

    def agreed(words: list[str]) -> str:
        return words[0] if len(set(words)) == 1 else NOT_AGREED

    accuracy = [run.zero_shot_accuracy for run in runs]
    return ClipSeeds(
        runs=runs,
        blur=agreed([run.blur.verdict for run in runs]),
        noise=agreed([run.noise.verdict for run in runs]),
        zero_shot_low=min(accuracy),
        zero_shot_high=max(accuracy),
    )


def sample_scores(scores: pd.DataFrame, prompt_keys: list[str]) -> SampleScores:
    """The per-sample scores of `scoring/clip/scores.score_samples` (columns class, each prompt key,
    class_prob) as means overall and per class (in order of first appearance), with the HARDEST_SHOWN
    classes of lowest mean class_prob and the class of the highest."""
    columns = [*prompt_keys, "class_prob"]
    per_class = scores.groupby("class", sort=False)[columns].mean()
    ranked = per_class["class_prob"].sort_values(kind="stable")
    return SampleScores(
        n=len(scores),
        mean={c: float(scores[c].mean()) for c in columns},
        per_class=[
            ClassScores(name=str(name), scores={c: float(row[c]) for c in columns})
            for name, row in per_class.iterrows()
        ],
        hardest=[str(name) for name in ranked.index[:HARDEST_SHOWN]],
        easiest=str(ranked.index[-1]),
    )


def headline(validation: ScorerValidation, samples: SampleScores) -> dict[str, float]:
    """The numbers `dvc metrics show` prints for the scorer (reports/headline/clip.json)."""
    return {
        "zero_shot_accuracy": validation.zero_shot_accuracy,
        "blur_auc": validation.auc_blurred.value,
        "noise_auc": validation.auc_noised.value,
        "mean_class_prob": samples.mean["class_prob"],
    }
