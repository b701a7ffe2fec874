"""Building blocks of the denoisers: the conditioning embedding, conv and residual blocks, attention.

Conditioning (one vector per image, added to the features inside every block):
    emb = time_mlp(sinusoid(t)) + class_projection(class_embedding(y)) + sum_a style_embeddings[a](s_a)
The class table has `num_classes + 1` rows (the last is the null class for classifier-free
guidance); each style attribute table has `levels + 1` rows (the last is "no style requested").
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn


def sinusoidal_embedding(t: torch.Tensor, dim: int) -> torch.Tensor:
    """Transformer-style embedding of int64 timesteps (B,) -> (B, dim)."""
    half = dim // 2
    freqs = torch.exp(-math.log(10_000) * torch.arange(half, device=t.device) / half)
    angles = t.float()[:, None] * freqs[None, :]
    return torch.cat([angles.sin(), angles.cos()], dim=1)


class Conditioning(nn.Module):
    """Time, class and style labels -> one embedding (B, dim). Without a time embedding (an
    ablation) the model is told nothing about the noise level."""

    def __init__(self, dim: int, num_classes: int, style_levels: list[int], time_embedding: bool):
        super().__init__()
        self.dim, self.style_levels = dim, list(style_levels)
        self.time_mlp = nn.Sequential(nn.Linear(dim, dim), nn.SiLU(), nn.Linear(dim, dim)) if time_embedding else None
        self.class_embedding = nn.Embedding(num_classes + 1, dim)
        self.class_projection = nn.Sequential(nn.Linear(dim, dim), nn.SiLU(), nn.Linear(dim, dim))
        self.style_embeddings = nn.ModuleList(nn.Embedding(levels + 1, dim) for levels in style_levels)

    def null_styles(self, batch: int, device: torch.device) -> torch.Tensor:
        """(B, A) int64 filled with each attribute's null level."""
        return torch.tensor(self.style_levels, dtype=torch.long, device=device).expand(batch, -1).clone()

    def forward(self, t: torch.Tensor, class_labels: torch.Tensor, style_labels: torch.Tensor | None) -> torch.Tensor:
        emb = self.class_projection(self.class_embedding(class_labels))
        if self.time_mlp is not None:
            emb = emb + self.time_mlp(sinusoidal_embedding(t, self.dim))
        if self.style_embeddings:
            if style_labels is None:
                style_labels = self.null_styles(t.shape[0], t.device)
            for a, table in enumerate(self.style_embeddings):
                emb = emb + table(style_labels[:, a])
        return emb  # (B, dim)


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


BLOCKS = {"conv": ConvBlock, "residual": ResBlock}


def attention_heads(channels: int, head_dim: int) -> int:
    """About channels / head_dim heads (at least one), lowered until they divide the channels, so
    every channel count works (100 channels: 2 heads of 50, not 3 that do not divide 100)."""
    heads = max(1, channels // head_dim)
    while channels % heads:
        heads -= 1
    return heads


class SelfAttention(nn.Module):
    """Multi-head self-attention over the H*W positions, with a residual connection."""

    def __init__(self, channels: int, groups: int, head_dim: int = 32):
        super().__init__()
        self.heads = attention_heads(channels, head_dim)
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

    def __init__(self, block: str, in_ch: int, out_ch: int, count: int, emb_dim: int, groups: int, attention: bool):
        super().__init__()
        make = BLOCKS[block]
        self.blocks = nn.ModuleList(make(in_ch if i == 0 else out_ch, out_ch, emb_dim, groups) for i in range(count))
        self.attention = SelfAttention(out_ch, groups) if attention else nn.Identity()

    def forward(self, x: torch.Tensor, emb: torch.Tensor) -> torch.Tensor:
        for block in self.blocks:
            x = block(x, emb)
        return self.attention(x)
