"""The main training run: its length, speed and loss, the loss as it was configured, and the facts of
the forward process it trained on."""

from __future__ import annotations

from typing import Literal

from .base import Result


class LossDefinition(Result):
    """What the training loss is: the mean squared error between the model's output and its target (the
    noise epsilon, or the velocity v), each example weighted by its timestep (none, or min-SNR-gamma)."""

    prediction: Literal["epsilon", "v"]
    weighting: Literal["none", "min_snr"]
    min_snr_gamma: float | None  # None unless weighting is min_snr


class ForwardProcess(Result):
    """The cosine schedule the model was trained on, by its signal weight alpha_bar_t."""

    timesteps: int  # T: t runs over [0, T)
    cosine_s: float
    half_signal_t: int  # the first t with alpha_bar_t < 0.5
    tenth_signal_t: int  # the first t with alpha_bar_t < 0.1
    last_alpha_bar: float  # alpha_bar at t = T - 1


class TrainingResult(Result):
    """The trained denoiser's run. Losses are means over logged steps: `first_loss` over the first
    `first_share` of them, `final_loss` (and `final_mse`, the unweighted error on the target) over the last
    `final_share`."""

    arch: str
    parameters: int
    steps: int
    batch_size: int  # the global batch, all processes together
    epochs: float  # passes over the training images that the steps made
    capped: bool  # train.max_steps ended the run before train.epochs
    processes: int
    device: str
    train_seconds: float
    images_per_second: float
    loss: LossDefinition
    first_loss: float
    final_loss: float
    final_mse: float
    first_share: float
    final_share: float
    forward: ForwardProcess

    def headline(self) -> dict[str, float]:
        """The numbers `dvc metrics show` prints for the training (reports/headline/training.json)."""
        return {
            "final_loss": self.final_loss,
            "train_seconds": self.train_seconds,
            "images_per_second": self.images_per_second,
        }
