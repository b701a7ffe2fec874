"""Image corruptions with known answers: Gaussian blur and additive noise, drawn per image.

Used to caption training images of the in-domain CLIP scorer and to validate any scorer: a
scorer that can tell clear from blurry should rank clean images above their corrupted copies.
"""

from __future__ import annotations

import torch


def gaussian_blur(images: torch.Tensor, sigma: torch.Tensor) -> torch.Tensor:
    """Blur each image with its own sigma (pixels): (N, C, H, W), (N,) -> (N, C, H, W).

    Each output pixel is the Gaussian-weighted mean of the pixels inside the image (weights
    renormalised at the borders), applied as per-image (H, H) and (W, W) matrices.
    """

    def blur_matrix(size: int) -> torch.Tensor:  # (N, 1, size, size), rows sum to one
        position = torch.arange(size, dtype=images.dtype, device=images.device)
        distance = (position[:, None] - position[None, :]) / sigma.to(images)[:, None, None]
        weights = torch.exp(-0.5 * distance**2)
        return (weights / weights.sum(dim=2, keepdim=True))[:, None]

    height, width = images.shape[-2:]
    return blur_matrix(height) @ images @ blur_matrix(width).transpose(-1, -2)


def _uniform(bounds: list[float], n: int, generator: torch.Generator) -> torch.Tensor:
    low, high = bounds
    return low + (high - low) * torch.rand(n, generator=generator)


def random_blur(images: torch.Tensor, sigma_range: list[float], generator: torch.Generator) -> torch.Tensor:
    """Gaussian blur with sigma drawn uniformly from `sigma_range` per image; (N, 1, H, W) on the CPU."""
    return gaussian_blur(images, _uniform(sigma_range, len(images), generator))


def random_noise(images: torch.Tensor, std_range: list[float], generator: torch.Generator) -> torch.Tensor:
    """Add Gaussian noise, std drawn uniformly from `std_range` per image, clipped to [-1, 1]."""
    std = _uniform(std_range, len(images), generator)[:, None, None, None]
    return (images + std * torch.randn(images.shape, generator=generator)).clamp(-1.0, 1.0)
