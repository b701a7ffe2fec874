"""What each training step sees, drawn from generators seeded by (seed, epoch) and (seed, step).

The step number is therefore the whole RNG state: a run resumed at step s draws exactly what an
uninterrupted run draws at step s, and every process of a distributed run can draw the same
global batch and keep its own shard of it.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from ..config.constants import steps_per_epoch  # defined in config: the schema checks steps without torch


def batch_indices(step: int, n_images: int, batch_size: int, seed: int) -> torch.Tensor:
    """The images of `step`: epoch e is one permutation seeded by (seed, e), cut into batches."""
    epoch, position = divmod(step, steps_per_epoch(n_images, batch_size))
    order = torch.randperm(n_images, generator=torch.Generator().manual_seed(seed * 1_000_003 + epoch))
    return order[position * batch_size : (position + 1) * batch_size]


def step_generator(seed: int, step: int) -> torch.Generator:
    return torch.Generator().manual_seed(seed * 1_000_003 + step + 7)


def drop_labels(
    labels: torch.Tensor, null_value: torch.Tensor | int, p: float, generator: torch.Generator
) -> torch.Tensor:
    """Replace each entry by its null value with probability p."""
    mask = torch.rand(labels.shape, generator=generator) < p
    return torch.where(mask, torch.as_tensor(null_value).expand_as(labels), labels)


@dataclass
class Batch:
    """One step's global batch (on the CPU): clean images, labels after dropout, timesteps, noise."""

    x0: torch.Tensor  # (B, C, H, W)
    class_labels: torch.Tensor  # (B,)
    style_labels: torch.Tensor | None  # (B, A)
    t: torch.Tensor  # (B,) int64
    noise: torch.Tensor  # (B, C, H, W)

    def __len__(self) -> int:
        return self.t.shape[0]

    def shard(self, rank: int, world: int) -> Batch:
        """Rank's contiguous slice of the batch; the slices of all ranks make up the batch."""
        bounds = torch.linspace(0, self.x0.shape[0], world + 1).round().long().tolist()
        part = slice(bounds[rank], bounds[rank + 1])
        return Batch(
            self.x0[part],
            self.class_labels[part],
            None if self.style_labels is None else self.style_labels[part],
            self.t[part],
            self.noise[part],
        )

    def to(self, device: torch.device) -> Batch:
        return Batch(
            self.x0.to(device),
            self.class_labels.to(device),
            None if self.style_labels is None else self.style_labels.to(device),
            self.t.to(device),
            self.noise.to(device),
        )
