import pytest
import torch

from fashion_diffusion.model.blocks import sinusoidal_embedding
from fashion_diffusion.model.unet import PlainCNN, UNet, build_denoiser, count_parameters

from .conftest import denoiser_config

LARGE = dict(block="residual", channels=[8, 16, 16], blocks_per_level=2, attention_levels=[1, 2])
VARIANTS = {
    "basic": dict(),
    "large": LARGE,
    "no_skip": dict(skip_connections=False),
    "no_time": dict(time_embedding=False),
    "plain_cnn": dict(kind="plain_cnn", channels=[8, 16, 16]),
}


@pytest.mark.parametrize("variant", VARIANTS.values(), ids=VARIANTS.keys())
@pytest.mark.parametrize("size", [28, 20, 9])
def test_every_denoiser_keeps_the_image_shape(variant, size):
    model = build_denoiser(
        denoiser_config(**{"channels": [8, 16], "norm_groups": 4, "num_classes": 10, "style_levels": [3], **variant})
    )
    x = torch.randn(2, 1, size, size)
    out = model(x, torch.tensor([0, 999]), torch.tensor([1, 10]), torch.tensor([[0], [3]]))
    assert out.shape == x.shape


def test_large_architecture_has_attention_and_residual_blocks():
    model = UNet(denoiser_config(norm_groups=4, **LARGE))
    names = {type(m).__name__ for m in model.modules()}
    assert {"SelfAttention", "ResBlock"} <= names and "ConvBlock" not in names
    assert count_parameters(model) > count_parameters(UNet(denoiser_config(channels=[8, 16], norm_groups=4)))


def test_without_skip_connections_the_up_path_sees_no_down_path_features():
    with_skips = UNet(denoiser_config())
    without = UNet(denoiser_config(skip_connections=False))
    assert with_skips.up[0].blocks[0].conv1.in_channels == 8 + 8
    assert without.up[0].blocks[0].conv1.in_channels == 8
    assert count_parameters(without) < count_parameters(with_skips)


def test_without_time_embedding_the_timestep_changes_nothing():
    torch.manual_seed(0)
    model = UNet(denoiser_config(time_embedding=False)).eval()
    x, y = torch.randn(1, 1, 8, 8), torch.tensor([0])
    torch.testing.assert_close(model(x, torch.tensor([1]), y), model(x, torch.tensor([40]), y))
    assert model.conditioning.time_mlp is None


def test_plain_cnn_has_no_downsampling():
    model = PlainCNN(denoiser_config(kind="plain_cnn", channels=[8, 8, 8]))
    assert not any(isinstance(m, torch.nn.Conv2d) and m.stride != (1, 1) for m in model.modules())


def test_null_class_and_null_styles_exist(tiny_model, tiny_config):
    assert tiny_model.conditioning.class_embedding.num_embeddings == tiny_config.num_classes + 1
    assert tiny_model.null_class == tiny_config.num_classes
    assert tiny_model.null_styles(2, torch.device("cpu")).tolist() == [[3, 2], [3, 2]]
    assert [t.num_embeddings for t in tiny_model.conditioning.style_embeddings] == [4, 3]


def test_no_style_means_null_style(tiny_model):
    x, t, y = torch.randn(2, 1, 8, 8), torch.tensor([5, 6]), torch.tensor([0, 1])
    torch.testing.assert_close(tiny_model(x, t, y), tiny_model(x, t, y, tiny_model.null_styles(2, x.device)))


def test_conditioning_changes_the_prediction(tiny_model):
    x, t = torch.randn(1, 1, 8, 8), torch.tensor([10])
    assert not torch.allclose(tiny_model(x, t, torch.tensor([0])), tiny_model(x, t, torch.tensor([1])))


def test_sinusoidal_embedding_shape_and_distinct_rows():
    emb = sinusoidal_embedding(torch.tensor([0, 1, 999]), 16)
    assert emb.shape == (3, 16)
    assert not torch.allclose(emb[0], emb[1])
