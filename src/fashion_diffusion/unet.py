"""A conditional U-Net for noise prediction, in two architectures chosen by config.

- "basic" (the seed's model): per level a double-conv block; down and up paths joined by skip
  connections; time, class (and style) embeddings added to the features.
- "large" (the seed's modified U-Net): wider channels, one more level, residual blocks with
  GroupNorm, self-attention at the low resolutions.

Conditioning: emb = time_mlp(sinusoid(t)) + class_projection(class_embedding(y))
                    + sum_a style_embeddings[a](s_a)
The class table has `num_classes + 1` rows (the last is the null class for classifier-free
guidance); each style attribute table has `levels + 1` rows (the last is "no style requested").
No size is hard-coded: upsampling resizes to the skip connection's size, so odd sizes work.
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field

import torch
import torch.nn.functional as F
from torch import nn


@dataclass
class UNetConfig:
    in_channels: int = 1
    block: str = "conv"  # "conv" | "residual"
    channels: list[int] = field(default_factory=lambda: [32, 64, 128])
    blocks_per_level: int = 1
    attention_levels: list[int] = field(default_factory=list)
    embedding_dim: int = 128
    norm_groups: int = 8
    num_classes: int = 10
    style_levels: list[int] = field(default_factory=list)  # levels per style attribute

    def to_dict(self) -> dict:
        return asdict(self)


def sinusoidal_embedding(t: torch.Tensor, dim: int) -> torch.Tensor:
    """Transformer-style embedding of int64 timesteps (B,) -> (B, dim)."""
    half = dim // 2
    freqs = torch.exp(-math.log(10_000) * torch.arange(half, device=t.device) / half)
    angles = t.float()[:, None] * freqs[None, :]
    return torch.cat([angles.sin(), angles.cos()], dim=1)


class ConvBlock(nn.Module):
    """The seed's block: conv-norm-SiLU, add the embedding, conv-norm-SiLU."""

    def __init__(self, in_ch: int, out_ch: int, emb_dim: int, groups: int):
        super().__init__()
        self.conv1 = nn.Conv2d(in_ch, out_ch, 3, padding=1)
        self.norm1 = nn.GroupNorm(groups, out_ch)
        self.emb = nn.Linear(emb_dim, out_ch)
        self.conv2 = nn.Conv2d(out_ch, out_ch, 3, padding=1)
        self.norm2 = nn.GroupNorm(groups, out_ch)

    def forward(self, x: torch.Tensor, emb: torch.Tensor) -> torch.Tensor:
        h = F.silu(self.norm1(self.conv1(x)))  # (B, out, H, W)
        h = h + self.emb(emb)[:, :, None, None]
        return F.silu(self.norm2(self.conv2(h)))


class ResBlock(nn.Module):
    """Pre-norm residual block (GroupNorm, SiLU, conv) with the embedding added in the middle."""

    def __init__(self, in_ch: int, out_ch: int, emb_dim: int, groups: int):
        super().__init__()
        self.norm1 = nn.GroupNorm(groups, in_ch)
        self.conv1 = nn.Conv2d(in_ch, out_ch, 3, padding=1)
        self.emb = nn.Linear(emb_dim, out_ch)
        self.norm2 = nn.GroupNorm(groups, out_ch)
        self.conv2 = nn.Conv2d(out_ch, out_ch, 3, padding=1)
        self.skip = nn.Conv2d(in_ch, out_ch, 1) if in_ch != out_ch else nn.Identity()

    def forward(self, x: torch.Tensor, emb: torch.Tensor) -> torch.Tensor:
        h = self.conv1(F.silu(self.norm1(x)))
        h = h + self.emb(emb)[:, :, None, None]
        h = self.conv2(F.silu(self.norm2(h)))
        return h + self.skip(x)


class SelfAttention(nn.Module):
    """Multi-head self-attention over the H*W positions, with a residual connection."""

    def __init__(self, channels: int, groups: int, head_dim: int = 32):
        super().__init__()
        self.heads = max(1, channels // head_dim)
        self.norm = nn.GroupNorm(groups, channels)
        self.qkv = nn.Conv2d(channels, 3 * channels, 1)
        self.out = nn.Conv2d(channels, channels, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b, c, h, w = x.shape
        q, k, v = self.qkv(self.norm(x)).reshape(b, 3, self.heads, c // self.heads, h * w).unbind(1)
        # (B, heads, head_dim, HW) -> (B, heads, HW, head_dim)
        out = F.scaled_dot_product_attention(q.transpose(-1, -2), k.transpose(-1, -2), v.transpose(-1, -2))
        return x + self.out(out.transpose(-1, -2).reshape(b, c, h, w))


class Level(nn.Module):
    """The blocks (and optional attention) of one resolution level."""

    def __init__(self, block: type[nn.Module], in_ch: int, out_ch: int, count: int, emb_dim: int,
                 groups: int, attention: bool):
        super().__init__()
        self.blocks = nn.ModuleList(block(in_ch if i == 0 else out_ch, out_ch, emb_dim, groups) for i in range(count))
        self.attention = SelfAttention(out_ch, groups) if attention else nn.Identity()

    def forward(self, x: torch.Tensor, emb: torch.Tensor) -> torch.Tensor:
        for block in self.blocks:
            x = block(x, emb)
        return self.attention(x)


class UNet(nn.Module):
    def __init__(self, config: UNetConfig):
        super().__init__()
        self.config = config
        block = {"conv": ConvBlock, "residual": ResBlock}[config.block]
        ch, emb_dim, groups = config.channels, config.embedding_dim, config.norm_groups

        self.time_mlp = nn.Sequential(nn.Linear(emb_dim, emb_dim), nn.SiLU(), nn.Linear(emb_dim, emb_dim))
        self.class_embedding = nn.Embedding(config.num_classes + 1, emb_dim)
        self.class_projection = nn.Sequential(nn.Linear(emb_dim, emb_dim), nn.SiLU(), nn.Linear(emb_dim, emb_dim))
        self.style_embeddings = nn.ModuleList(nn.Embedding(levels + 1, emb_dim) for levels in config.style_levels)

        self.conv_in = nn.Conv2d(config.in_channels, ch[0], 3, padding=1)
        self.down = nn.ModuleList()
        self.downsample = nn.ModuleList()
        in_ch = ch[0]
        for i, out_ch in enumerate(ch):
            self.down.append(Level(block, in_ch, out_ch, config.blocks_per_level, emb_dim, groups,
                                   i in config.attention_levels))
            self.downsample.append(nn.Conv2d(out_ch, out_ch, 3, stride=2, padding=1) if i < len(ch) - 1 else nn.Identity())
            in_ch = out_ch
        self.middle = Level(block, ch[-1], ch[-1], config.blocks_per_level, emb_dim, groups, bool(config.attention_levels))
        self.up = nn.ModuleList()
        for i in reversed(range(len(ch))):
            self.up.append(Level(block, in_ch + ch[i], ch[i], config.blocks_per_level, emb_dim, groups,
                                 i in config.attention_levels))
            in_ch = ch[i]
        self.norm_out = nn.GroupNorm(groups, ch[0])
        self.conv_out = nn.Conv2d(ch[0], config.in_channels, 3, padding=1)

    @property
    def null_class(self) -> int:
        return self.config.num_classes

    def null_styles(self, batch: int, device: torch.device) -> torch.Tensor:
        """(B, A) int64 filled with each attribute's null level."""
        return torch.tensor(self.config.style_levels, device=device).expand(batch, -1).clone()

    def embed(self, t: torch.Tensor, class_labels: torch.Tensor, style_labels: torch.Tensor | None) -> torch.Tensor:
        emb = self.time_mlp(sinusoidal_embedding(t, self.config.embedding_dim))
        emb = emb + self.class_projection(self.class_embedding(class_labels))
        if self.style_embeddings:
            if style_labels is None:
                style_labels = self.null_styles(t.shape[0], t.device)
            for a, table in enumerate(self.style_embeddings):
                emb = emb + table(style_labels[:, a])
        return emb  # (B, emb_dim)

    def forward(self, x: torch.Tensor, t: torch.Tensor, class_labels: torch.Tensor,
                style_labels: torch.Tensor | None = None) -> torch.Tensor:
        """x (B, C, H, W), t (B,) int64, class_labels (B,), style_labels (B, A) -> eps (B, C, H, W)."""
        emb = self.embed(t, class_labels, style_labels)
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
            h = level(torch.cat([h, skip], dim=1), emb)
        return self.conv_out(F.silu(self.norm_out(h)))


def count_parameters(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


def unet_config(model_params, num_classes: int, style_levels: list[int], arch: str | None = None) -> UNetConfig:
    """The UNetConfig for `model_params.arch` (or `arch`) from params.yaml's `model` section."""
    sizes = model_params.archs[arch or model_params.arch]
    return UNetConfig(block=sizes.block, channels=list(sizes.channels), blocks_per_level=sizes.blocks_per_level,
                      attention_levels=list(sizes.attention_levels), embedding_dim=model_params.embedding_dim,
                      norm_groups=model_params.norm_groups, num_classes=num_classes, style_levels=style_levels)
