"""Sample sets for evaluation: every class, the same count each, from a seeded generator."""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import torch

from ..data.prepared import to_uint8
from ..model.checkpoint import ModelInfo
from ..model.samplers import Sampling, sample
from ..model.unet import Denoiser


@dataclass
class Generated:
    images: np.ndarray  # (N, H, W) uint8
    labels: np.ndarray  # (N,) requested classes
    seconds: float


def generate(model: Denoiser, info: ModelInfo, per_class: int, sampling: Sampling, seed: int) -> Generated:
    """`per_class` images of every class, class-major, with one seeded generator."""
    device = next(model.parameters()).device
    labels = torch.arange(len(info.class_names), device=device).repeat_interleave(per_class)
    began = time.perf_counter()
    images, _ = sample(
        model,
        info.schedule(),
        labels,
        generator=torch.Generator().manual_seed(seed),
        image_shape=info.image_shape,
        prediction=info.prediction,
        **sampling.kwargs(),
    )
    return Generated(to_uint8(images), labels.cpu().numpy(), time.perf_counter() - began)
