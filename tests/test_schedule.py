import math

import pytest
import torch

from fashion_diffusion.model.schedule import cosine_schedule, extract, predict_x0, q_sample


def test_cosine_alpha_bar_matches_closed_form():
    T, s = 1000, 0.008
    schedule = cosine_schedule(T, s)

    def f(t):
        return math.cos((t / T + s) / (1 + s) * math.pi / 2) ** 2

    for i in (0, 10, 500, 900):
        assert math.isclose(schedule.alpha_bars[i].item(), f(i + 1) / f(0), rel_tol=1e-5)
    assert schedule.alpha_bars.dtype == torch.float32
    assert schedule.betas.max().item() == pytest.approx(0.999)  # clipped at the last step
    assert torch.all(schedule.alpha_bars[1:] < schedule.alpha_bars[:-1])
    assert schedule.alpha_bars[-1].item() < 1e-4


def test_extract_broadcasts_per_example():
    a = torch.arange(10, dtype=torch.float32)
    out = extract(a, torch.tensor([3, 7]), torch.Size([2, 1, 5, 5]))
    assert out.shape == (2, 1, 1, 1)
    assert out.flatten().tolist() == [3.0, 7.0]


def test_predict_x0_inverts_q_sample():
    schedule = cosine_schedule(100)
    generator = torch.Generator().manual_seed(0)
    x0 = torch.rand(4, 1, 6, 6, generator=generator) * 2 - 1
    noise = torch.randn(4, 1, 6, 6, generator=generator)
    t = torch.tensor([0, 10, 50, 90])
    x_t = q_sample(schedule, x0, t, noise)
    torch.testing.assert_close(predict_x0(schedule, x_t, t, noise), x0, atol=1e-4, rtol=1e-4)
