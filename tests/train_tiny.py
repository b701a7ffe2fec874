"""Child process for the resume test: train a tiny U-Net on fixed random data.

usage: python tests/train_tiny.py CHECKPOINT OUTPUT STEPS
"""
import sys
from pathlib import Path

import torch

from fashion_diffusion.config import TrainConfig
from fashion_diffusion.schedule import cosine_schedule
from fashion_diffusion.training import train
from fashion_diffusion.unet import UNetConfig


def main(checkpoint: str, output: str, steps: int) -> None:
    torch.set_num_threads(1)
    generator = torch.Generator().manual_seed(0)
    images = torch.rand(64, 1, 8, 8, generator=generator) * 2 - 1
    labels = torch.randint(0, 3, (64,), generator=generator)
    styles = torch.randint(0, 2, (64, 1), generator=generator)
    cfg = TrainConfig(max_steps=steps, epochs=1000, batch_size=8, lr=1e-3, warmup_steps=3, checkpoint_every=2,
                      log_every=2, bf16=False, ema_decay=0.9)
    result = train(UNetConfig(channels=[4, 8], embedding_dim=8, norm_groups=2, num_classes=3, style_levels=[2]),
                   cosine_schedule(50), images, labels, styles, cfg, torch.device("cpu"), Path(checkpoint),
                   progress=False)
    torch.save({"model": result.model.state_dict(), "ema": result.ema_model.state_dict(),
                "resumed_from": result.resumed_from}, output)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]))
