"""Training throughput of the configured denoiser (params.yaml: model, train) for several layouts of
processes x CPU threads on this machine, through the real training loop (`training.loop.train`),
under torchrun when a layout has more than one process. Prints images of the global batch per
second, warm-up excluded. The images are synthetic: a step's speed does not depend on pixel values.

usage: python tools/train_throughput.py [--layouts 1x2 2x1] [--steps 50] [--batch-size 128]
A layout PxT is P processes with T threads each. Run it alone: other work on the cores slows
every layout (the load average is printed beside the results).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import torch

from fashion_diffusion.config import load_params
from fashion_diffusion.core.runtime import set_threads
from fashion_diffusion.model.schedule import cosine_schedule
from fashion_diffusion.model.unet import denoiser_config
from fashion_diffusion.training import distributed
from fashion_diffusion.training.loop import TrainData, train

ROOT = Path(__file__).resolve().parents[1]
IMAGES = 8192  # synthetic training set: enough distinct batches, little memory per process
RESULT = "THROUGHPUT "  # prefix of the line the main process prints for the launcher


def measure(threads: int, steps: int, batch_size: int, checkpoint: Path) -> None:
    """One process of a layout: train `steps` steps and print the rate between the first log
    (after log_every warm-up steps) and the last."""
    p = load_params(ROOT / "params.yaml")
    process = distributed.this_process()
    threads = set_threads(threads, process.local_world)
    device = distributed.join(process, torch.device("cpu"))
    config = denoiser_config(p.model, 10, [p.style.levels] * len(p.style.attributes))
    generator = torch.Generator().manual_seed(0)
    data = TrainData(
        torch.rand(IMAGES, 1, 28, 28, generator=generator) * 2 - 1,
        torch.randint(0, 10, (IMAGES,), generator=generator),
        torch.randint(0, p.style.levels, (IMAGES, len(p.style.attributes)), generator=generator),
        identity="synthetic",
    )
    cfg = p.train.model_copy(
        update={
            "max_steps": steps,
            "batch_size": batch_size,
            "epochs": steps,
            "checkpoint_every": steps,
            "snapshots": 0,
        }
    )
    logged: list[tuple[int, float]] = []
    train(
        config,
        cosine_schedule(p.diffusion.timesteps, p.diffusion.cosine_s),
        p.diffusion.model_dump(),
        data,
        cfg,
        device,
        checkpoint,
        progress=False,
        on_log=lambda row: logged.append((row["step"], time.perf_counter())),
        process=process,
    )
    if process.is_main:
        (first_step, first_time), (last_step, last_time) = logged[0], logged[-1]
        rate = (last_step - first_step) * batch_size / (last_time - first_time)
        print(
            RESULT
            + json.dumps(
                {
                    "processes": process.world,
                    "threads": threads,
                    "bf16": cfg.bf16,
                    "steps_timed": last_step - first_step,
                    "images_per_second": round(rate, 1),
                }
            )
        )
    distributed.leave(process)


def run_layout(processes: int, threads: int, steps: int, batch_size: int) -> dict:
    """Run one layout in fresh processes; its result line as a dict."""
    launcher = (
        [sys.executable]
        if processes == 1
        else [sys.executable, "-m", "torch.distributed.run", "--standalone", f"--nproc-per-node={processes}"]
    )
    with tempfile.TemporaryDirectory() as folder:
        command = [
            *launcher,
            __file__,
            "--measure",
            "--threads",
            str(threads),
            "--steps",
            str(steps),
            "--batch-size",
            str(batch_size),
            "--checkpoint",
            str(Path(folder) / "last.pt"),
        ]
        done = subprocess.run(command, capture_output=True, text=True)
    lines = [line for line in done.stdout.splitlines() if line.startswith(RESULT)]
    if done.returncode != 0 or not lines:
        sys.exit(f"layout {processes}x{threads} failed:\n{done.stderr[-3000:]}")
    return json.loads(lines[0].removeprefix(RESULT))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--layouts", nargs="+", default=["1x2", "2x1"], help="PxT: P processes, T threads each")
    parser.add_argument("--steps", type=int, default=50, help="training steps per layout, warm-up included")
    parser.add_argument(
        "--batch-size",
        type=int,
        default=load_params(ROOT / "params.yaml").train.batch_size,
        help="global batch (default: train.batch_size)",
    )
    parser.add_argument("--measure", action="store_true", help=argparse.SUPPRESS)  # one process of a layout
    parser.add_argument("--threads", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--checkpoint", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    log_every = load_params(ROOT / "params.yaml").train.log_every
    if args.steps < 2 * log_every:
        parser.error(f"--steps must be at least 2 x train.log_every ({2 * log_every}): the first {log_every} warm up")
    if args.measure:
        return measure(args.threads, args.steps, args.batch_size, args.checkpoint)
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    for layout in args.layouts:
        processes, threads = (int(part) for part in layout.split("x"))
        print(json.dumps({"layout": layout, **run_layout(processes, threads, args.steps, args.batch_size)}), flush=True)
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
