"""What the main training run reports (`results.training.TrainingResult`): its loss at the start and the
end of the log, its speed, the loss as configured, and the forward process it trained on."""

from __future__ import annotations

import numpy as np
import torch

from ..config import Params
from ..config.constants import steps_per_epoch
from ..model.schedule import NoiseSchedule
from ..results.training import ForwardProcess, LossDefinition, TrainingResult
from .loop import TrainResult

FIRST_SHARE = 0.05  # "first loss": the mean of this share of the logged steps, from the start
FINAL_SHARE = 0.1  # "final loss": ... from the end (`TrainResult.summary`)


def first_loss(losses: list[float], share: float = FIRST_SHARE) -> float:
    """The mean of the first `share` of the logged losses (at least one)."""
    return float(np.mean(losses[: max(1, int(len(losses) * share))]))


def forward_process(schedule: NoiseSchedule, cosine_s: float) -> ForwardProcess:
    """Where the signal weight alpha_bar_t of `schedule` falls below a half and a tenth, and its last value."""
    alpha_bars = schedule.alpha_bars.double().numpy()
    return ForwardProcess(
        timesteps=schedule.timesteps,
        cosine_s=cosine_s,
        half_signal_t=int(np.argmax(alpha_bars < 0.5)),
        tenth_signal_t=int(np.argmax(alpha_bars < 0.1)),
        last_alpha_bar=float(alpha_bars[-1]),
    )


def training_result(
    p: Params, result: TrainResult, schedule: NoiseSchedule, train_images: int, device: torch.device, processes: int
) -> TrainingResult:
    """The run `result` of the config `p` on `train_images` images, trained on `device` by `processes`."""
    summary, t = result.summary(p.train.batch_size, device, processes), p.train
    return TrainingResult(
        arch=p.model.arch,
        parameters=summary["parameters"],
        steps=result.steps,
        batch_size=t.batch_size,
        epochs=result.steps / steps_per_epoch(train_images, t.batch_size),
        capped=0 < t.max_steps < t.epochs * steps_per_epoch(train_images, t.batch_size),
        processes=processes,
        device=device.type,
        train_seconds=summary["train_seconds"],
        images_per_second=summary["images_per_second"],
        loss=LossDefinition(
            prediction=p.diffusion.prediction,
            weighting=t.loss_weighting,
            min_snr_gamma=t.min_snr_gamma if t.loss_weighting == "min_snr" else None,
        ),
        first_loss=first_loss(result.losses["loss"]),
        final_loss=summary["final_loss"],
        final_mse=summary["final_mse"],
        first_share=FIRST_SHARE,
        final_share=FINAL_SHARE,
        forward=forward_process(schedule, p.diffusion.cosine_s),
    )
