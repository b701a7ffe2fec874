"""A 4-8 channel denoiser saved as the `train` stage saves it, with style bins, in a folder laid out like
the repository (models/diffusion.pt, data/prepared/style_bins.json, params.yaml): what `generate`
and the MLflow model load, in a fraction of a second."""

from __future__ import annotations

from pathlib import Path

import torch

from fashion_diffusion.config.style_names import level_names
from fashion_diffusion.model.checkpoint import DIFFUSION_MODEL, ModelInfo, save_denoiser
from fashion_diffusion.model.unet import build_denoiser
from fashion_diffusion.style.bins import STYLE_BINS, StyleBins

from ..conftest import denoiser_config
from .tiny import write_tiny_params

CLASS_NAMES = ["t-shirt", "trouser", "sandal"]
ATTRIBUTES = ["ink", "slant"]
TIMESTEPS = 50


def write_tiny_model(root: Path) -> Path:
    """models/diffusion.pt, data/prepared/style_bins.json and params.yaml under root; returns root."""
    config = denoiser_config(num_classes=len(CLASS_NAMES), style_levels=[3] * len(ATTRIBUTES))
    torch.manual_seed(0)
    model = build_denoiser(config).eval()
    info = ModelInfo(
        config,
        {"timesteps": TIMESTEPS, "cosine_s": 0.008, "prediction": "epsilon"},
        (1, 28, 28),
        CLASS_NAMES,
        ATTRIBUTES,
        steps=0,
    )
    save_denoiser(root / DIFFUSION_MODEL, model, model, info)
    bins = StyleBins(
        attributes=ATTRIBUTES,
        edges={a: [[0.3, 0.6]] * len(CLASS_NAMES) for a in ATTRIBUTES},
        level_names={a: level_names(a, 3) for a in ATTRIBUTES},
        train_fractions={a: [[1 / 3] * 3] * len(CLASS_NAMES) for a in ATTRIBUTES},
        area_threshold=0.2,
    )
    (root / STYLE_BINS).parent.mkdir(parents=True, exist_ok=True)
    (root / STYLE_BINS).write_text(bins.to_json())
    write_tiny_params(root, diffusion__timesteps=TIMESTEPS)
    return root
