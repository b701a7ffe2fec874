"""The training loop: the denoising loss (`objective`: eps or v target, optional min-SNR weighting)
with EMA, label dropout for classifier-free guidance, an optional CLIP alignment term, checkpoints
and exact resume.

Reproducibility: every random draw of step s comes from `batches` (generators seeded by the step),
so a run killed after a checkpoint and resumed reaches the same weights as an uninterrupted one.

Data parallel (`distributed`): every process draws the same global batch of step s and trains on
its own shard of it; each loss term is scaled by the share of the batch it averages over, so the
gradient averaged by DistributedDataParallel is the gradient of the whole batch's loss, as in a
single process. Rank 0 alone writes checkpoints and snapshots.
"""
from __future__ import annotations

import copy
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np
import torch
from tqdm.auto import tqdm

from ..artifacts import rebuilding, save_atomic
from ..config import TrainParams
from ..model.schedule import NoiseSchedule, q_sample, to_x0
from ..model.unet import Denoiser, DenoiserConfig, build_denoiser, zero_init_outputs
from . import batches, distributed, objective, resume
from .clip_alignment import AlignmentLoss, alignment_weights, clip_alignment_term
from .ema import ema_decay_at, ema_update
from .lr import lr_scheduler

LOSS_COLUMNS = ["step", "loss", "mse", "clip_loss", "lr"]


@dataclass
class TrainData:
    images: torch.Tensor  # (N, C, H, W) float in [-1, 1], on the CPU
    class_labels: torch.Tensor  # (N,) int64
    style_labels: torch.Tensor | None  # (N, A) int64
    identity: str  # digest of the data (see data.prepared.Dataset.identity)


@dataclass
class TrainResult:
    model: Denoiser
    ema_model: Denoiser
    losses: dict[str, list]  # LOSS_COLUMNS -> values, one per logged step
    seconds: float
    steps: int
    resumed_from: int
    snapshot_dir: Path  # EMA snapshots `step_XXXXXXX.pt`, kept beside the checkpoint across a resume

    def summary(self, batch_size: int, device: torch.device, processes: int = 1) -> dict:
        """The run's headline numbers: loss over the last 10% of logged steps, time, throughput
        (images of the global batch per second, all `processes` together)."""
        tail = max(1, len(self.losses["loss"]) // 10)
        return {"final_loss": float(np.mean(self.losses["loss"][-tail:])),
                "final_mse": float(np.mean(self.losses["mse"][-tail:])),
                "train_seconds": round(self.seconds, 1), "steps": self.steps,
                "images_per_second": round(self.steps * batch_size / max(self.seconds, 1e-9), 1),
                "parameters": sum(p.numel() for p in self.model.parameters()), "device": device.type,
                "processes": processes}


def train_data(images: torch.Tensor, class_labels, style_labels, identity: str) -> TrainData:
    return TrainData(images, torch.as_tensor(class_labels),
                     None if style_labels is None else torch.as_tensor(style_labels), identity)


def snapshot_steps(total: int, count: int) -> list[int]:
    """`count` steps spread evenly over the run, the last one at `total`."""
    return sorted({max(1, round(total * (i + 1) / count)) for i in range(count)}) if count > 0 else []


def global_batch(data: TrainData, step: int, cfg: TrainParams, null_class: int, null_styles: torch.Tensor,
                 timesteps: int) -> batches.Batch:
    """Everything step `step` draws, for the whole batch (see `batches`)."""
    generator = batches.step_generator(cfg.seed, step)
    idx = batches.batch_indices(step, data.images.shape[0], cfg.batch_size, cfg.seed)
    x0 = data.images[idx]
    y = batches.drop_labels(data.class_labels[idx], null_class, cfg.p_uncond, generator)
    s = (batches.drop_labels(data.style_labels[idx], null_styles, cfg.p_style_drop, generator)
         if data.style_labels is not None else None)
    t = torch.randint(0, timesteps, (x0.shape[0],), generator=generator)
    noise = torch.randn(x0.shape, generator=generator)
    return batches.Batch(x0, y, s, t, noise)


def shard_alignment_share(schedule: NoiseSchedule, batch: batches.Batch, shard: batches.Batch,
                          null_class: int) -> torch.Tensor:
    """The fraction of the global batch's alignment weight (`alignment_weights`) that `shard` holds:
    the alignment term is a weighted mean, so a shard's term counts in proportion to its weight."""
    whole = alignment_weights(schedule, batch.t.to(shard.t.device), batch.class_labels.to(shard.t.device), null_class)
    return alignment_weights(schedule, shard.t, shard.class_labels, null_class).sum() / whole.sum().clamp(min=1e-30)


def train(config: DenoiserConfig, schedule: NoiseSchedule, diffusion: dict, data: TrainData, cfg: TrainParams,
          device: torch.device, checkpoint_path: Path, alignment_loss: AlignmentLoss | None = None,
          alignment_weight: float = 0.0, progress: bool = True,
          on_log: Callable[[dict], None] | None = None,
          process: distributed.Process = distributed.SINGLE) -> TrainResult:
    """Train a denoiser; checkpoint every `cfg.checkpoint_every` steps and resume from a checkpoint
    of the same run (`resume.fingerprint`). EMA snapshots go beside the checkpoint, in `snapshots/`.
    `alignment_loss` with `alignment_weight` > 0 adds the CLIP alignment term (`clip_alignment`).
    `on_log` receives each logged row (a dict of LOSS_COLUMNS) as it is written.
    `process`: this process's place in a data-parallel run that has joined its process group on
    `device` (`distributed.join`); only the main process writes files, logs and calls `on_log`."""
    if cfg.batch_size < process.world:
        raise distributed.DistributedError(f"train.batch_size: {cfg.batch_size} images cannot be shared by "
                                           f"{process.world} processes (each needs at least one)")
    torch.manual_seed(cfg.seed)  # parameter init only; data randomness uses explicit generators
    model = build_denoiser(config)
    if cfg.zero_init:
        zero_init_outputs(model)
    model = model.to(device)
    ema_model = copy.deepcopy(model).requires_grad_(False)
    optimizer = torch.optim.AdamW(model.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay, eps=cfg.adam_eps)
    n_images = data.images.shape[0]
    steps = batches.total_steps(cfg.epochs, cfg.max_steps, n_images, cfg.batch_size)
    scheduler = lr_scheduler(optimizer, cfg, steps)
    run_id = resume.fingerprint(config.to_dict(), diffusion, {**cfg.model_dump(), "alignment_weight": alignment_weight},
                                data.identity)
    start, losses, elapsed = 0, {column: [] for column in LOSS_COLUMNS}, 0.0
    state = resume.load_state(checkpoint_path, run_id, device)
    distributed.require_agreement(0 if state is None else state["step"], "the step to resume from", process, device)
    snapshot_dir = checkpoint_path.parent / "snapshots"
    if process.is_main:
        if state is None:
            shutil.rmtree(snapshot_dir, ignore_errors=True)  # another run's
        snapshot_dir.mkdir(parents=True, exist_ok=True)
    if state is not None:
        with rebuilding(checkpoint_path):
            model.load_state_dict(state["model"])
            ema_model.load_state_dict(state["ema"])
            optimizer.load_state_dict(state["optimizer"])
            scheduler.load_state_dict(state["scheduler"])
        start, losses, elapsed = state["step"], state["losses"], state["seconds"]
        if process.is_main:
            print(f"resuming from {checkpoint_path} at step {start}/{steps}")
    schedule = schedule.to(device)
    snapshots = snapshot_steps(steps, cfg.snapshots)
    null_styles = torch.tensor(config.style_levels, dtype=torch.long)
    use_bf16 = cfg.bf16 and device.type in ("cpu", "cuda")
    prediction = diffusion["prediction"]

    model.train()
    parallel_model = distributed.data_parallel(model, process, device)
    began = time.perf_counter() - elapsed
    window: list[tuple[float, float, float]] = []
    bar = tqdm(range(start, steps), initial=start, total=steps, desc="train",
               disable=not (progress and process.is_main))
    for step in bar:
        whole_batch = global_batch(data, step, cfg, config.num_classes, null_styles, schedule.timesteps)
        batch = whole_batch.shard(process.rank, process.world).to(device)  # all of it when alone
        x_t = q_sample(schedule, batch.x0, batch.t, batch.noise)
        with torch.autocast(device.type, dtype=torch.bfloat16, enabled=use_bf16):
            output = parallel_model(x_t, batch.t, batch.class_labels, batch.style_labels)
        errors = objective.per_example_mse(output, objective.target(schedule, batch.x0, batch.t, batch.noise, prediction))
        mse = errors.mean()
        weighted = (objective.weights(schedule, batch.t, prediction, cfg.loss_weighting, cfg.min_snr_gamma) * errors).mean()
        alignment, alignment_share = torch.zeros((), device=device), 1.0
        if alignment_loss is not None and alignment_weight > 0:
            x0_pred = to_x0(schedule, x_t, batch.t, output.float(), prediction)
            alignment = clip_alignment_term(schedule, x0_pred, batch.t, batch.class_labels, config.num_classes,
                                            alignment_loss)
            alignment_share = shard_alignment_share(schedule, whole_batch, batch, config.num_classes)
        # Both terms are means over this shard: weighted by the shard's share of the whole batch, they
        # add up over the processes to the whole batch's loss (alone, both shares are 1).
        share = len(batch) / len(whole_batch)
        mse, weighted, alignment = mse * share, weighted * share, alignment * alignment_share
        loss = weighted + alignment_weight * alignment
        optimizer.zero_grad(set_to_none=True)
        (loss * process.world).backward()  # DDP averages gradients over the processes: world x average = sum
        torch.nn.utils.clip_grad_norm_(model.parameters(), cfg.grad_clip)
        optimizer.step()
        scheduler.step()
        ema_update(ema_model, model, ema_decay_at(step, cfg.ema_decay))
        window.append((loss.item(), mse.item(), alignment.item()))
        done = step + 1
        if done % cfg.log_every == 0 or done == steps:
            mean = distributed.sum_over_processes(np.mean(window, axis=0), process, device)
            row = {"step": done, "loss": float(mean[0]), "mse": float(mean[1]), "clip_loss": float(mean[2]),
                   "lr": scheduler.get_last_lr()[0]}
            for column in LOSS_COLUMNS:
                losses[column].append(row[column])
            window.clear()
            bar.set_postfix(loss=f"{mean[0]:.4f}")
            if on_log is not None and process.is_main:
                on_log(row)
        if done in snapshots and process.is_main:
            save_atomic({"step": done, "ema": ema_model.state_dict()}, snapshot_dir / f"step_{done:07d}.pt")
        if (done % cfg.checkpoint_every == 0 or done == steps) and process.is_main:
            resume.save_state(checkpoint_path, run_id, done, model, ema_model, optimizer, scheduler, losses,
                              time.perf_counter() - began)
    return TrainResult(model, ema_model, losses, time.perf_counter() - began, steps, start, snapshot_dir)
