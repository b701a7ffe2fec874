"""A CLIP model as a scorer of grayscale images in [-1, 1], whatever model it wraps.

Every scorer sees images the same way (`clip_input`): mapped to [0, 1], repeated to three
channels, resized to the model's image size and normalised with the model's own mean and std.
The in-domain model is built for 28x28 inputs with mean = std = 0.5, so for it the conversion is a
channel repeat. Prompts are templates with a `{label}` slot, filled with a class name.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from open_clip.model import get_model_preprocess_cfg


def clip_input(images: torch.Tensor, preprocess: dict) -> torch.Tensor:
    """(N, 1, H, W) in [-1, 1] -> (N, 3, S, S) normalised as the model expects; differentiable."""
    size = preprocess["size"]
    size = (size, size) if isinstance(size, int) else tuple(size)
    x = ((images + 1.0) / 2.0).expand(-1, 3, -1, -1)
    if tuple(x.shape[-2:]) != size:
        x = F.interpolate(x, size=size, mode="bicubic", align_corners=False)
    mean = torch.tensor(preprocess["mean"], dtype=x.dtype, device=x.device)[:, None, None]
    std = torch.tensor(preprocess["std"], dtype=x.dtype, device=x.device)[:, None, None]
    return (x - mean) / std


class Scorer:
    """An open_clip model with its tokenizer, scoring grayscale images in [-1, 1].

    The model's parameters are frozen (`requires_grad_(False)`, eval mode); gradients still flow
    to the images, so a training loss can backpropagate through `image_features`.
    """

    def __init__(self, model: torch.nn.Module, tokenizer, device: torch.device | str):
        self.device = torch.device(device)
        self.model = model.to(self.device).eval().requires_grad_(False)
        self.tokenizer = tokenizer
        self.preprocess = get_model_preprocess_cfg(model)

    @property
    def logit_scale(self) -> torch.Tensor:
        return self.model.logit_scale.exp()

    def image_features(self, images: torch.Tensor) -> torch.Tensor:
        """(N, 1, H, W) in [-1, 1] -> L2-normalised (N, D); differentiable w.r.t. images."""
        x = clip_input(images.to(self.device, torch.float32), self.preprocess)
        return self.model.encode_image(x, normalize=True)

    @torch.no_grad()
    def text_features(self, prompts: list[str]) -> torch.Tensor:
        """P prompts -> L2-normalised (P, D)."""
        return self.model.encode_text(self.tokenizer(prompts).to(self.device), normalize=True)

    def prompt_probabilities(self, images: torch.Tensor, prompts: list[str]) -> torch.Tensor:
        """(N, 1, H, W), P prompts -> (N, P): softmax over prompts of logit_scale * cosine similarity."""
        logits = self.logit_scale * self.image_features(images) @ self.text_features(prompts).T
        return logits.softmax(dim=-1)

    def labelled_prompt_probabilities(
        self, images: torch.Tensor, labels: torch.Tensor, class_names: list[str], templates: list[str]
    ) -> torch.Tensor:
        """(N, 1, H, W), labels (N,), P templates -> (N, P): for image i the softmax over the
        templates filled with its own class name, class_names[labels[i]]."""
        prompts = [t.format(label=name) for name in class_names for t in templates]
        text = self.text_features(prompts).reshape(len(class_names), len(templates), -1)
        text = text[labels.to(self.device)]  # (N, P, D)
        logits = self.logit_scale * torch.einsum("nd,npd->np", self.image_features(images), text)
        return logits.softmax(dim=-1)
