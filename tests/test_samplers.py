import pytest
import torch

from fashion_diffusion.model.guidance import guided_eps
from fashion_diffusion.model.samplers import ddim_timesteps, sample, sampler_settings
from fashion_diffusion.model.schedule import cosine_schedule, extract


class Oracle(torch.nn.Module):
    """Predicts the exact noise that separates x_t from a known clean image target."""

    def __init__(self, schedule, target):
        super().__init__()
        self.schedule, self.target = schedule, target
        self.null_class = 3
        self.anchor = torch.nn.Parameter(torch.zeros(()))  # so next(parameters()) works

    def null_styles(self, batch, device):
        return torch.zeros(batch, 0, dtype=torch.long)

    def forward(self, x, t, class_labels, style_labels=None):
        alpha_bar = extract(self.schedule.alpha_bars, t, x.shape)
        return (x - alpha_bar.sqrt() * self.target) / (1 - alpha_bar).sqrt()


def test_ddim_with_a_perfect_noise_predictor_recovers_the_image():
    schedule = cosine_schedule(100)
    target = torch.rand(2, 1, 5, 5, generator=torch.Generator().manual_seed(1)) * 1.6 - 0.8
    for steps, eta in ((10, 0.0), (100, 1.0)):
        out, _ = sample(Oracle(schedule, target), schedule, torch.tensor([0, 1]), steps=steps, eta=eta,
                        guidance_scale=0.0, generator=torch.Generator().manual_seed(0), image_shape=(1, 5, 5),
                        progress=False)
        torch.testing.assert_close(out, target, atol=1e-4, rtol=0)


def test_sampling_is_deterministic_under_a_seed(tiny_model):
    schedule = cosine_schedule(20)
    run = lambda seed: sample(tiny_model, schedule, torch.tensor([0, 1, 2]), steps=5, eta=1.0, guidance_scale=1.0,  # noqa: E731
                              generator=torch.Generator().manual_seed(seed), image_shape=(1, 8, 8), progress=False)[0]
    torch.testing.assert_close(run(7), run(7), rtol=0, atol=0)
    assert not torch.allclose(run(7), run(8))


def test_trajectory_records_every_n_steps_and_the_end(tiny_model):
    _, trajectory = sample(tiny_model, cosine_schedule(20), torch.tensor([0, 2]), steps=20, eta=1.0, guidance_scale=0.0,
                           generator=torch.Generator().manual_seed(0), image_shape=(1, 8, 8), record_every=6,
                           progress=False)
    assert trajectory.fractions.tolist() == pytest.approx([0.3, 0.6, 0.9, 1.0])
    assert trajectory.x0_pred.shape == (4, 2, 1, 8, 8)


def test_guidance_scale_zero_is_the_conditional_prediction(tiny_model):
    x, t, y = torch.randn(2, 1, 8, 8), torch.tensor([3, 4]), torch.tensor([0, 1])
    torch.testing.assert_close(guided_eps(tiny_model, x, t, y, None, 0.0), tiny_model(x, t, y))


def test_guidance_extrapolates_away_from_the_unconditional_prediction(tiny_model):
    x, t, y = torch.randn(2, 1, 8, 8), torch.tensor([3, 4]), torch.tensor([0, 1])
    cond = tiny_model(x, t, y)
    uncond = tiny_model(x, t, torch.full_like(y, tiny_model.null_class))
    torch.testing.assert_close(guided_eps(tiny_model, x, t, y, None, 2.0), cond + 2.0 * (cond - uncond), atol=1e-5, rtol=1e-5)


def test_ddim_timesteps_and_named_samplers():
    assert ddim_timesteps(1000, 4).tolist() == [999, 666, 333, 0]
    assert sampler_settings("ddpm", 50, 0.0, 1000) == (1000, 1.0)
    assert sampler_settings("ddim", 50, 0.3, 1000) == (50, 0.3)
    with pytest.raises(ValueError, match="steps"):
        ddim_timesteps(10, 11)
