"""The judge: a small CNN classifier trained on real images only, never on generated ones.

It scores generated samples (does the image show the requested class?) and supplies the
feature space for FID, since Inception weights cannot be downloaded here. Images enter as
float (N, 1, 28, 28) in [-1, 1], the diffusion model's range (`data.to_model_range`).
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn
from tqdm.auto import tqdm

from fashion_diffusion import metrics
from fashion_diffusion.config import JudgeConfig, to_dict

BACKGROUND = -1.0  # the value of an empty pixel in [-1, 1]


@dataclass
class JudgeNetConfig:
    """Architecture only; stored in the checkpoint so `load_judge` rebuilds the same network."""
    channels: list[int] = field(default_factory=lambda: [32, 64])
    hidden: int = 256  # width of the penultimate layer: the FID feature dimension
    num_classes: int = 10
    image_size: int = 28


class ConvBlock(nn.Sequential):
    """conv3x3 -> BatchNorm -> ReLU, twice, then 2x2 max-pool: (B, C_in, H, W) -> (B, C_out, H/2, W/2)."""

    def __init__(self, in_channels: int, out_channels: int):
        super().__init__(
            nn.Conv2d(in_channels, out_channels, 3, padding=1, bias=False),
            nn.BatchNorm2d(out_channels),
            nn.ReLU(inplace=True),
            nn.Conv2d(out_channels, out_channels, 3, padding=1, bias=False),
            nn.BatchNorm2d(out_channels),
            nn.ReLU(inplace=True),
            nn.MaxPool2d(2),
        )


class JudgeNet(nn.Module):
    def __init__(self, config: JudgeNetConfig):
        super().__init__()
        self.config = config
        widths = [1, *config.channels]
        self.blocks = nn.Sequential(*(ConvBlock(a, b) for a, b in zip(widths, widths[1:])))
        side = config.image_size // 2 ** len(config.channels)
        self.head = nn.Sequential(
            nn.Flatten(),
            nn.Linear(config.channels[-1] * side * side, config.hidden),
            nn.BatchNorm1d(config.hidden),
            nn.ReLU(inplace=True),
        )
        self.classifier = nn.Linear(config.hidden, config.num_classes)

    def features(self, x: torch.Tensor) -> torch.Tensor:
        """(B, 1, H, W) in [-1, 1] -> penultimate activations (B, hidden)."""
        return self.head(self.blocks(x))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """(B, 1, H, W) in [-1, 1] -> logits (B, num_classes)."""
        return self.classifier(self.features(x))


def augment(x: torch.Tensor, generator: torch.Generator, max_shift: int, hflip: bool) -> torch.Tensor:
    """Random integer shifts of up to `max_shift` pixels (filled with background) and random
    horizontal flips, drawn per image from `generator`: (B, 1, H, W) -> (B, 1, H, W)."""
    batch, _, height, width = x.shape
    if hflip:
        flip = torch.rand(batch, generator=generator) < 0.5
        x = torch.where(flip[:, None, None, None], x.flip(-1), x)
    if max_shift > 0:
        s = max_shift
        padded = F.pad(x, (s, s, s, s), value=BACKGROUND)  # (B, 1, H + 2s, W + 2s)
        dy, dx = torch.randint(0, 2 * s + 1, (2, batch, 1), generator=generator)
        rows = (dy + torch.arange(height))[:, :, None]  # (B, H, 1)
        cols = (dx + torch.arange(width))[:, None, :]  # (B, 1, W)
        x = padded[torch.arange(batch)[:, None, None], 0, rows, cols].unsqueeze(1)
    return x


def net_config(cfg: JudgeConfig) -> JudgeNetConfig:
    return JudgeNetConfig(channels=list(cfg.channels), hidden=cfg.hidden)


def train_judge(train_images: torch.Tensor, train_labels, cfg: JudgeConfig,
                device: torch.device) -> JudgeNet:
    """Train a judge from scratch; returns it in eval mode.

    train_images: float (N, 1, 28, 28) in [-1, 1] on the CPU; train_labels: int (N,).
    AdamW with a one-cycle learning rate, optionally under bf16 autocast (inference stays fp32);
    batches, shifts and flips are drawn from a generator seeded with `cfg.seed`, and the
    initial weights from the same seed.
    """
    images = torch.as_tensor(train_images, dtype=torch.float32)
    labels = torch.as_tensor(np.asarray(train_labels), dtype=torch.int64)
    generator = torch.Generator().manual_seed(cfg.seed)
    with torch.random.fork_rng(devices=[]):  # seeded initial weights without touching global state
        torch.manual_seed(cfg.seed)
        model = JudgeNet(net_config(cfg)).to(device, memory_format=torch.channels_last)
    steps_per_epoch = len(images) // cfg.batch_size  # full batches only: BatchNorm needs > 1 image
    if steps_per_epoch == 0:
        raise ValueError(f"judge.batch_size {cfg.batch_size} exceeds the {len(images)} training images")
    optimizer = torch.optim.AdamW(model.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=cfg.lr,
                                                   total_steps=cfg.epochs * steps_per_epoch)
    model.train()
    for epoch in range(cfg.epochs):
        order = torch.randperm(len(images), generator=generator)
        progress = tqdm(range(steps_per_epoch), desc=f"judge epoch {epoch + 1}/{cfg.epochs}", leave=False)
        for step in progress:
            batch = order[step * cfg.batch_size:(step + 1) * cfg.batch_size]
            x = augment(images[batch], generator, cfg.max_shift, cfg.hflip)
            x = x.to(device, memory_format=torch.channels_last)  # (B, 1, H, W), faster convs on CPU
            with torch.autocast(device.type, dtype=torch.bfloat16, enabled=cfg.bf16):
                loss = F.cross_entropy(model(x), labels[batch].to(device))
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            schedule.step()
            if step % 50 == 0:
                progress.set_postfix(loss=f"{loss.item():.3f}")
    return model.eval()


@torch.no_grad()
def _batched(fn, model: JudgeNet, images: torch.Tensor, batch_size: int) -> torch.Tensor:
    """Apply fn(model, batch) over images in eval mode; the result is float32 on the CPU."""
    device = next(model.parameters()).device
    was_training = model.training
    model.eval()
    outputs = [fn(model, images[i:i + batch_size].to(device, torch.float32)).float().cpu()
               for i in range(0, len(images), batch_size)]
    model.train(was_training)
    return torch.cat(outputs)


def features(model: JudgeNet, images: torch.Tensor, batch_size: int = 1000) -> torch.Tensor:
    """Penultimate judge features: float (N, 1, 28, 28) in [-1, 1] -> (N, hidden) float32."""
    return _batched(lambda m, x: m.features(x), model, images, batch_size)


def predict_proba(model: JudgeNet, images: torch.Tensor, batch_size: int = 1000) -> torch.Tensor:
    """Class probabilities: float (N, 1, 28, 28) in [-1, 1] -> (N, num_classes) float32."""
    return _batched(lambda m, x: m(x).softmax(dim=1), model, images, batch_size)


def evaluate_accuracy(model: JudgeNet, images: torch.Tensor, labels) -> tuple[float, np.ndarray]:
    """Accuracy on labelled real images: (overall, per-class (num_classes,))."""
    probs = predict_proba(model, images)
    return metrics.class_accuracy(probs, labels, model.config.num_classes)


def fid_floors(model: JudgeNet, train_images: torch.Tensor, reference_images: torch.Tensor,
               sizes: list[int], seed: int) -> dict[int, float]:
    """FID of n real training images (drawn with `seed`) against all of reference_images, per n.

    What a perfect generator would score with n samples against the same reference set: the
    floor to read generated-sample FIDs against (FID is biased upwards at small n).
    """
    if not all(2 <= n <= len(train_images) for n in sizes):
        raise ValueError(f"each n must be in [2, {len(train_images)}], got {sizes}")
    reference = features(model, reference_images)
    order = torch.randperm(len(train_images), generator=torch.Generator().manual_seed(seed))
    return {n: metrics.fid(features(model, train_images[order[:n]]), reference) for n in sizes}


def fid_floor(model: JudgeNet, train_images: torch.Tensor, reference_images: torch.Tensor,
              n: int, seed: int) -> float:
    """`fid_floors` at one sample size n (the draws are nested: same value as in a list of sizes)."""
    return fid_floors(model, train_images, reference_images, [n], seed)[n]


def save_judge(model: JudgeNet, path: str | Path, cfg: JudgeConfig | None = None) -> None:
    """Write the weights with the architecture (and, for the record, the training config)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    torch.save({"net_config": asdict(model.config),
                "train_config": to_dict(cfg) if cfg is not None else None,
                "state_dict": model.state_dict()}, path)


def load_judge(path: str | Path, device: torch.device | str = "cpu") -> JudgeNet:
    """Rebuild the judge saved by `save_judge`, in eval mode on `device`."""
    checkpoint = torch.load(Path(path), map_location=device, weights_only=True)
    model = JudgeNet(JudgeNetConfig(**checkpoint["net_config"]))
    model.load_state_dict(checkpoint["state_dict"])
    return model.to(device).eval()
