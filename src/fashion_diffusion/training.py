"""Training: epsilon-prediction MSE (Ho et al. eq. 14) with EMA, guidance dropout and exact resume.

Reproducibility: every random draw of step `s` (batch order, timesteps, noise, label dropout)
comes from generators seeded by (seed, epoch) and (seed, step), so the step number is the whole
RNG state. A run interrupted after a checkpoint and resumed reaches the same weights on CPU.
"""
from __future__ import annotations

import copy
import hashlib
import json
import math
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np
import pandas as pd
import torch
import torch.nn.functional as F
from tqdm.auto import tqdm

from .config import TrainConfig
from .schedule import NoiseSchedule, extract, predict_x0, q_sample
from .unet import UNet, UNetConfig

# (x0_pred (B, C, H, W), class_labels (B,)) -> per-example guidance loss (B,)
GuidanceLoss = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]


@dataclass
class TrainResult:
    model: UNet
    ema_model: UNet
    losses: pd.DataFrame  # columns: step, loss, mse, clip_loss, lr
    seconds: float
    steps: int
    resumed_from: int


def ema_update(ema_model: torch.nn.Module, model: torch.nn.Module, decay: float) -> None:
    """ema = decay * ema + (1 - decay) * current, for every parameter and buffer."""
    with torch.no_grad():
        for ema_p, p in zip(ema_model.state_dict().values(), model.state_dict().values()):
            if ema_p.dtype.is_floating_point:
                ema_p.lerp_(p, 1 - decay)
            else:
                ema_p.copy_(p)


def ema_decay_at(step: int, decay: float) -> float:
    """Warm-up of the EMA decay so short runs are not dominated by the random init."""
    return min(decay, (1 + step) / (10 + step))


def lr_factor(step: int, warmup: int, total: int) -> float:
    """Linear warm-up over `warmup` steps, then cosine decay to zero at `total`."""
    if step < warmup:
        return (step + 1) / warmup
    progress = (step - warmup) / max(1, total - warmup)
    return 0.5 * (1 + math.cos(math.pi * min(1.0, progress)))


def total_steps(cfg: TrainConfig, n_images: int) -> int:
    steps_per_epoch = max(1, n_images // cfg.batch_size)
    steps = cfg.epochs * steps_per_epoch
    return min(steps, cfg.max_steps) if cfg.max_steps > 0 else steps


def fingerprint(model_config: UNetConfig, schedule: NoiseSchedule, cfg: TrainConfig, n_images: int) -> str:
    """Identifies a training run; a checkpoint with another fingerprint is not resumed."""
    settings = {k: v for k, v in vars(cfg).items() if k not in ("checkpoint_every", "log_every", "threads", "device")}
    blob = json.dumps([model_config.to_dict(), schedule.timesteps, settings, n_images], sort_keys=True)
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


def drop_labels(labels: torch.Tensor, null_value: torch.Tensor | int, p: float, generator: torch.Generator) -> torch.Tensor:
    """Replace each entry by its null value with probability p."""
    mask = torch.rand(labels.shape, generator=generator) < p
    return torch.where(mask, torch.as_tensor(null_value).expand_as(labels), labels)


def batch_indices(step: int, n_images: int, batch_size: int, seed: int) -> torch.Tensor:
    steps_per_epoch = max(1, n_images // batch_size)
    epoch, position = divmod(step, steps_per_epoch)
    order = torch.randperm(n_images, generator=torch.Generator().manual_seed(seed * 1_000_003 + epoch))
    return order[position * batch_size:(position + 1) * batch_size]


def save_atomic(obj: dict, path: Path) -> None:
    """torch.save through a temporary file, so a kill mid-write leaves the old file intact."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    torch.save(obj, tmp)
    os.replace(tmp, path)


def snapshot_steps(total: int, count: int) -> list[int]:
    return sorted({max(1, round(total * (i + 1) / count)) for i in range(count)}) if count > 0 else []


def train(model_config: UNetConfig, schedule: NoiseSchedule, images: torch.Tensor, class_labels: torch.Tensor,
          style_labels: torch.Tensor | None, cfg: TrainConfig, device: torch.device, checkpoint_path: Path,
          snapshot_dir: Path | None = None, guidance_loss: GuidanceLoss | None = None,
          progress: bool = True) -> TrainResult:
    """Train a UNet on images (N, C, H, W) in [-1, 1] with class labels (N,) and style labels (N, A).

    Checkpoints every `cfg.checkpoint_every` steps to `checkpoint_path` and resumes from it when its
    fingerprint matches. EMA snapshots are written to `snapshot_dir/step_XXXXXXX.pt`.
    """
    torch.manual_seed(cfg.seed)  # parameter init only; data randomness uses explicit generators
    model = UNet(model_config).to(device)
    ema_model = copy.deepcopy(model).requires_grad_(False)
    optimizer = torch.optim.AdamW(model.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
    n_images, steps = images.shape[0], total_steps(cfg, images.shape[0])
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda s: lr_factor(s, cfg.warmup_steps, steps))
    run_id = fingerprint(model_config, schedule, cfg, n_images)
    start, rows, elapsed = 0, [], 0.0
    if checkpoint_path.exists():
        state = torch.load(checkpoint_path, map_location=device, weights_only=False)
        if state["fingerprint"] == run_id:
            model.load_state_dict(state["model"])
            ema_model.load_state_dict(state["ema"])
            optimizer.load_state_dict(state["optimizer"])
            scheduler.load_state_dict(state["scheduler"])
            start, rows, elapsed = state["step"], state["losses"], state["seconds"]
            print(f"resuming from {checkpoint_path} at step {start}/{steps}")
        else:
            print(f"{checkpoint_path} belongs to other settings; training from scratch")
    schedule = schedule.to(device)
    snapshots = snapshot_steps(steps, cfg.snapshots) if snapshot_dir else []
    null_styles = torch.tensor(model_config.style_levels, dtype=torch.long)
    use_bf16 = cfg.bf16 and device.type in ("cpu", "cuda")

    def checkpoint(step: int, seconds: float) -> None:
        save_atomic({"fingerprint": run_id, "step": step, "model": model.state_dict(), "ema": ema_model.state_dict(),
                     "optimizer": optimizer.state_dict(), "scheduler": scheduler.state_dict(),
                     "losses": rows, "seconds": seconds}, checkpoint_path)

    model.train()
    began = time.perf_counter() - elapsed
    window: list[tuple[float, float, float]] = []
    bar = tqdm(range(start, steps), initial=start, total=steps, desc="train", disable=not progress)
    for step in bar:
        generator = torch.Generator().manual_seed(cfg.seed * 1_000_003 + step + 7)
        idx = batch_indices(step, n_images, cfg.batch_size, cfg.seed)
        x0 = images[idx].to(device)
        y = drop_labels(class_labels[idx], model_config.num_classes, cfg.p_uncond, generator).to(device)
        s = drop_labels(style_labels[idx], null_styles, cfg.p_style_drop, generator).to(device) if style_labels is not None else None
        t = torch.randint(0, schedule.timesteps, (x0.shape[0],), generator=generator).to(device)
        noise = torch.randn(x0.shape, generator=generator).to(device)
        x_t = q_sample(schedule, x0, t, noise)
        with torch.autocast(device.type, dtype=torch.bfloat16, enabled=use_bf16):
            eps_pred = model(x_t, t, y, s)
        mse = F.mse_loss(eps_pred.float(), noise)
        clip_term = torch.zeros((), device=device)
        if guidance_loss is not None and cfg.clip_loss_weight > 0:
            clip_term = guided_loss_term(schedule, x_t, t, eps_pred.float(), y, model_config.num_classes, guidance_loss)
        loss = mse + cfg.clip_loss_weight * clip_term
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), cfg.grad_clip)
        optimizer.step()
        scheduler.step()
        ema_update(ema_model, model, ema_decay_at(step, cfg.ema_decay))
        window.append((loss.item(), mse.item(), clip_term.item()))
        done = step + 1
        if done % cfg.log_every == 0 or done == steps:
            mean = np.mean(window, axis=0)
            rows.append({"step": done, "loss": mean[0], "mse": mean[1], "clip_loss": mean[2],
                         "lr": scheduler.get_last_lr()[0]})
            window.clear()
            bar.set_postfix(loss=f"{mean[0]:.4f}")
        if done in snapshots:
            save_atomic({"step": done, "ema": ema_model.state_dict()}, snapshot_dir / f"step_{done:07d}.pt")
        if done % cfg.checkpoint_every == 0 or done == steps:
            checkpoint(done, time.perf_counter() - began)
    seconds = time.perf_counter() - began
    return TrainResult(model, ema_model, pd.DataFrame(rows, columns=["step", "loss", "mse", "clip_loss", "lr"]),
                       seconds, steps, start)


def guided_loss_term(schedule: NoiseSchedule, x_t: torch.Tensor, t: torch.Tensor, eps_pred: torch.Tensor,
                     class_labels: torch.Tensor, null_class: int, guidance_loss: GuidanceLoss) -> torch.Tensor:
    """The CLIP-guided term on the predicted x0, weighted by alpha_bar_t so that very noisy steps,
    whose x0 prediction is a blur, contribute little; examples with the null class are skipped."""
    keep = class_labels != null_class
    if not keep.any():
        return torch.zeros((), device=x_t.device)
    x0_pred = predict_x0(schedule, x_t[keep], t[keep], eps_pred[keep]).clamp(-1, 1)
    weight = extract(schedule.alpha_bars, t[keep], x0_pred.shape).flatten()
    return (weight * guidance_loss(x0_pred, class_labels[keep])).sum() / weight.sum().clamp(min=1e-8)


def clip_alignment_loss(scorer, prompts: list[str]) -> GuidanceLoss:
    """1 - cosine(image embedding, embedding of the prompt of each example's class); differentiable
    in the images through the frozen scorer (a `clip_scorer.Scorer`). prompts: one per class."""
    text = scorer.text_features(prompts).detach()  # (classes, D)
    return lambda x0, labels: 1 - (scorer.image_features(x0) * text[labels.to(text.device)]).sum(dim=-1)


def loss_by_timestep(model: UNet, schedule: NoiseSchedule, images: torch.Tensor, class_labels: torch.Tensor,
                     buckets: int, seed: int, batch_size: int = 256) -> pd.DataFrame:
    """MSE of the noise prediction on held-out images, for t bucketed into `buckets` equal ranges.

    Each image is evaluated at one t per bucket (drawn uniformly within it). Returns a table with
    t_low, t_high, mse (mean over images).
    """
    device = next(model.parameters()).device
    schedule = schedule.to(device)
    generator = torch.Generator().manual_seed(seed)
    edges = np.linspace(0, schedule.timesteps, buckets + 1).astype(int)
    rows = []
    model.eval()
    with torch.no_grad():
        for low, high in zip(edges[:-1], edges[1:]):
            errors = []
            for start in range(0, images.shape[0], batch_size):
                x0 = images[start:start + batch_size].to(device)
                y = class_labels[start:start + batch_size].to(device)
                t = torch.randint(int(low), int(high), (x0.shape[0],), generator=generator).to(device)
                noise = torch.randn(x0.shape, generator=generator).to(device)
                eps = model(q_sample(schedule, x0, t, noise), t, y)
                errors.append(((eps - noise) ** 2).mean(dim=(1, 2, 3)).cpu())
            rows.append({"t_low": int(low), "t_high": int(high), "mse": torch.cat(errors).mean().item()})
    return pd.DataFrame(rows)


def save_model(path: Path, result: TrainResult, model_config: UNetConfig, image_shape: tuple[int, int, int],
               timesteps: int, cosine_s: float, class_names: list[str], style_attributes: list[str]) -> None:
    save_atomic({"model_config": model_config.to_dict(), "image_shape": list(image_shape),
                 "timesteps": timesteps, "cosine_s": cosine_s,
                 "class_names": class_names, "style_attributes": style_attributes,
                 "model": result.model.state_dict(), "ema": result.ema_model.state_dict(),
                 "steps": result.steps}, path)


def load_model(path: Path | str, device: torch.device, use_ema: bool = True) -> tuple[UNet, dict]:
    """Rebuild a trained UNet from its checkpoint; returns (model in eval mode, checkpoint metadata)."""
    state = torch.load(path, map_location=device, weights_only=False)
    model = UNet(UNetConfig(**state["model_config"])).to(device)
    model.load_state_dict(state["ema" if use_ema else "model"])
    model.eval()
    return model, state
