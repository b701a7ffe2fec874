"""What the timestep tells the model: held-out noise-prediction error when the model is told the
true timestep, a shifted one, or a random one, on the same images, noise and true timesteps.

Told t = clip(true t + shift, 0, T - 1) for each shift, and a uniform random t. Every condition
sees identical inputs x_t, so the differences in error come from the timestep alone; the
increase over the true timestep is a paired mean over images: every condition is resampled with the
same bootstrap indices, and the increase's standard error is the standard deviation of its resampled
values. The increases of all conditions are one family (Holm).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import torch

from ..evaluation.loss_by_timestep import noise_prediction_errors
from ..model.schedule import NoiseSchedule
from ..model.unet import Denoiser
from ..results.base import HIGHER_LOWER_ERROR, Estimate
from ..results.probes import TimestepCondition, WrongTimestep
from ..stats import inference
from ..stats.bootstrap import percentile_interval, resample_indices
from ..stats.inference import Difference

TRUE = "true t"
RANDOM = "random t"
FAMILY = "timestep told"


def shifted(shift: int) -> str:
    """The name of the condition told t + shift."""
    return f"t {shift:+d}"


def told_timesteps(
    t: torch.Tensor, shifts: list[int], timesteps: int, generator: torch.Generator
) -> dict[str, torch.Tensor]:
    """Condition name -> the timesteps (N,) the model is told: the true t, each shift, a random t."""
    told = {TRUE: t}
    told |= {shifted(shift): (t + shift).clamp(0, timesteps - 1) for shift in shifts}
    told[RANDOM] = torch.randint(0, timesteps, t.shape, generator=generator)
    return told


def wrong_timestep_errors(
    model: Denoiser,
    schedule: NoiseSchedule,
    prediction: str,
    images: torch.Tensor,
    class_labels: torch.Tensor,
    shifts: list[int],
    seed: int,
    bf16: bool = False,
) -> pd.DataFrame:
    """Per image: its true t and one column of squared error per condition (see `told_timesteps`); `bf16`:
    the model under bfloat16 autocast (`noise_prediction_errors`)."""
    generator = torch.Generator().manual_seed(seed)
    t = torch.randint(0, schedule.timesteps, (images.shape[0],), generator=generator)
    noise = torch.randn(images.shape, generator=generator)
    told = told_timesteps(t, shifts, schedule.timesteps, generator)
    columns = {"t": t.numpy()}
    columns |= {
        name: noise_prediction_errors(
            model, schedule, prediction, images, class_labels, t, noise, told_t, bf16=bf16
        ).numpy()
        for name, told_t in told.items()
    }
    return pd.DataFrame(columns)


def wrong_timestep_result(errors: pd.DataFrame, shifts: list[int], resamples: int, seed: int) -> WrongTimestep:
    """Each condition's mean error (`wrong_timestep_errors`' columns) with its interval, and its increase
    over the true t, paired over images (the same resamples for every condition), as one family."""
    index = resample_indices(len(errors), resamples, seed)
    names = [c for c in errors.columns if c != "t"]
    mse, resampled = {}, {}
    for name in names:
        values = errors[name].to_numpy(np.float64)
        resampled[name] = values[index].mean(axis=1)
        low, high = percentile_interval(resampled[name])
        mse[name] = Estimate(value=float(values.mean()), low=low, high=high)
    differences = {
        name: Difference.of_resamples(mse[name].value - mse[TRUE].value, resampled[name] - resampled[TRUE])
        for name in names
        if name != TRUE
    }
    increases = inference.family(FAMILY, differences, HIGHER_LOWER_ERROR)
    shift_of = {shifted(shift): shift for shift in shifts}
    conditions = [
        TimestepCondition(
            name=name,
            shift=shift_of.get(name),
            mse=mse[name],
            times_true=mse[name].value / mse[TRUE].value,
            increase=increases.get(name),
        )
        for name in names
    ]
    return WrongTimestep(images=len(errors), family=FAMILY, conditions=conditions)


def by_true_timestep(errors: pd.DataFrame, buckets: int, timesteps: int) -> pd.DataFrame:
    """Mean error of each condition per bucket of the true t (t_low, t_high, one column per condition)."""
    edges = np.linspace(0, timesteps, buckets + 1).astype(int)
    bucket = np.clip(np.searchsorted(edges, errors["t"].to_numpy(), side="right") - 1, 0, buckets - 1)
    table = errors.drop(columns="t").groupby(bucket).mean().reindex(range(buckets))
    table.insert(0, "t_high", edges[1:])
    table.insert(0, "t_low", edges[:-1])
    return table.reset_index(drop=True)
