"""Stage sample: the headline sample set (sample.per_class images of every class, the default
sampler), its grid, recorded stochastic denoising trajectories, and how they were sampled (`SampleRun`:
the settings as the sampler ran them, eta only where the sampler has one)."""

import time

import numpy as np
import torch

from fashion_diffusion import stage
from fashion_diffusion.config import load_params
from fashion_diffusion.core.runtime import resolve_device
from fashion_diffusion.data.prepared import to_uint8
from fashion_diffusion.model.checkpoint import load_denoiser
from fashion_diffusion.model.samplers import ETA_SAMPLERS, Sampling, sample, sampler_settings
from fashion_diffusion.plotting import plots
from fashion_diffusion.results.base import write_result
from fashion_diffusion.results.headline import SampleRun, TrajectoryRun
from fashion_diffusion.style.bins import load_style_bins, parse_style_requests

OUTPUTS = [
    "data/samples/samples.npz",
    "data/samples/trajectory.npz",
    "data/samples/sample_metrics.json",
    "reports/figures/sample",
]


def main() -> None:
    p = load_params()
    s = p.sample
    device = resolve_device(p.sample.device, "sample.device")
    model, info = load_denoiser("models/diffusion.pt", device, use_ema=s.use_ema)
    classes, schedule = len(info.class_names), info.schedule()
    style = torch.as_tensor(parse_style_requests(s.styles, load_style_bins()), device=device)
    labels = torch.arange(classes, device=device).repeat_interleave(s.per_class)
    sampling = Sampling.of(s)
    steps, eta = sampler_settings(s.sampler, s.steps, s.eta, schedule.timesteps)
    began = time.perf_counter()
    images, _ = sample(
        model,
        schedule,
        labels,
        generator=torch.Generator().manual_seed(s.seed),
        style_labels=style.expand(len(labels), -1),
        image_shape=info.image_shape,
        prediction=info.prediction,
        **sampling.kwargs(),
    )
    seconds = time.perf_counter() - began
    traced = torch.arange(classes, device=device).repeat_interleave(s.trajectory_per_class)
    stochastic = sampling.replace(sampler="ddim", steps=s.trajectory_steps, eta=1.0)  # DDPM-like, every step shown
    run = SampleRun(
        sampler=s.sampler,
        steps=steps,
        eta=eta if s.sampler in ETA_SAMPLERS else None,
        guidance_scale=s.guidance_scale,
        use_ema=s.use_ema,
        styles=list(s.styles),
        per_class=s.per_class,
        samples=len(labels),
        device=device.type,
        seconds=seconds,
        images_per_second=len(labels) / seconds,
        trajectories=TrajectoryRun(
            sampler=stochastic.sampler,
            steps=stochastic.steps,
            eta=stochastic.eta,
            per_class=s.trajectory_per_class,
            record_every=s.trajectory_every,
        ),
    )
    _, trajectory = sample(
        model,
        schedule,
        traced,
        generator=torch.Generator().manual_seed(s.seed + 1),
        style_labels=style.expand(len(traced), -1),
        image_shape=info.image_shape,
        prediction=info.prediction,
        record_every=s.trajectory_every,
        **stochastic.kwargs(),
    )
    images, x_t, x0 = to_uint8(images), trajectory.frames("x_t"), trajectory.frames("x0_pred")
    with stage.Outputs("sample", OUTPUTS) as out:
        np.savez_compressed(
            out("data/samples/samples.npz"),
            images=images,
            labels=labels.cpu().numpy(),
            class_names=np.array(info.class_names),
        )
        np.savez_compressed(
            out("data/samples/trajectory.npz"),
            fractions=trajectory.fractions,
            x_t=x_t,
            x0_pred=x0,
            labels=traced.cpu().numpy(),
        )
        write_result(out("data/samples/sample_metrics.json"), run)
        figures = out("reports/figures/sample")
        first = np.concatenate([np.arange(c * s.per_class, c * s.per_class + s.grid_per_class) for c in range(classes)])
        plots.sample_grid(
            figures / "samples.png",
            images[first],
            info.class_names,
            f"Samples ({s.sampler}, {steps} steps, guidance {s.guidance_scale:g})",
        )
        plots.denoising(
            figures / "denoising_xt.png",
            x_t,
            trajectory.fractions,
            s.denoise_fractions,
            s.trajectory_per_class,
            info.class_names,
            f"Reverse process x_t ({s.trajectory_steps} steps, eta 1; % of denoising done)",
        )
        plots.denoising(
            figures / "denoising_x0.png",
            x0,
            trajectory.fractions,
            s.denoise_fractions,
            s.trajectory_per_class,
            info.class_names,
            "Predicted x0 along the same trajectories",
        )


if __name__ == "__main__":
    stage.run(main)
