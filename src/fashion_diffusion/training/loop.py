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
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from tqdm.auto import tqdm

from ..config import TrainParams
from ..config.constants import total_steps
from ..core.artifacts import rebuilding, save_atomic
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
        return {
            "final_loss": float(np.mean(self.losses["loss"][-tail:])),
            "final_mse": float(np.mean(self.losses["mse"][-tail:])),
            "train_seconds": round(self.seconds, 1),
            "steps": self.steps,
            "images_per_second": round(self.steps * batch_size / max(self.seconds, 1e-9), 1),
            "parameters": sum(p.numel() for p in self.model.parameters()),
            "device": device.type,
            "processes": processes,
        }


def train_data(images: torch.Tensor, class_labels, style_labels, identity: str) -> TrainData:
    return TrainData(
        images, torch.as_tensor(class_labels), None if style_labels is None else torch.as_tensor(style_labels), identity
    )


def snapshot_steps(total: int, count: int) -> list[int]:
    """`count` steps spread evenly over the run, the last one at `total`."""
    return sorted({max(1, round(total * (i + 1) / count)) for i in range(count)}) if count > 0 else []


def global_batch(
    data: TrainData, step: int, cfg: TrainParams, null_class: int, null_styles: torch.Tensor, timesteps: int
) -> batches.Batch:
    """Everything step `step` draws, for the whole batch (see `batches`)."""
    generator = batches.step_generator(cfg.seed, step)
    idx = batches.batch_indices(step, data.images.shape[0], cfg.batch_size, cfg.seed)
    x0 = data.images[idx]
    y = batches.drop_labels(data.class_labels[idx], null_class, cfg.p_uncond, generator)
    s = (
        batches.drop_labels(data.style_labels[idx], null_styles, cfg.p_style_drop, generator)
        if data.style_labels is not None
        else None
    )
    t = torch.randint(0, timesteps, (x0.shape[0],), generator=generator)
    noise = torch.randn(x0.shape, generator=generator)
    return batches.Batch(x0, y, s, t, noise)


def shard_alignment_share(
    schedule: NoiseSchedule, batch: batches.Batch, shard: batches.Batch, null_class: int
) -> torch.Tensor:
    """The fraction of the global batch's alignment weight (`alignment_weights`) that `shard` holds:
    the alignment term is a weighted mean, so a shard's term counts in proportion to its weight."""
    whole = alignment_weights(schedule, batch.t.to(shard.t.device), batch.class_labels.to(shard.t.device), null_class)
    return alignment_weights(schedule, shard.t, shard.class_labels, null_class).sum() / whole.sum().clamp(min=1e-30)


@dataclass
class Alignment:
    """The optional CLIP alignment term (`clip_alignment`): on when `loss` is given and `weight` > 0."""

    loss: AlignmentLoss | None = None
    weight: float = 0.0

    @property
    def on(self) -> bool:
        return self.loss is not None and self.weight > 0


NO_ALIGNMENT = Alignment()


@dataclass
class Run:
    """What a run trains and resumes: model, its EMA copy, optimizer, LR schedule, length and identity."""

    model: Denoiser
    ema_model: Denoiser
    optimizer: torch.optim.Optimizer
    scheduler: torch.optim.lr_scheduler.LRScheduler
    steps: int
    run_id: str


@dataclass
class Progress:
    """Where the run stands: the step to train next, the logged losses, the seconds trained so far."""

    start: int
    losses: dict[str, list]
    elapsed: float


def build_run(
    config: DenoiserConfig,
    diffusion: dict,
    data: TrainData,
    cfg: TrainParams,
    device: torch.device,
    alignment_weight: float,
) -> Run:
    """A fresh model (seeded by `cfg.seed`), its EMA copy, AdamW and the LR schedule for the run's steps."""
    torch.manual_seed(cfg.seed)  # parameter init only; data randomness uses explicit generators
    model = build_denoiser(config)
    if cfg.zero_init:
        zero_init_outputs(model)
    model = model.to(device)
    ema_model = copy.deepcopy(model).requires_grad_(False)
    optimizer = torch.optim.AdamW(model.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay, eps=cfg.adam_eps)
    steps = total_steps(cfg.epochs, cfg.max_steps, data.images.shape[0], cfg.batch_size)
    scheduler = lr_scheduler(optimizer, cfg, steps)
    run_id = resume.fingerprint(
        config.to_dict(), diffusion, {**cfg.model_dump(), "alignment_weight": alignment_weight}, data.identity
    )
    return Run(model, ema_model, optimizer, scheduler, steps, run_id)


def resume_run(
    run: Run, checkpoint_path: Path, snapshot_dir: Path, process: distributed.Process, device: torch.device
) -> Progress:
    """Load the checkpoint of this same run if there is one (all processes agree on its step); the main
    process clears another run's snapshots."""
    state = resume.load_state(checkpoint_path, run.run_id, device)
    distributed.require_agreement(0 if state is None else state["step"], "the step to resume from", process, device)
    if process.is_main:
        if state is None:
            shutil.rmtree(snapshot_dir, ignore_errors=True)  # another run's
        snapshot_dir.mkdir(parents=True, exist_ok=True)
    if state is None:
        return Progress(0, {column: [] for column in LOSS_COLUMNS}, 0.0)
    with rebuilding(checkpoint_path):
        run.model.load_state_dict(state["model"])
        run.ema_model.load_state_dict(state["ema"])
        run.optimizer.load_state_dict(state["optimizer"])
        run.scheduler.load_state_dict(state["scheduler"])
    if process.is_main:
        print(f"resuming from {checkpoint_path} at step {state['step']}/{run.steps}")
    return Progress(state["step"], state["losses"], state["seconds"])


def shard_losses(
    parallel_model: torch.nn.Module,
    schedule: NoiseSchedule,
    whole_batch: batches.Batch,
    batch: batches.Batch,
    cfg: TrainParams,
    prediction: str,
    num_classes: int,
    alignment: Alignment,
    use_bf16: bool,
    device: torch.device,
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """This process's (loss, mse, alignment) on its shard `batch` of `whole_batch`, each scaled by the
    shard's share, so that they add up over the processes to the whole batch's."""
    x_t = q_sample(schedule, batch.x0, batch.t, batch.noise)
    with torch.autocast(device.type, dtype=torch.bfloat16, enabled=use_bf16):
        output = parallel_model(x_t, batch.t, batch.class_labels, batch.style_labels)
    errors = objective.per_example_mse(output, objective.target(schedule, batch.x0, batch.t, batch.noise, prediction))
    mse = errors.mean()
    weighted = (objective.weights(schedule, batch.t, prediction, cfg.loss_weighting, cfg.min_snr_gamma) * errors).mean()
    term, alignment_share = torch.zeros((), device=device), 1.0
    if alignment.on:
        x0_pred = to_x0(schedule, x_t, batch.t, output.float(), prediction)
        term = clip_alignment_term(schedule, x0_pred, batch.t, batch.class_labels, num_classes, alignment.loss)
        alignment_share = shard_alignment_share(schedule, whole_batch, batch, num_classes)
    # Both terms are means over this shard: weighted by the shard's share of the whole batch, they
    # add up over the processes to the whole batch's loss (alone, both shares are 1).
    share = len(batch) / len(whole_batch)
    mse, weighted, term = mse * share, weighted * share, term * alignment_share
    return weighted + alignment.weight * term, mse, term


def optimizer_step(run: Run, loss: torch.Tensor, step: int, cfg: TrainParams, process: distributed.Process) -> None:
    """Backpropagate `loss`, clip, step the optimizer and LR schedule, update the EMA."""
    run.optimizer.zero_grad(set_to_none=True)
    (loss * process.world).backward()  # DDP averages gradients over the processes: world x average = sum
    torch.nn.utils.clip_grad_norm_(run.model.parameters(), cfg.grad_clip)
    run.optimizer.step()
    run.scheduler.step()
    ema_update(run.ema_model, run.model, ema_decay_at(step, cfg.ema_decay, cfg.ema_warmup))


def log_row(
    done: int,
    window: list[tuple[float, float, float]],
    run: Run,
    losses: dict[str, list],
    process: distributed.Process,
    device: torch.device,
) -> dict:
    """The logged row for step `done`: the window's mean over all processes, appended to `losses`."""
    mean = distributed.sum_over_processes(np.mean(window, axis=0), process, device)
    row = {
        "step": done,
        "loss": float(mean[0]),
        "mse": float(mean[1]),
        "clip_loss": float(mean[2]),
        "lr": run.scheduler.get_last_lr()[0],
    }
    for column in LOSS_COLUMNS:
        losses[column].append(row[column])
    window.clear()
    return row


def save_files(
    run: Run,
    done: int,
    cfg: TrainParams,
    snapshots: list[int],
    snapshot_dir: Path,
    checkpoint_path: Path,
    losses: dict[str, list],
    seconds: float,
) -> None:
    """The main process's files after step `done`: an EMA snapshot, the resume checkpoint, when due."""
    if done in snapshots:
        save_atomic({"step": done, "ema": run.ema_model.state_dict()}, snapshot_dir / f"step_{done:07d}.pt")
    if done % cfg.checkpoint_every == 0 or done == run.steps:
        resume.save_state(
            checkpoint_path, run.run_id, done, run.model, run.ema_model, run.optimizer, run.scheduler, losses, seconds
        )


def train(
    config: DenoiserConfig,
    schedule: NoiseSchedule,
    diffusion: dict,
    data: TrainData,
    cfg: TrainParams,
    device: torch.device,
    checkpoint_path: Path,
    alignment: Alignment = NO_ALIGNMENT,
    progress: bool = True,
    on_log: Callable[[dict], None] | None = None,
    process: distributed.Process = distributed.SINGLE,
    snapshot_at: list[int] | None = None,
) -> TrainResult:
    """Train a denoiser; checkpoint every `cfg.checkpoint_every` steps and resume from a checkpoint
    of the same run (`resume.fingerprint`). EMA snapshots go beside the checkpoint, in `snapshots/`.
    `alignment` (loss and weight > 0) adds the CLIP alignment term (`clip_alignment`).
    `on_log` receives each logged row (a dict of LOSS_COLUMNS) as it is written.
    `snapshot_at`: the steps of the EMA snapshots, instead of `cfg.snapshots` spread evenly.
    `process`: this process's place in a data-parallel run that has joined its process group on
    `device` (`distributed.join`); only the main process writes files, logs and calls `on_log`."""
    if cfg.batch_size < process.world:
        raise distributed.DistributedError(
            f"train.batch_size: {cfg.batch_size} images cannot be shared by "
            f"{process.world} processes (each needs at least one)"
        )
    run = build_run(config, diffusion, data, cfg, device, alignment.weight)
    snapshot_dir = checkpoint_path.parent / "snapshots"
    at = resume_run(run, checkpoint_path, snapshot_dir, process, device)
    schedule = schedule.to(device)
    snapshots = snapshot_steps(run.steps, cfg.snapshots) if snapshot_at is None else sorted(set(snapshot_at))
    null_styles = torch.tensor(config.style_levels, dtype=torch.long)
    use_bf16 = cfg.bf16 and device.type in ("cpu", "cuda")
    prediction = diffusion["prediction"]
    run.model.train()
    parallel_model = distributed.data_parallel(run.model, process, device)
    began = time.perf_counter() - at.elapsed
    window: list[tuple[float, float, float]] = []
    bar = tqdm(
        range(at.start, run.steps),
        initial=at.start,
        total=run.steps,
        desc="train",
        disable=not (progress and process.is_main),
    )
    for step in bar:
        whole_batch = global_batch(data, step, cfg, config.num_classes, null_styles, schedule.timesteps)
        batch = whole_batch.shard(process.rank, process.world).to(device)  # all of it when alone
        loss, mse, term = shard_losses(
            parallel_model,
            schedule,
            whole_batch,
            batch,
            cfg,
            prediction,
            config.num_classes,
            alignment,
            use_bf16,
            device,
        )
        optimizer_step(run, loss, step, cfg, process)
        window.append((loss.item(), mse.item(), term.item()))
        done = step + 1
        if done % cfg.log_every == 0 or done == run.steps:
            row = log_row(done, window, run, at.losses, process, device)
            bar.set_postfix(loss=f"{row['loss']:.4f}")
            if on_log is not None and process.is_main:
                on_log(row)
        if process.is_main:
            save_files(run, done, cfg, snapshots, snapshot_dir, checkpoint_path, at.losses, time.perf_counter() - began)
    return TrainResult(
        run.model, run.ema_model, at.losses, time.perf_counter() - began, run.steps, at.start, snapshot_dir
    )
