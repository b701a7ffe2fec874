import json

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


# A tiny open_clip architecture (32x32 input, so the 28x28 images are resized) registered by name.
TINY_OPEN_CLIP_ARCH = {
    "embed_dim": 16,
    "vision_cfg": {"image_size": 32, "layers": 1, "width": 32, "head_width": 16, "patch_size": 8, "mlp_ratio": 2.0},
    "text_cfg": {"context_length": 16, "vocab_size": 49408, "width": 32, "heads": 2, "layers": 1, "mlp_ratio": 2.0},
}


@pytest.fixture(scope="session")
def tiny_arch(tmp_path_factory) -> str:
    """The name of TINY_OPEN_CLIP_ARCH, registered with open_clip in this process."""
    import open_clip

    folder = tmp_path_factory.mktemp("arch")
    (folder / "fd-tiny-test.json").write_text(json.dumps(TINY_OPEN_CLIP_ARCH))
    open_clip.add_model_config(folder / "fd-tiny-test.json")
    return "fd-tiny-test"
