"""The denoisers: a conditional U-Net, and a plain CNN without a down/up path (an ablation).

U-Net: per resolution level a stack of blocks ("conv": the seed's double conv; "residual": residual
blocks with GroupNorm), downsampling by strided convs, an up path that receives the down path's
features through skip connections (concatenation), optional self-attention at chosen levels.
Two switches exist for ablations: `skip_connections: false` drops the concatenation, and
`time_embedding: false` hides the timestep from the model. No size is hard-coded: upsampling
resizes to the matching level's size, so odd sizes work.

Every denoiser maps (x_t (B, C, H, W), t (B,), class (B,), styles (B, A) or None) -> (B, C, H, W).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import torch
import torch.nn.functional as F
from torch import nn

from .blocks import Conditioning, Level, ResBlock


@dataclass
class DenoiserConfig:
    """Everything that rebuilds a denoiser; stored in its checkpoint."""

    kind: str  # "unet" | "plain_cnn"
    block: str  # "conv" | "residual"
    channels: list[int]
    blocks_per_level: int
    attention_levels: list[int]
    skip_connections: bool
    time_embedding: bool
    embedding_dim: int
    norm_groups: int
    num_classes: int
    style_levels: list[int]  # levels per style attribute
    in_channels: int = 1  # grayscale: a property of the data, not a knob

    def to_dict(self) -> dict:
        return asdict(self)


class Denoiser(nn.Module):
    """What the U-Net and the plain CNN share: conditioning, input and output convs."""

    def __init__(self, config: DenoiserConfig, width_in: int, width_out: int):
        super().__init__()
        self.config = config
        self.conditioning = Conditioning(
            config.embedding_dim, config.num_classes, config.style_levels, config.time_embedding
        )
        self.conv_in = nn.Conv2d(config.in_channels, width_in, 3, padding=1)
        self.norm_out = nn.GroupNorm(config.norm_groups, width_out)
        self.conv_out = nn.Conv2d(width_out, config.in_channels, 3, padding=1)

    @property
    def null_class(self) -> int:
        return self.config.num_classes

    def null_styles(self, batch: int, device: torch.device) -> torch.Tensor:
        return self.conditioning.null_styles(batch, device)

    def output(self, h: torch.Tensor) -> torch.Tensor:
        return self.conv_out(F.silu(self.norm_out(h)))


class UNet(Denoiser):
    def __init__(self, config: DenoiserConfig):
        ch = config.channels
        super().__init__(config, ch[0], ch[0])
        emb, groups, count = config.embedding_dim, config.norm_groups, config.blocks_per_level
        attention = set(config.attention_levels)
        self.down, self.downsample = nn.ModuleList(), nn.ModuleList()
        in_ch = ch[0]
        for i, out_ch in enumerate(ch):
            self.down.append(Level(config.block, in_ch, out_ch, count, emb, groups, i in attention))
            self.downsample.append(
                nn.Conv2d(out_ch, out_ch, 3, stride=2, padding=1) if i < len(ch) - 1 else nn.Identity()
            )
            in_ch = out_ch
        self.middle = Level(config.block, ch[-1], ch[-1], count, emb, groups, bool(attention))
        self.up = nn.ModuleList()
        for i in reversed(range(len(ch))):
            skip_ch = ch[i] if config.skip_connections else 0
            self.up.append(Level(config.block, in_ch + skip_ch, ch[i], count, emb, groups, i in attention))
            in_ch = ch[i]

    def forward(
        self, x: torch.Tensor, t: torch.Tensor, class_labels: torch.Tensor, style_labels: torch.Tensor | None = None
    ) -> torch.Tensor:
        """x (B, C, H, W), t (B,) int64, class_labels (B,), style_labels (B, A) -> (B, C, H, W)."""
        emb = self.conditioning(t, class_labels, style_labels)
        h = self.conv_in(x)
        skips = []
        for level, down in zip(self.down, self.downsample):
            h = level(h, emb)
            skips.append(h)
            h = down(h)
        h = self.middle(h, emb)
        for level in self.up:
            skip = skips.pop()
            if h.shape[-2:] != skip.shape[-2:]:  # nearest upsampling; the level's first conv mixes it
                h = F.interpolate(h, size=skip.shape[-2:], mode="nearest")
            h = level(torch.cat([h, skip], dim=1) if self.config.skip_connections else h, emb)
        return self.output(h)


class PlainCNN(Denoiser):
    """The same blocks at full resolution only, one level per entry of `channels`: no down/up
    path, so no skip connections and a receptive field that grows 4 pixels per block."""

    def __init__(self, config: DenoiserConfig):
        ch = config.channels
        super().__init__(config, ch[0], ch[-1])
        widths = [ch[0], *ch]
        self.levels = nn.ModuleList(
            Level(
                config.block,
                a,
                b,
                config.blocks_per_level,
                config.embedding_dim,
                config.norm_groups,
                i in config.attention_levels,
            )
            for i, (a, b) in enumerate(zip(widths, widths[1:]))
        )

    def forward(
        self, x: torch.Tensor, t: torch.Tensor, class_labels: torch.Tensor, style_labels: torch.Tensor | None = None
    ) -> torch.Tensor:
        emb = self.conditioning(t, class_labels, style_labels)
        h = self.conv_in(x)
        for level in self.levels:
            h = level(h, emb)
        return self.output(h)


KINDS = {"unet": UNet, "plain_cnn": PlainCNN}


def zero_init_outputs(model: Denoiser) -> None:
    """Zero the output conv and the last conv of every residual block, so each residual branch and
    the prediction start at zero (as in the fast.ai course and guided-diffusion). The non-residual
    "conv" block is left alone: zeroing it would cut the signal path."""
    targets = [model.conv_out] + [m.conv2 for m in model.modules() if isinstance(m, ResBlock)]
    for conv in targets:
        torch.nn.init.zeros_(conv.weight)
        torch.nn.init.zeros_(conv.bias)


def build_denoiser(config: DenoiserConfig) -> Denoiser:
    return KINDS[config.kind](config)


def count_parameters(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


def denoiser_config(model_params, num_classes: int, style_levels: list[int], arch: str | None = None) -> DenoiserConfig:
    """The DenoiserConfig of `model_params.arch` (or `arch`) from params.yaml's `model` section."""
    sizes = model_params.archs[arch or model_params.arch]
    return DenoiserConfig(
        kind=sizes.kind,
        block=sizes.block,
        channels=list(sizes.channels),
        blocks_per_level=sizes.blocks_per_level,
        attention_levels=list(sizes.attention_levels),
        skip_connections=sizes.skip_connections,
        time_embedding=sizes.time_embedding,
        embedding_dim=model_params.embedding_dim,
        norm_groups=model_params.norm_groups,
        num_classes=num_classes,
        style_levels=style_levels,
    )
