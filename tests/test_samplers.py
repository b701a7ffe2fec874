import pytest
import torch

from fashion_diffusion.model.guidance import guided_output
from fashion_diffusion.model.samplers import ddim_step, ddim_timesteps, sample, sampler_settings
from fashion_diffusion.model.schedule import cosine_schedule, extract, q_sample, to_x0, v_target


class Oracle(torch.nn.Module):
    """Predicts the exact noise (or velocity) that separates x_t from a known clean image target."""

    def __init__(self, schedule, target, prediction="epsilon"):
        super().__init__()
        self.schedule, self.target, self.prediction = schedule, target, prediction
        self.null_class = 3
        self.anchor = torch.nn.Parameter(torch.zeros(()))  # so next(parameters()) works

    def null_styles(self, batch, device):
        return torch.zeros(batch, 0, dtype=torch.long)

    def forward(self, x, t, class_labels, style_labels=None):
        alpha_bar = extract(self.schedule.alpha_bars, t, x.shape)
        eps = (x - alpha_bar.sqrt() * self.target) / (1 - alpha_bar).sqrt()
        return eps if self.prediction == "epsilon" else v_target(self.schedule, self.target.expand_as(x), t, eps)


def test_ddim_with_a_perfect_noise_predictor_recovers_the_image():
    schedule = cosine_schedule(100)
    target = torch.rand(2, 1, 5, 5, generator=torch.Generator().manual_seed(1)) * 1.6 - 0.8
    for steps, eta in ((10, 0.0), (100, 1.0)):
        out, _ = sample(
            Oracle(schedule, target),
            schedule,
            torch.tensor([0, 1]),
            steps=steps,
            eta=eta,
            guidance_scale=0.0,
            generator=torch.Generator().manual_seed(0),
            image_shape=(1, 5, 5),
            progress=False,
            sampler="ddim",
            prediction="epsilon",
        )
        torch.testing.assert_close(out, target, atol=1e-4, rtol=0)


def test_sampling_is_deterministic_under_a_seed(tiny_model):
    schedule = cosine_schedule(20)

    def run(seed):
        return sample(
            tiny_model,
            schedule,
            torch.tensor([0, 1, 2]),
            steps=5,
            eta=1.0,
            guidance_scale=1.0,
            generator=torch.Generator().manual_seed(seed),
            image_shape=(1, 8, 8),
            progress=False,
            sampler="ddim",
            prediction="epsilon",
        )[0]

    torch.testing.assert_close(run(7), run(7), rtol=0, atol=0)
    assert not torch.allclose(run(7), run(8))


def test_trajectory_records_every_n_steps_and_the_end(tiny_model):
    _, trajectory = sample(
        tiny_model,
        cosine_schedule(20),
        torch.tensor([0, 2]),
        steps=20,
        eta=1.0,
        guidance_scale=0.0,
        generator=torch.Generator().manual_seed(0),
        image_shape=(1, 8, 8),
        record_every=6,
        progress=False,
        sampler="ddim",
        prediction="epsilon",
    )
    assert trajectory.fractions.tolist() == pytest.approx([0.3, 0.6, 0.9, 1.0])
    assert trajectory.x0_pred.shape == (4, 2, 1, 8, 8)


def test_guidance_scale_zero_is_the_conditional_prediction(tiny_model):
    x, t, y = torch.randn(2, 1, 8, 8), torch.tensor([3, 4]), torch.tensor([0, 1])
    torch.testing.assert_close(guided_output(tiny_model, x, t, y, None, 0.0), tiny_model(x, t, y))


def test_guidance_extrapolates_away_from_the_unconditional_prediction(tiny_model):
    x, t, y = torch.randn(2, 1, 8, 8), torch.tensor([3, 4]), torch.tensor([0, 1])
    cond = tiny_model(x, t, y)
    uncond = tiny_model(x, t, torch.full_like(y, tiny_model.null_class))
    torch.testing.assert_close(
        guided_output(tiny_model, x, t, y, None, 2.0), cond + 2.0 * (cond - uncond), atol=1e-5, rtol=1e-5
    )


def test_ddim_timesteps_and_named_samplers():
    assert ddim_timesteps(1000, 4).tolist() == [999, 666, 333, 0]
    assert sampler_settings("ddpm", 50, 0.0, 1000) == (1000, 1.0)
    assert sampler_settings("ddim", 50, 0.3, 1000) == (50, 0.3)
    assert sampler_settings("dpmpp_2m", 20, 0.3, 1000) == (20, 0.0)
    with pytest.raises(ValueError, match="sampler must be one of"):
        sampler_settings("euler", 20, 0.0, 1000)
    with pytest.raises(ValueError, match="steps"):
        ddim_timesteps(10, 11)


@pytest.mark.parametrize("sampler, steps", [("dpmpp_2m", 10), ("dpmpp_2m_sde", 20), ("ddim", 10)])
@pytest.mark.parametrize("prediction", ["epsilon", "v"])
def test_every_sampler_recovers_the_image_from_a_perfect_predictor(sampler, steps, prediction):
    schedule = cosine_schedule(100)
    target = torch.rand(2, 1, 5, 5, generator=torch.Generator().manual_seed(1)) * 1.6 - 0.8
    model = Oracle(schedule, target, prediction)
    out, _ = sample(
        model,
        schedule,
        torch.tensor([0, 1]),
        steps=steps,
        eta=1.0,
        guidance_scale=0.0,
        generator=torch.Generator().manual_seed(0),
        image_shape=(1, 5, 5),
        progress=False,
        sampler=sampler,
        prediction=prediction,
    )
    torch.testing.assert_close(out, target, atol=2e-3, rtol=0)


def test_our_ddim_step_agrees_with_diffusers_ddim_scheduler():
    from diffusers import DDIMScheduler

    schedule = cosine_schedule(1000)
    generator = torch.Generator().manual_seed(0)
    x, eps, noise = (torch.randn(3, 1, 6, 6, generator=generator) for _ in range(3))
    diffusers_ddim = DDIMScheduler(
        num_train_timesteps=1000,
        trained_betas=schedule.betas.double().numpy(),
        clip_sample=True,
        clip_sample_range=1.0,
        set_alpha_to_one=True,
    )
    diffusers_ddim.set_timesteps(10)  # stride 100: step 500 -> 400
    for eta in (0.0, 1.0):
        expected = diffusers_ddim.step(
            eps, 500, x, eta=eta, use_clipped_model_output=True, variance_noise=noise
        ).prev_sample
        t = torch.full((3,), 500)
        x0_pred = to_x0(schedule, x, t, eps, "epsilon").clamp(-1, 1)
        ours = ddim_step(schedule, x, t, torch.full((3,), 400), x0_pred, eta, noise)
        torch.testing.assert_close(ours, expected, atol=1e-5, rtol=1e-5)


def test_chunked_sampling_returns_every_image(tiny_model):
    def run(size):
        return sample(
            tiny_model,
            cosine_schedule(20),
            torch.tensor([0, 1, 2, 0, 1]),
            steps=4,
            eta=0.0,
            guidance_scale=1.0,
            generator=torch.Generator().manual_seed(3),
            image_shape=(1, 8, 8),
            progress=False,
            batch_size=size,
            sampler="ddim",
            prediction="epsilon",
        )[0]

    assert run(2).shape == (5, 1, 8, 8)
    torch.testing.assert_close(run(2), run(0))  # deterministic eta 0: chunks only bound memory


def test_v_prediction_round_trip():
    schedule = cosine_schedule(50)
    generator = torch.Generator().manual_seed(0)
    x0, noise = torch.rand(4, 1, 3, 3, generator=generator) * 2 - 1, torch.randn(4, 1, 3, 3, generator=generator)
    t = torch.tensor([0, 10, 30, 49])
    x_t = q_sample(schedule, x0, t, noise)
    torch.testing.assert_close(to_x0(schedule, x_t, t, v_target(schedule, x0, t, noise), "v"), x0, atol=1e-5, rtol=0)
