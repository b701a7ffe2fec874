"""The in-domain scorer: a small open_clip CLIP trained here on captioned Fashion-MNIST.

Captions come from four roles (plain, clear, blurry, noisy) filled with the class name; images
captioned blurry or noisy are blurred or noised (`scoring.corruptions`), clear ones stay clean and
plain ones may be any of the three, so the scorer learns what each word looks like and the plain
caption (the class prompt) names the class alone. Trained with open_clip's ClipLoss.
"""

from __future__ import annotations

import math
from dataclasses import asdict
from pathlib import Path

import numpy as np
import open_clip
import torch
from open_clip.model import get_model_preprocess_cfg, set_model_preprocess_cfg
from open_clip.transform import PreprocessCfg
from tqdm import tqdm

from ...config import ClipTrainParams
from ...core.artifacts import load_checkpoint, rebuilding, require_keys, save_atomic
from ...data.prepared import to_model_range
from ...training.lr import warmup_cosine
from ..corruptions import random_blur, random_noise
from .scorer import clip_input

CAPTION_ROLES = ("plain", "clear", "blurry", "noisy")  # in caption-id order
TRAINED_SCORER = Path("models/clip_scorer.pt")


ARCHITECTURE_KEYS = ("embed_dim", "width", "text_width", "vision_layers", "text_layers", "patch_size", "context_length")


def architecture(cfg: ClipTrainParams, image_size: int) -> dict:
    """What rebuilds the model: its sizes from clip.train, and the image size of the data."""
    return {**{key: getattr(cfg, key) for key in ARCHITECTURE_KEYS}, "image_size": image_size}


def build_model(arch: dict) -> open_clip.model.CLIP:
    """A small open_clip CLIP for grayscale images in [-1, 1] of the size `arch` names (see `architecture`)."""
    model = open_clip.model.CLIP(
        embed_dim=arch["embed_dim"],
        vision_cfg={
            "image_size": arch["image_size"],
            "patch_size": arch["patch_size"],
            "width": arch["width"],
            "layers": arch["vision_layers"],
            "head_width": 32,
            "mlp_ratio": 2.0,
        },
        text_cfg={
            "context_length": arch["context_length"],
            "width": arch["text_width"],
            "heads": max(1, arch["text_width"] // 32),
            "layers": arch["text_layers"],
            "mlp_ratio": 2.0,
        },
    )
    image_size = arch["image_size"]
    # mean = std = 0.5 turns [0, 1] back into [-1, 1]: the model sees the images unchanged.
    set_model_preprocess_cfg(model, asdict(PreprocessCfg(size=image_size, mean=(0.5,) * 3, std=(0.5,) * 3)))
    return model


def caption_batch(
    images: np.ndarray, labels: torch.Tensor, n_classes: int, cfg: ClipTrainParams, generator: torch.Generator
) -> tuple[torch.Tensor, torch.Tensor]:
    """Draw a batch: uint8 images (N, H, W), labels (N,) -> float (B, 1, H, W) in [-1, 1] and
    caption ids (B,) = role * n_classes + label, the role drawn uniformly from CAPTION_ROLES.

    What an image shows follows its caption: "clear" ones stay clean, "blurry" ones are blurred,
    "noisy" ones noised. A "plain" caption names the class only: its image is clean, blurred or
    noised with equal chance, so "clear" alone means uncorrupted and the plain caption (the class
    prompt) says nothing of quality."""
    index = torch.randint(len(labels), (cfg.batch_size,), generator=generator)
    x = to_model_range(images[index.numpy()])
    role = torch.randint(len(CAPTION_ROLES), (cfg.batch_size,), generator=generator)
    shown = role.clone()  # the role that describes the image: clear, blurry or noisy
    plain = role == CAPTION_ROLES.index("plain")
    looks = torch.tensor([CAPTION_ROLES.index(r) for r in ("clear", "blurry", "noisy")])
    shown[plain] = looks[torch.randint(len(looks), (int(plain.sum()),), generator=generator)]
    blurred, noised = shown == CAPTION_ROLES.index("blurry"), shown == CAPTION_ROLES.index("noisy")
    x[blurred] = random_blur(x[blurred], cfg.blur_sigma, generator)
    x[noised] = random_noise(x[noised], cfg.noise_std, generator)
    return x, role * n_classes + labels[index]


def _param_groups(model: torch.nn.Module, weight_decay: float) -> list[dict]:
    """Weight decay on matrices only (not biases, norms, embeddings' scales or the logit scale)."""
    params = [p for p in model.parameters() if p.requires_grad]
    return [
        {"params": [p for p in params if p.ndim >= 2], "weight_decay": weight_decay},
        {"params": [p for p in params if p.ndim < 2], "weight_decay": 0.0},
    ]


def train_scorer(
    images: np.ndarray, labels: np.ndarray, class_names: list[str], cfg: ClipTrainParams, device: torch.device
) -> open_clip.model.CLIP:
    """Train the in-domain CLIP with open_clip's ClipLoss on captioned, partly corrupted images.

    images: uint8 (N, H, W); labels: int64 (N,). Returns the trained model in eval mode.
    The text tower encodes the len(CAPTION_ROLES) * n_classes distinct captions once per step and
    the batch gathers them: the same features ClipLoss would get from encoding every caption.
    """
    labels = torch.tensor(labels)
    with torch.random.fork_rng(devices=[]):  # initial weights from the config's seed, not global state
        torch.manual_seed(cfg.seed)
        model = build_model(architecture(cfg, images.shape[-1])).to(device)
    generator = torch.Generator().manual_seed(cfg.seed)
    captions = [cfg.captions[role].format(label=name) for role in CAPTION_ROLES for name in class_names]
    tokens = open_clip.tokenizer.SimpleTokenizer(context_length=cfg.context_length)(captions).to(device)
    preprocess = get_model_preprocess_cfg(model)
    optimizer = torch.optim.AdamW(_param_groups(model, cfg.weight_decay), lr=cfg.lr)
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda step: warmup_cosine(step, cfg.warmup_steps, cfg.steps)
    )
    loss_fn = open_clip.loss.ClipLoss()
    model.train()
    progress = tqdm(range(cfg.steps), desc="train clip scorer", mininterval=2.0)
    for _ in progress:
        x, caption_ids = caption_batch(images, labels, len(class_names), cfg, generator)
        with torch.autocast(device.type, dtype=torch.bfloat16, enabled=cfg.bf16):
            image_features = model.encode_image(clip_input(x.to(device), preprocess), normalize=True)
            text_features = model.encode_text(tokens, normalize=True)[caption_ids.to(device)]
        loss = loss_fn(image_features.float(), text_features.float(), model.logit_scale.exp())
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        schedule.step()
        with torch.no_grad():
            model.logit_scale.clamp_(0.0, math.log(100.0))  # CLIP's cap on the temperature
        progress.set_postfix(loss=f"{loss.item():.3f}", refresh=False)
    return model.eval()


def save_scorer(model: open_clip.model.CLIP, arch: dict, path: str | Path) -> None:
    """Write the weights with the architecture that rebuilds the model."""
    save_atomic({"architecture": dict(arch), "state_dict": model.state_dict()}, path)


def load_trained(path: str | Path, device: torch.device | str) -> tuple[open_clip.model.CLIP, dict]:
    """Rebuild the in-domain model from a `save_scorer` file: (model in eval mode, architecture)."""
    checkpoint = load_checkpoint(path, map_location=device, made_by="train_clip")
    require_keys(checkpoint, ["architecture", "state_dict"], path)
    with rebuilding(path):
        model = build_model(checkpoint["architecture"])
        model.load_state_dict(checkpoint["state_dict"])
    return model.to(device).eval(), checkpoint["architecture"]
