"""Training the judge on real training images only, with shifts and flips."""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from tqdm.auto import tqdm

from ...config import JudgeParams
from .net import JudgeNet, JudgeNetConfig, augment


def train_judge(
    train_images: torch.Tensor, train_labels, cfg: JudgeParams, num_classes: int, device: torch.device
) -> JudgeNet:
    """Train a judge from scratch; returns it in eval mode.

    train_images: float (N, 1, 28, 28) in [-1, 1] on the CPU; train_labels: int (N,).
    AdamW with a one-cycle learning rate, optionally under bf16 autocast (inference stays fp32);
    batches, shifts and flips are drawn from a generator seeded with `cfg.seed`, and the
    initial weights from the same seed.
    """
    images = torch.as_tensor(train_images, dtype=torch.float32)
    labels = torch.as_tensor(np.asarray(train_labels), dtype=torch.int64)
    generator = torch.Generator().manual_seed(cfg.seed)
    with torch.random.fork_rng(devices=[]):  # seeded initial weights without touching global state
        torch.manual_seed(cfg.seed)
        model = JudgeNet(JudgeNetConfig(list(cfg.channels), cfg.hidden, num_classes, images.shape[-1])).to(
            device, memory_format=torch.channels_last
        )
    steps_per_epoch = len(images) // cfg.batch_size  # full batches only (params: batch_size <= images)
    optimizer = torch.optim.AdamW(model.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=cfg.lr, total_steps=cfg.epochs * steps_per_epoch)
    model.train()
    for epoch in range(cfg.epochs):
        order = torch.randperm(len(images), generator=generator)
        progress = tqdm(range(steps_per_epoch), desc=f"judge epoch {epoch + 1}/{cfg.epochs}", leave=False)
        for step in progress:
            batch = order[step * cfg.batch_size : (step + 1) * cfg.batch_size]
            x = augment(images[batch], generator, cfg.max_shift, cfg.hflip)
            x = x.to(device, memory_format=torch.channels_last)  # (B, 1, H, W), faster convs on CPU
            with torch.autocast(device.type, dtype=torch.bfloat16, enabled=cfg.bf16):
                loss = F.cross_entropy(model(x), labels[batch].to(device))
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            schedule.step()
            if step % 50 == 0:
                progress.set_postfix(loss=f"{loss.item():.3f}")
    return model.eval()
