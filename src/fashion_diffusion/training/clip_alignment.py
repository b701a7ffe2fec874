"""The CLIP alignment loss: an optional training term that pulls the predicted clean image
towards its class prompt in the frozen in-domain CLIP scorer's embedding space.

    term = sum_i w_i (1 - cos(f_img(x0_pred_i), f_text(prompt(y_i)))) / sum_i w_i,   w_i = alpha_bar_{t_i}

Weighting by alpha_bar_t makes very noisy steps, whose x0 prediction is a blur, count little;
examples dropped to the null class (for classifier-free guidance) are skipped. It is unrelated to
classifier-free guidance at sampling time.
"""

from __future__ import annotations

from collections.abc import Callable

import torch

from ..model.schedule import NoiseSchedule, extract

# (x0_pred (B, C, H, W), class_labels (B,)) -> per-example alignment loss (B,)
AlignmentLoss = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]


def clip_alignment_loss(scorer, prompts: list[str]) -> AlignmentLoss:
    """1 - cosine(image embedding, embedding of each example's class prompt); differentiable in
    the images through the frozen scorer (a `scoring.clip.scorer.Scorer`). prompts: one per class."""
    text = scorer.text_features(prompts).detach()  # (classes, D)
    return lambda x0, labels: 1 - (scorer.image_features(x0) * text[labels.to(text.device)]).sum(dim=-1)


def clip_alignment_term(
    schedule: NoiseSchedule,
    x0_pred: torch.Tensor,
    t: torch.Tensor,
    class_labels: torch.Tensor,
    null_class: int,
    loss: AlignmentLoss,
) -> torch.Tensor:
    """The weighted mean of `loss` over the examples of a batch that have a class (see above);
    x0_pred (B, C, H, W) is the model's current estimate of the clean images."""
    keep = class_labels != null_class
    if not keep.any():
        return torch.zeros((), device=x0_pred.device)
    x0_pred = x0_pred[keep].clamp(-1, 1)
    weight = alignment_weights(schedule, t, class_labels, null_class)[keep]
    return (weight * loss(x0_pred, class_labels[keep])).sum() / weight.sum().clamp(min=1e-8)


def alignment_weights(
    schedule: NoiseSchedule, t: torch.Tensor, class_labels: torch.Tensor, null_class: int
) -> torch.Tensor:
    """w_i (B,): alpha_bar_{t_i} for the examples with a class, 0 for those dropped to the null class."""
    alpha_bar_t = extract(schedule.alpha_bars, t, t.shape)
    return torch.where(class_labels != null_class, alpha_bar_t, torch.zeros_like(alpha_bar_t))
