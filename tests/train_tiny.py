"""Child process for the resume and data-parallel tests: train a tiny denoiser on fixed random data.

usage: python tests/train_tiny.py CHECKPOINT OUTPUT STEPS [KILL_AT]
   or: torchrun --standalone --nproc-per-node N tests/train_tiny.py CHECKPOINT OUTPUT STEPS [KILL_AT]
With KILL_AT, the main process SIGKILLs itself when step KILL_AT is logged (before that step's
checkpoint is written), so the test knows exactly where the run died. The global batch holds 7
images, so two processes get unequal shards (4 and 3). fp32 (bf16 off), one thread per process.
"""

import os
import signal
import sys
from pathlib import Path

import torch

from fashion_diffusion.model.schedule import cosine_schedule
from fashion_diffusion.training import distributed
from fashion_diffusion.training.loop import TrainData, train

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.conftest import denoiser_config  # noqa: E402
from tests.support.tiny import tiny_params  # noqa: E402

BATCH_SIZE = 7


def main(checkpoint: str, output: str, steps: int, kill_at: int | None) -> None:
    torch.set_num_threads(1)
    process = distributed.this_process()
    device = distributed.join(process, torch.device("cpu"))
    generator = torch.Generator().manual_seed(0)
    data = TrainData(
        torch.rand(64, 1, 8, 8, generator=generator) * 2 - 1,
        torch.randint(0, 3, (64,), generator=generator),
        torch.randint(0, 2, (64, 1), generator=generator),
        identity="random-64",
    )
    cfg = tiny_params(
        train__max_steps=steps,
        train__epochs=1000,
        train__batch_size=BATCH_SIZE,
        train__lr=1e-3,
        train__warmup_steps=3,
        train__checkpoint_every=4,
        train__log_every=2,
        train__bf16=False,
        train__ema_decay=0.9,
    ).train

    def on_log(row: dict) -> None:
        if row["step"] == kill_at:
            os.kill(os.getpid(), signal.SIGKILL)

    result = train(
        denoiser_config(style_levels=[2]),
        cosine_schedule(50),
        {"timesteps": 50, "prediction": "epsilon"},
        data,
        cfg,
        device,
        Path(checkpoint),
        progress=False,
        on_log=on_log,
        process=process,
    )
    if process.is_main:
        torch.save(
            {
                "model": result.model.state_dict(),
                "ema": result.ema_model.state_dict(),
                "resumed_from": result.resumed_from,
                "losses": result.losses,
                "world": process.world,
            },
            output,
        )
    distributed.leave(process)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]) if len(sys.argv) > 4 else None)
