"""Reverse-process samplers: our DDIM/DDPM step, and diffusers' DPM-Solver++ for few-step sampling.

Named samplers (`SAMPLERS`):
    ddim          DDIM (Song et al. 2021, eq. 12) with `steps` steps and noise level `eta`
    ddpm          the same formula with all T steps and eta 1: the DDPM posterior (Ho et al. eqs. 6-7)
    dpmpp_2m      DPM-Solver++(2M) (Lu et al. 2022, arXiv 2211.01095), diffusers' DPMSolverMultistepScheduler
    dpmpp_2m_sde  its stochastic variant (algorithm "sde-dpmsolver++")

Our DDIM step, per step from t to the previous kept step t' (diffusers' DDIMScheduler agrees, see the test):
    1. out       = guided model output (eps or v, see `schedule.to_x0`), with classifier-free guidance
    2. x0_pred   = to_x0(x_t, out) clipped to [-1, 1];  eps_pred = (x_t - sqrt(alpha_bar_t) x0_pred) / sqrt(1 - alpha_bar_t)
    3. sigma     = eta sqrt((1 - alpha_bar_prev) / (1 - alpha_bar_t)) sqrt(1 - alpha_bar_t / alpha_bar_prev)
    4. x_prev    = sqrt(alpha_bar_prev) x0_pred + sqrt(1 - alpha_bar_prev - sigma^2) eps_pred + sigma z
DPM-Solver++ runs with the exact betas of our schedule and x0 clipped to [-1, 1] (its thresholding with
sample_max_value 1). All noise comes from the caller's CPU generator, so results match across devices.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace

import numpy as np
import torch
from tqdm.auto import tqdm

from ..config.sampler_names import SAMPLERS
from ..data.prepared import to_uint8
from .guidance import guided_output
from .schedule import NoiseSchedule, extract, to_x0
from .unet import Denoiser


@dataclass
class Trajectory:
    fractions: np.ndarray  # (S,) fraction of the denoising process completed at each record
    x_t: torch.Tensor  # (S, N, C, H, W)
    x0_pred: torch.Tensor  # (S, N, C, H, W)

    def frames(self, name: str) -> np.ndarray:
        """ "x_t" or "x0_pred" as uint8 images (S, N, H, W)."""
        return np.stack([to_uint8(frame) for frame in getattr(self, name)])


def ddim_timesteps(total: int, steps: int) -> torch.Tensor:
    """`steps` int64 timesteps evenly spaced over [0, total), descending, ending at 0."""
    if not 1 <= steps <= total:
        raise ValueError(f"sampler steps must be in [1, {total}], got {steps}")
    return torch.linspace(total - 1, 0, steps).round().long()


@dataclass(frozen=True)
class Sampling:
    """A named sampler with its settings: `sample(..., **sampling.kwargs())`."""

    sampler: str
    steps: int
    eta: float
    guidance_scale: float
    bf16: bool
    batch_size: int  # images per model call; 0 = all at once

    @classmethod
    def of(cls, settings) -> Sampling:
        """From an object with these attributes (params.yaml's `sample` section)."""
        return cls(
            settings.sampler, settings.steps, settings.eta, settings.guidance_scale, settings.bf16, settings.batch_size
        )

    def kwargs(self) -> dict:
        return asdict(self)

    def replace(self, **changes) -> Sampling:
        return replace(self, **changes)


DPM_ALGORITHMS = {"dpmpp_2m": "dpmsolver++", "dpmpp_2m_sde": "sde-dpmsolver++"}


ETA_SAMPLERS = ("ddim", "ddpm")  # the DPM-Solvers have no eta: their noise is fixed by the algorithm


def sampler_settings(sampler: str, steps: int, eta: float, timesteps: int) -> tuple[int, float]:
    """(steps, eta) that a named sampler runs with: ddpm uses all T steps with eta 1; the DPM-Solvers
    have no eta (their noise is fixed by the algorithm)."""
    if sampler not in SAMPLERS:
        raise ValueError(f"sampler must be one of {', '.join(SAMPLERS)}, got {sampler!r}")
    if sampler == "ddpm":
        return timesteps, 1.0
    return steps, eta if sampler == "ddim" else 0.0


@torch.no_grad()
def sample(
    model: Denoiser,
    schedule: NoiseSchedule,
    class_labels: torch.Tensor,
    *,
    steps: int,
    eta: float,
    guidance_scale: float,
    generator: torch.Generator,
    sampler: str,
    prediction: str,
    image_shape: tuple[int, int, int],
    style_labels: torch.Tensor | None = None,
    record_every: int = 0,
    progress: bool = True,
    bf16: bool = False,
    batch_size: int = 0,
) -> tuple[torch.Tensor, Trajectory | None]:
    """Generate one image per entry of class_labels (N,) with a named sampler (see `SAMPLERS`;
    `steps`/`eta` as returned by `sampler_settings`).

    prediction: what the model outputs, "epsilon" or "v". bf16: run the model under bfloat16 autocast.
    batch_size > 0 generates in chunks of that many images (same result, bounded memory).
    Returns x0 (N, C, H, W) in [-1, 1] and, when record_every > 0, the trajectory recorded every
    `record_every` steps and at the last step.
    """
    steps, eta = sampler_settings(sampler, steps, eta, schedule.timesteps)
    n = class_labels.shape[0]
    noise = torch.randn((n, *image_shape), generator=generator)
    chunk = batch_size or n
    results = []
    for start in range(0, n, chunk):
        part = slice(start, start + chunk)
        styles = None if style_labels is None else style_labels[part]
        predict = _predictor(model, class_labels[part], styles, guidance_scale, bf16)
        run = _ddim_loop if sampler in ("ddim", "ddpm") else _dpm_loop
        results.append(
            run(
                predict,
                schedule.to(class_labels.device),
                noise[part].to(class_labels.device),
                steps,
                eta,
                generator,
                prediction,
                record_every,
                progress and start == 0,
                DPM_ALGORITHMS.get(sampler),
            )
        )
    images = torch.cat([r[0] for r in results])
    records = [r[1] for r in results]
    trajectory = None
    if record_every:
        trajectory = Trajectory(
            records[0][0], torch.cat([r[1] for r in records], dim=1), torch.cat([r[2] for r in records], dim=1)
        )
    return images.clamp(-1, 1), trajectory


def _predictor(
    model: Denoiser, class_labels: torch.Tensor, style_labels: torch.Tensor | None, guidance_scale: float, bf16: bool
):
    device = class_labels.device

    def predict(x: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        with torch.autocast(device.type, dtype=torch.bfloat16, enabled=bf16):
            return guided_output(model, x, t, class_labels, style_labels, guidance_scale).float()

    return predict


def _ddim_loop(
    predict,
    schedule: NoiseSchedule,
    x: torch.Tensor,
    steps: int,
    eta: float,
    generator: torch.Generator,
    prediction: str,
    record_every: int,
    progress: bool,
    _algorithm,
) -> tuple[torch.Tensor, tuple | None]:
    n, device = x.shape[0], x.device
    timesteps = ddim_timesteps(schedule.timesteps, steps).to(device)
    records = _Records(record_every, steps)
    for i in tqdm(range(steps), desc=f"sampling ({steps} steps)", disable=not progress, leave=False):
        t = timesteps[i].expand(n)
        t_prev = timesteps[i + 1].expand(n) if i + 1 < steps else None
        x0_pred = to_x0(schedule, x, t, predict(x, t), prediction).clamp(-1, 1)
        x = ddim_step(schedule, x, t, t_prev, x0_pred, eta, torch.randn(x.shape, generator=generator).to(device))
        records.add(i, x, x0_pred)
    return x, records.stacked()


def ddim_step(
    schedule: NoiseSchedule,
    x: torch.Tensor,
    t: torch.Tensor,
    t_prev: torch.Tensor | None,
    x0_pred: torch.Tensor,
    eta: float,
    noise: torch.Tensor,
) -> torch.Tensor:
    """Steps 2-4 of the recipe above: x_t -> x_{t'} given the (clipped) x0 prediction; t_prev None = the end."""
    alpha_bar_t = extract(schedule.alpha_bars, t, x.shape)
    alpha_bar_prev = (
        extract(schedule.alpha_bars, t_prev, x.shape) if t_prev is not None else torch.ones_like(alpha_bar_t)
    )
    eps_pred = (x - alpha_bar_t.sqrt() * x0_pred) / (1 - alpha_bar_t).sqrt()
    sigma = eta * ((1 - alpha_bar_prev) / (1 - alpha_bar_t) * (1 - alpha_bar_t / alpha_bar_prev)).sqrt()
    return (
        alpha_bar_prev.sqrt() * x0_pred + (1 - alpha_bar_prev - sigma**2).clamp(min=0).sqrt() * eps_pred + sigma * noise
    )


def _dpm_loop(
    predict,
    schedule: NoiseSchedule,
    x: torch.Tensor,
    steps: int,
    _eta,
    generator: torch.Generator,
    prediction: str,
    record_every: int,
    progress: bool,
    algorithm: str,
) -> tuple[torch.Tensor, tuple | None]:
    from diffusers import DPMSolverMultistepScheduler

    scheduler = DPMSolverMultistepScheduler(
        num_train_timesteps=schedule.timesteps,
        trained_betas=schedule.betas.double().cpu().numpy(),
        prediction_type={"epsilon": "epsilon", "v": "v_prediction"}[prediction],
        algorithm_type=algorithm,
        solver_order=2,
        thresholding=True,
        sample_max_value=1.0,
        lower_order_final=True,
    )
    scheduler.set_timesteps(steps, device=x.device)
    n = x.shape[0]
    records = _Records(record_every, steps)
    for i, timestep in enumerate(
        tqdm(scheduler.timesteps, desc=f"sampling ({steps} steps)", disable=not progress, leave=False)
    ):
        t = timestep.expand(n).to(x.device)
        out = predict(x, t)
        noise = torch.randn(x.shape, generator=generator).to(x.device)
        x0_pred = to_x0(schedule, x, t, out, prediction).clamp(-1, 1)
        x = scheduler.step(out, timestep, x, variance_noise=noise).prev_sample
        records.add(i, x, x0_pred)
    return x, records.stacked()


class _Records:
    """x_t and x0_pred every `every` steps and at the last step, on the CPU."""

    def __init__(self, every: int, steps: int):
        self.every, self.steps, self.rows = every, steps, []

    def add(self, i: int, x: torch.Tensor, x0_pred: torch.Tensor) -> None:
        if self.every and ((i + 1) % self.every == 0 or i + 1 == self.steps):
            self.rows.append(((i + 1) / self.steps, x.cpu(), x0_pred.cpu()))

    def stacked(self) -> tuple | None:
        if not self.rows:
            return None
        fractions, xs, x0s = zip(*self.rows)
        return np.array(fractions), torch.stack(xs), torch.stack(x0s)
