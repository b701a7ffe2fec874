"""Sample sets for evaluation: every class, the same count each, from a seeded generator."""
from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import torch

from ..data.prepared import to_uint8
from ..model.samplers import sample
from ..model.schedule import NoiseSchedule
from ..model.unet import Denoiser


@dataclass
class Generated:
    images: np.ndarray  # (N, H, W) uint8
    labels: np.ndarray  # (N,) requested classes
    seconds: float


def generate(model: Denoiser, schedule: NoiseSchedule, per_class: int, num_classes: int, steps: int, eta: float,
             guidance_scale: float, seed: int, image_shape: tuple[int, int, int]) -> Generated:
    device = next(model.parameters()).device
    labels = torch.arange(num_classes, device=device).repeat_interleave(per_class)
    began = time.perf_counter()
    images, _ = sample(model, schedule, labels, steps=steps, eta=eta, guidance_scale=guidance_scale,
                       generator=torch.Generator().manual_seed(seed), image_shape=image_shape)
    return Generated(to_uint8(images), labels.cpu().numpy(), time.perf_counter() - began)
