"""The numbers read from a scorer: validation on real test images, and per-sample scores."""

from __future__ import annotations

import numpy as np
import pandas as pd
import torch

from ...core.batching import batched
from ...data.prepared import to_model_range
from ...stats.bootstrap import bootstrap
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


def clear_probability(
    scorer: Scorer,
    images: torch.Tensor,
    labels: torch.Tensor,
    class_names: list[str],
    clear_template: str,
    blurry_template: str,
    batch_size: int = 500,
) -> torch.Tensor:
    """(N,) P(clear prompt) in the softmax over {clear, blurry}, both filled with each image's class."""
    templates = [clear_template, blurry_template]
    return batched(
        lambda x, y: scorer.labelled_prompt_probabilities(x, y, class_names, templates),
        images,
        labels,
        batch_size=batch_size,
    )[:, 0]


def validation_metrics(
    scorer: Scorer,
    images: np.ndarray,
    labels: np.ndarray,
    class_names: list[str],
    class_prompt: str,
    prompts: dict[str, str],
    blur_sigma: list[float],
    noise_std: list[float],
    seed: int,
    resamples: int,
) -> dict[str, float]:
    """Zero-shot accuracy with class_prompt, and ROC AUC of P(clear) separating the clean images
    from blurred and from noised copies (prompts["clear"] vs prompts["blurry"]), each AUC with a
    bootstrap interval over images (a clean image and its copy are resampled together).
    images: uint8 (N, H, W); labels: (N,)."""
    x, y = to_model_range(images), torch.as_tensor(labels)
    generator = torch.Generator().manual_seed(seed)
    clear = {
        name: clear_probability(scorer, batch, y, class_names, prompts["clear"], prompts["blurry"])
        for name, batch in [
            ("clean", x),
            ("blurred", random_blur(x, blur_sigma, generator)),
            ("noised", random_noise(x, noise_std, generator)),
        ]
    }
    clean = clear["clean"].numpy()
    aucs = {
        f"auc_clear_vs_{name}": bootstrap(lambda idx: roc_auc(clean[idx], copies[idx]), len(clean), resamples, seed)  # noqa: B023 (called at once)
        for name, copies in (("blurred", clear["blurred"].numpy()), ("noised", clear["noised"].numpy()))
    }
    return {
        "zero_shot_accuracy": zero_shot_accuracy(scorer, x, y, class_names, class_prompt),
        **{k: v for key, estimate in aucs.items() for k, v in estimate.as_dict(key).items()},
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

    Columns label and class (the requested one), then one column per key of `prompts` (e.g. good, clear, blurry): the probability in [0, 1] of that
    prompt in the softmax over all of them, each filled with the requested class name. Column
    class_prob: the probability of the requested class in the softmax over the class prompts.
    """
    labels = torch.as_tensor(labels)
    templates = list(prompts.values())
    by_prompt = batched(
        lambda x, y: scorer.labelled_prompt_probabilities(x, y, class_names, templates),
        images,
        labels,
        batch_size=batch_size,
    )
    class_prompts = [class_prompt.format(label=name) for name in class_names]
    by_class = batched(lambda x: scorer.prompt_probabilities(x, class_prompts), images, batch_size=batch_size)
    columns = {"label": labels.numpy(), "class": [class_names[c] for c in labels.tolist()]}
    columns |= {key: by_prompt[:, i].numpy() for i, key in enumerate(prompts)}
    columns["class_prob"] = by_class.gather(1, labels[:, None]).squeeze(1).numpy()
    return pd.DataFrame(columns)


def summarise_scores(scores: pd.DataFrame, prompt_keys: list[str]) -> dict:
    """Mean of each score column overall (`mean_<column>`) and per class (`per_class`)."""
    columns = prompt_keys + ["class_prob"]
    per_class = scores.groupby("class", sort=False)[columns].mean()
    return {
        **{f"mean_{c}": float(scores[c].mean()) for c in columns},
        "per_class": {name: {c: float(row[c]) for c in columns} for name, row in per_class.iterrows()},
    }
