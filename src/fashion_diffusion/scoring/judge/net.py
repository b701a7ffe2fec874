"""The judge's network: a small CNN classifier whose penultimate features are the FID space.

Images enter as float (N, 1, 28, 28) in [-1, 1], the diffusion model's range.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

BACKGROUND = -1.0  # the value of an empty pixel in [-1, 1]


@dataclass
class JudgeNetConfig:
    """Architecture only; stored in the checkpoint so `load_judge` rebuilds the same network."""

    channels: list[int]
    hidden: int  # width of the penultimate layer: the FID feature dimension
    num_classes: int
    image_size: int


class JudgeBlock(nn.Sequential):
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
        self.blocks = nn.Sequential(*(JudgeBlock(a, b) for a, b in zip(widths, widths[1:])))
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
