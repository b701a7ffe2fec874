import pytest
import torch

from fashion_diffusion.model.unet import DenoiserConfig, UNet


def denoiser_config(**changes) -> DenoiserConfig:
    """A 4-8 channel U-Net config with two style attributes: fast enough for every unit test."""
    fields = dict(kind="unet", block="conv", channels=[4, 8], blocks_per_level=1, attention_levels=[],
                  skip_connections=True, time_embedding=True, embedding_dim=8, norm_groups=2, num_classes=3,
                  style_levels=[3, 2])
    return DenoiserConfig(**{**fields, **changes})


@pytest.fixture
def tiny_config() -> DenoiserConfig:
    return denoiser_config()


@pytest.fixture
def tiny_model(tiny_config) -> UNet:
    torch.manual_seed(0)
    return UNet(tiny_config).eval()
