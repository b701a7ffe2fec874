"""Denoising all at once against gradually: the model's one-step estimate of the clean image from
pure noise, next to the full reverse process started from the same noise.

DDIM with a single step is exactly that estimate: at t = T-1 the model predicts the noise (with the
default guidance), x0_pred = to_x0(x_T, T-1, output) is clipped to [-1, 1], and the step ends there
(alpha_bar_prev = 1, so sigma = 0 and x_0 = x0_pred). So one step uses the sampler's own code.

Both sets start from the same noise for the same labels, so they are compared image for image (a paired
bootstrap, `evaluation/comparison.py`): the gradual set minus the one-step set.
"""

from __future__ import annotations

import time

import numpy as np
import torch

from ..data.prepared import to_uint8
from ..evaluation.comparison import set_comparisons
from ..evaluation.generation import Generated
from ..evaluation.setup import EvaluationSetup
from ..model.checkpoint import ModelInfo
from ..model.samplers import Sampling, sample
from ..model.unet import Denoiser
from ..results.sets import OneStepStudy

FAMILY = "one step"
ONE_STEP = {"sampler": "ddim", "steps": 1, "eta": 0.0}


def one_step(
    model: Denoiser,
    info: ModelInfo,
    labels: torch.Tensor,
    style_labels: torch.Tensor | None,
    sampling: Sampling,
    seed: int,
) -> Generated:
    """x0 predicted in one step from the noise that `sample` draws for these labels and seed, i.e. the
    noise the full sampler with the same labels, styles and seed starts from."""
    began = time.perf_counter()
    images, _ = sample(
        model,
        info.schedule(),
        labels,
        generator=torch.Generator().manual_seed(seed),
        style_labels=style_labels,
        image_shape=info.image_shape,
        prediction=info.prediction,
        **sampling.replace(**ONE_STEP).kwargs(),
    )
    return Generated(to_uint8(images), labels.cpu().numpy(), time.perf_counter() - began)


def one_step_study(setup: EvaluationSetup, single: Generated, gradual_images: np.ndarray) -> OneStepStudy:
    """The one-step set and the gradual set of the same labels (N,) and noise, uint8 images (N, H, W),
    judged, and the gradual set minus the one-step set, pair by pair."""
    one, gradual = (setup.judge(images, single.labels) for images in (single.images, gradual_images))
    versus = set_comparisons(FAMILY, setup, one, {"gradual": gradual})["gradual"]
    return OneStepStudy(
        family=FAMILY,
        timestep=setup.info.schedule().timesteps - 1,
        seconds=single.seconds,
        one_step=setup.judged(one),
        gradual=setup.judged(gradual),
        gradual_minus_one_step=versus,
    )
