import pytest
import torch

from fashion_diffusion.unet import UNet, UNetConfig


@pytest.fixture
def tiny_config() -> UNetConfig:
    """4-8 channel U-Net with two style attributes: fast enough for every unit test."""
    return UNetConfig(channels=[4, 8], embedding_dim=8, norm_groups=2, num_classes=3, style_levels=[3, 2])


@pytest.fixture
def tiny_model(tiny_config) -> UNet:
    torch.manual_seed(0)
    return UNet(tiny_config).eval()
