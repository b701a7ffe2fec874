"""The numbers read from a scorer: validation on real test images, and per-sample scores."""

from __future__ import annotations

import numpy as np
import pandas as pd
import torch

from ...core.batching import batched
from ...data.prepared import to_model_range
from ...stats.bootstrap import percentile_interval, resample_indices
from ...stats.metrics import roc_auc
from ..corruptions import random_blur, random_noise
from .scorer import Scorer


def zero_shot_accuracy(
    scorer: Scorer,
    images: torch.Tensor,
    labels: torch.Tensor,
    class_names: list[str],
    template: str,
    batch_size: int = 500,
) -> float:
    """Fraction of images (N, 1, H, W) whose most probable class prompt is their label's."""
    prompts = [template.format(label=name) for name in class_names]
    probabilities = batched(lambda x: scorer.prompt_probabilities(x, prompts), images, batch_size=batch_size)
    return float((probabilities.argmax(dim=1) == labels).float().mean())


def prompt_probabilities(
    scorer: Scorer,
    images: torch.Tensor,
    labels: torch.Tensor,
    class_names: list[str],
    prompts: dict[str, str],
    batch_size: int = 500,
) -> torch.Tensor:
    """(N, P): for each image (N, 1, H, W) the softmax over the P `prompts` (name -> template), each
    filled with the image's class; columns in the order of `prompts`."""
    templates = list(prompts.values())
    return batched(
        lambda x, y: scorer.labelled_prompt_probabilities(x, y, class_names, templates),
        images,
        labels,
        batch_size=batch_size,
    )


def prompt_meaning(probabilities: dict[str, torch.Tensor], prompt_keys: list[str]) -> dict:
    """What each prompt means to the scorer, from its probabilities (N, P) on each kind of image
    (e.g. clean, blurred, noised): `prompt_means[kind][prompt]`, the mean probability, and
    `prompt_correlations[a][b]` (a before b in prompt_keys), the Pearson correlation of the two
    prompts' probabilities over all the images (near 1: the scorer does not tell them apart)."""
    pooled = torch.cat(list(probabilities.values())).double()
    correlation = torch.corrcoef(pooled.T)
    return {
        "prompt_means": {
            kind: {key: float(p[:, i].mean()) for i, key in enumerate(prompt_keys)} for kind, p in probabilities.items()
        },
        "prompt_correlations": {
            a: {b: float(correlation[i, j]) for j, b in enumerate(prompt_keys) if j > i}
            for i, a in enumerate(prompt_keys[:-1])
        },
    }


def validation_metrics(
    scorer: Scorer,
    images: np.ndarray,
    labels: np.ndarray,
    class_names: list[str],
    class_prompt: str,
    prompts: dict[str, str],
    blur_sigma: list[float],
    noise_std: list[float],
    corruption_seed: int,
    resamples: int,
    bootstrap_seed: int,
) -> dict:
    """The scorer on real test images (uint8 (N, H, W), labels (N,)) and on blurred and noised copies
    (drawn from `corruption_seed`).

    zero_shot_accuracy with class_prompt; `auc_clear_vs_blurred` and `auc_clear_vs_noised`: ROC AUC
    of P(clear), the "clear" prompt's probability in the softmax over all `prompts` (the score that
    `score_samples` gives), separating the clean images from each kind of copy, with a bootstrap
    interval over images (a clean image and its copy are resampled together: `_low`, `_high`) and the
    resamples' standard deviation (`_se`); and `prompt_meaning` over the clean images and both copies."""
    x, y = to_model_range(images), torch.as_tensor(labels)
    generator = torch.Generator().manual_seed(corruption_seed)
    probabilities = {
        kind: prompt_probabilities(scorer, batch, y, class_names, prompts)
        for kind, batch in [
            ("clean", x),
            ("blurred", random_blur(x, blur_sigma, generator)),
            ("noised", random_noise(x, noise_std, generator)),
        ]
    }
    clear = {kind: p[:, list(prompts).index("clear")].numpy() for kind, p in probabilities.items()}
    clean = clear["clean"]
    index = resample_indices(len(clean), resamples, bootstrap_seed)  # image i and its copy i resampled together

    def auc(key: str, copies: np.ndarray) -> dict[str, float]:
        resampled = np.array([roc_auc(clean[rows], copies[rows]) for rows in index])
        low, high = percentile_interval(resampled)
        se = float(resampled.std(ddof=1))
        return {key: roc_auc(clean, copies), f"{key}_low": low, f"{key}_high": high, f"{key}_se": se}

    return {
        "zero_shot_accuracy": zero_shot_accuracy(scorer, x, y, class_names, class_prompt),
        **auc("auc_clear_vs_blurred", clear["blurred"]),
        **auc("auc_clear_vs_noised", clear["noised"]),
        **prompt_meaning(probabilities, list(prompts)),
    }


def score_samples(
    scorer: Scorer,
    images: torch.Tensor,
    labels: torch.Tensor,
    class_names: list[str],
    prompts: dict[str, str],
    class_prompt: str,
    batch_size: int = 500,
) -> pd.DataFrame:
    """Per-sample scores of generated images (N, 1, H, W) in [-1, 1] with requested labels (N,).

    Columns label and class (the requested one), then one column per key of `prompts` (e.g. good,
    clear, blurry, noisy): the probability in [0, 1] of that prompt in the softmax over all of them,
    each filled with the requested class name. Column class_prob: the probability of the requested
    class in the softmax over the class prompts.
    """
    labels = torch.as_tensor(labels)
    by_prompt = prompt_probabilities(scorer, images, labels, class_names, prompts, batch_size)
    class_prompts = [class_prompt.format(label=name) for name in class_names]
    by_class = batched(lambda x: scorer.prompt_probabilities(x, class_prompts), images, batch_size=batch_size)
    columns = {"label": labels.numpy(), "class": [class_names[c] for c in labels.tolist()]}
    columns |= {key: by_prompt[:, i].numpy() for i, key in enumerate(prompts)}
    columns["class_prob"] = by_class.gather(1, labels[:, None]).squeeze(1).numpy()
    return pd.DataFrame(columns)
