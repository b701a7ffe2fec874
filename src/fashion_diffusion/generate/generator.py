"""A trained denoiser ready to make images: classes, counts, seeds, a named sampler and styles in,
uint8 images out. The sampler is any name `model.samplers` knows, passed through as a string."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from ..core.errors import InputError
from ..data.prepared import to_uint8
from ..model.checkpoint import ModelInfo, load_denoiser
from ..model.samplers import Sampling, sample, sampler_settings
from ..model.unet import Denoiser
from ..style.bins import StyleBins, load_style_bins, parse_style_requests
from .requests import checked_count, checked_seed


class SamplingError(InputError, ValueError):
    """A sampler name or setting the samplers refuse; the message is theirs."""


@dataclass
class Generator:
    model: Denoiser
    info: ModelInfo
    bins: StyleBins
    defaults: Sampling  # what the pipeline samples with (params.yaml's `sample` section)

    @classmethod
    def load(
        cls, checkpoint: Path, style_bins: Path, defaults: Sampling, use_ema: bool, device: torch.device
    ) -> Generator:
        """From a trained denoiser (models/diffusion.pt) and the style bins it was trained with."""
        model, info = load_denoiser(checkpoint, device, use_ema=use_ema)
        return cls(model, info, load_style_bins(style_bins), defaults)

    @property
    def class_names(self) -> list[str]:
        return list(self.info.class_names)

    def images(
        self, class_index: int, count: int, seed: int, sampling: Sampling, styles: list[str], progress: bool = False
    ) -> np.ndarray:
        """`count` images of one class from a generator seeded with `seed`: uint8 (count, H, W)."""
        self.check(sampling)
        device = next(self.model.parameters()).device
        labels = torch.full((checked_count(count),), class_index, dtype=torch.long, device=device)
        style = torch.as_tensor(parse_style_requests(styles, self.bins), device=device).expand(count, -1)
        x0, _ = sample(
            self.model,
            self.info.schedule(),
            labels,
            generator=torch.Generator().manual_seed(checked_seed(seed)),
            style_labels=style,
            image_shape=self.info.image_shape,
            prediction=self.info.prediction,
            progress=progress,
            **sampling.kwargs(),
        )
        return to_uint8(x0)

    def check(self, sampling: Sampling) -> None:
        """One line for a sampler the samplers do not know or steps outside [1, T]."""
        timesteps = self.info.diffusion["timesteps"]
        try:
            sampler_settings(sampling.sampler, sampling.steps, sampling.eta, timesteps)
        except ValueError as error:
            raise SamplingError(str(error)) from None
        if not 1 <= sampling.steps <= timesteps:
            raise SamplingError(
                f"steps must be between 1 and {timesteps} (the model's timesteps), got {sampling.steps}"
            )
        if not 0 <= sampling.eta <= 1:
            raise SamplingError(f"eta must be between 0 and 1, got {sampling.eta:g}")
        if sampling.guidance_scale < 0:
            raise SamplingError(f"guidance must be at least 0, got {sampling.guidance_scale:g}")


def write_settings(path: Path, sampling: Sampling, use_ema: bool) -> None:
    """The sampling defaults and weights choice that travel with a logged model."""
    path.write_text(json.dumps({"sampling": sampling.kwargs(), "use_ema": use_ema}, indent=2) + "\n")


def read_settings(path: Path) -> tuple[Sampling, bool]:
    try:
        settings = json.loads(Path(path).read_text())
        return Sampling(**settings["sampling"]), bool(settings["use_ema"])
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise InputError(f"{path}: unreadable generator settings ({error})") from None
