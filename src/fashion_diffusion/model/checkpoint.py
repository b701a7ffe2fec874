"""The trained denoiser on disk (`models/diffusion.pt`): weights, EMA weights and what rebuilds it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import torch

from ..config import DiffusionParams
from ..core.artifacts import load_checkpoint, rebuilding, require_keys, save_atomic
from .schedule import NoiseSchedule, cosine_schedule
from .unet import Denoiser, DenoiserConfig, build_denoiser

DIFFUSION_MODEL = Path("models/diffusion.pt")
KEYS = ["denoiser", "diffusion", "image_shape", "class_names", "style_attributes", "model", "ema", "steps"]


@dataclass
class ModelInfo:
    """What a trained denoiser was trained on and with."""

    config: DenoiserConfig
    diffusion: dict  # timesteps, cosine_s
    image_shape: tuple[int, int, int]
    class_names: list[str]
    style_attributes: list[str]
    steps: int

    @property
    def prediction(self) -> str:
        return self.diffusion["prediction"]

    def schedule(self) -> NoiseSchedule:
        return cosine_schedule(self.diffusion["timesteps"], self.diffusion["cosine_s"])


def save_denoiser(path: Path, model: Denoiser, ema_model: Denoiser, info: ModelInfo) -> None:
    save_atomic(
        {
            "denoiser": info.config.to_dict(),
            "diffusion": dict(info.diffusion),
            "image_shape": list(info.image_shape),
            "class_names": list(info.class_names),
            "style_attributes": list(info.style_attributes),
            "steps": info.steps,
            "model": model.state_dict(),
            "ema": ema_model.state_dict(),
        },
        path,
    )


def load_denoiser(path: str | Path, device: torch.device, use_ema: bool = True) -> tuple[Denoiser, ModelInfo]:
    """Rebuild a trained denoiser (in eval mode) and its info; one-line errors for bad files,
    a schedule outside the schema's ranges included."""
    state = load_checkpoint(path, map_location=device, made_by="train")
    require_keys(state, KEYS, path)
    with rebuilding(path):
        diffusion = DiffusionParams.model_validate(state["diffusion"]).model_dump()
        info = ModelInfo(
            DenoiserConfig(**state["denoiser"]),
            diffusion,
            tuple(state["image_shape"]),
            list(state["class_names"]),
            list(state["style_attributes"]),
            int(state["steps"]),
        )
        model = build_denoiser(info.config).to(device)
        model.load_state_dict(state["ema" if use_ema else "model"])
    return model.eval(), info
