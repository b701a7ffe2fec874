import pytest
import torch

from fashion_diffusion.unet import UNet, UNetConfig, count_parameters, sinusoidal_embedding

LARGE = dict(block="residual", channels=[8, 16, 16], blocks_per_level=2, attention_levels=[1, 2])


@pytest.mark.parametrize("arch", [dict(), LARGE], ids=["basic", "large"])
@pytest.mark.parametrize("size", [28, 20, 9])
def test_both_architectures_keep_the_image_shape(arch, size):
    model = UNet(UNetConfig(embedding_dim=8, norm_groups=4, num_classes=10, style_levels=[3], **{"channels": [8, 16], **arch}))
    x = torch.randn(2, 1, size, size)
    out = model(x, torch.tensor([0, 999]), torch.tensor([1, 10]), torch.tensor([[0], [3]]))
    assert out.shape == x.shape


def test_large_architecture_has_attention_and_residual_blocks():
    model = UNet(UNetConfig(embedding_dim=8, norm_groups=4, **LARGE))
    names = {type(m).__name__ for m in model.modules()}
    assert {"SelfAttention", "ResBlock"} <= names and "ConvBlock" not in names
    assert count_parameters(model) > count_parameters(UNet(UNetConfig(channels=[8, 16], embedding_dim=8, norm_groups=4)))


def test_null_class_and_null_styles_exist(tiny_model, tiny_config):
    assert tiny_model.class_embedding.num_embeddings == tiny_config.num_classes + 1
    assert tiny_model.null_class == tiny_config.num_classes
    assert tiny_model.null_styles(2, torch.device("cpu")).tolist() == [[3, 2], [3, 2]]
    assert [t.num_embeddings for t in tiny_model.style_embeddings] == [4, 3]


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
