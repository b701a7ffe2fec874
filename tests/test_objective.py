import pytest
import torch

from fashion_diffusion.model.schedule import cosine_schedule, extract, q_sample, to_eps
from fashion_diffusion.model.unet import UNet, zero_init_outputs
from fashion_diffusion.training import objective
from fashion_diffusion.training.lr import lr_scheduler

from .conftest import denoiser_config
from .support.tiny import tiny_params


def test_min_snr_weights_match_their_formulas():
    schedule = cosine_schedule(1000)
    t = torch.tensor([10, 500, 990])
    alpha_bar = extract(schedule.alpha_bars, t, t.shape).double()
    snr = alpha_bar / (1 - alpha_bar)
    eps_w = objective.weights(schedule, t, "epsilon", "min_snr", 5.0)
    v_w = objective.weights(schedule, t, "v", "min_snr", 5.0)
    torch.testing.assert_close(eps_w.double(), snr.clamp(max=5) / snr, rtol=1e-6, atol=0)
    torch.testing.assert_close(v_w.double(), snr.clamp(max=5) / (snr + 1), rtol=1e-6, atol=0)
    assert eps_w[0] < 1 and eps_w[-1] == pytest.approx(1.0)  # low noise (high SNR) is down-weighted
    assert objective.weights(schedule, t, "epsilon", "none", 5.0).tolist() == [1.0, 1.0, 1.0]


def test_v_target_implies_the_true_noise():
    schedule = cosine_schedule(100)
    generator = torch.Generator().manual_seed(0)
    x0, noise = torch.rand(3, 1, 4, 4, generator=generator) * 2 - 1, torch.randn(3, 1, 4, 4, generator=generator)
    t = torch.tensor([5, 50, 95])
    v = objective.target(schedule, x0, t, noise, "v")
    torch.testing.assert_close(to_eps(schedule, q_sample(schedule, x0, t, noise), t, v, "v"), noise, atol=1e-5, rtol=0)
    assert objective.target(schedule, x0, t, noise, "epsilon") is noise


def test_zero_init_makes_residual_denoisers_start_at_zero():
    model = UNet(denoiser_config(block="residual"))
    zero_init_outputs(model)
    out = model(torch.randn(2, 1, 8, 8), torch.tensor([3, 7]), torch.tensor([0, 1]))
    assert out.abs().max() == 0
    assert any(p.abs().sum() > 0 for p in model.parameters())  # only the chosen convs are zero


def test_onecycle_peaks_at_the_learning_rate_after_warm_up():
    cfg = tiny_params(train__lr_schedule="onecycle", train__lr=0.01, train__warmup_steps=10).train
    optimizer = torch.optim.AdamW([torch.nn.Parameter(torch.zeros(1))], lr=cfg.lr)
    scheduler = lr_scheduler(optimizer, cfg, 100)
    rates = []
    for _ in range(100):
        rates.append(scheduler.get_last_lr()[0])
        optimizer.step()
        scheduler.step()
    assert max(rates) == pytest.approx(0.01, rel=1e-3) and rates.index(max(rates)) == 9  # the 10th step
    assert rates[0] < 0.01 / 10 and rates[-1] < 0.01 / 100
