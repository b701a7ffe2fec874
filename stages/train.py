"""Stage train: the conditional denoiser, its loss table and curve, EMA snapshots, the forward process
on the training images (figure), and the run's result (`TrainingResult`: length, speed, the loss as
configured, first and final loss, the schedule's facts) with its headline numbers.

Data parallel: `train.processes` > 1 makes the stage start itself again under torchrun with that
many processes (one per GPU on CUDA); `torchrun --nproc-per-node N stages/train.py` does the same
by hand, and then torchrun's N wins. Rank 0 alone writes the outputs.
"""

import shutil
from pathlib import Path

import pandas as pd
import torch

from fashion_diffusion import stage
from fashion_diffusion.config import Params, load_params
from fashion_diffusion.core.artifacts import write_json
from fashion_diffusion.core.runtime import resolve_device, set_threads
from fashion_diffusion.data.prepared import load_prepared, to_model_range
from fashion_diffusion.model.checkpoint import ModelInfo, save_denoiser
from fashion_diffusion.model.schedule import cosine_schedule
from fashion_diffusion.model.unet import denoiser_config
from fashion_diffusion.plotting import plots
from fashion_diffusion.results.base import write_result
from fashion_diffusion.style.bins import load_style_bins
from fashion_diffusion.tracking import live
from fashion_diffusion.training import distributed
from fashion_diffusion.training.loop import train, train_data
from fashion_diffusion.training.outcome import training_result

CHECKPOINT = Path("models/checkpoints/last.pt")  # persist: true in dvc.yaml, so a killed run resumes
OUTPUTS = [
    "models/diffusion.pt",
    "models/snapshots",
    "models/loss.csv",
    "models/train_metrics.json",
    "reports/headline/training.json",
    "reports/figures/train",
]


def main() -> None:
    p = load_params()
    device = resolve_device(p.train.device, "train.device")
    if p.train.processes > 1 and not distributed.launched_by_torchrun():
        distributed.require_gpus(p.train.processes, device)
        distributed.relaunch_under_torchrun(__file__, p.train.processes)
    process = distributed.this_process()
    threads = set_threads(p.train.threads, process.local_world)
    device = distributed.join(process, device)
    try:
        train_and_write(p, process, device, threads)
    finally:
        distributed.leave(process)


def train_and_write(p: Params, process: distributed.Process, device: torch.device, threads: int) -> None:
    data, bins = load_prepared(), load_style_bins()
    config = denoiser_config(p.model, len(data.class_names), [bins.levels] * len(bins.attributes))
    images = to_model_range(data.train_images)
    if process.is_main:
        print(
            f"training the {p.model.arch} denoiser on {device} ({len(images)} images, {process.world} "
            f"process{'es' * process.distributed}, {threads} CPU thread{'s' * (threads > 1)} each)"
        )
    schedule = cosine_schedule(p.diffusion.timesteps, p.diffusion.cosine_s)
    result = train(
        config,
        schedule,
        p.diffusion.model_dump(),
        train_data(images, data.train_labels, data.train_styles, data.identity()),
        p.train,
        device,
        CHECKPOINT,
        process=process,
        on_log=live.current().log_row,
    )  # the loss curve appears in MLflow as it is trained
    if not process.is_main:
        return
    info = ModelInfo(
        config, p.diffusion.model_dump(), tuple(images.shape[1:]), data.class_names, bins.attributes, result.steps
    )
    with stage.Outputs("train", OUTPUTS) as out:
        save_denoiser(out("models/diffusion.pt"), result.model, result.ema_model, info)
        shutil.copytree(result.snapshot_dir, out("models/snapshots"), dirs_exist_ok=True)
        pd.DataFrame(result.losses).to_csv(out("models/loss.csv"), index=False)
        outcome = training_result(p, result, schedule, len(images), device, process.world)
        write_result(out("models/train_metrics.json"), outcome)
        write_json(out("reports/headline/training.json"), outcome.headline())
        figures = out("reports/figures/train")
        plots.loss_curve(figures / "loss_curve.png", pd.read_csv(out("models/loss.csv")))
        plots.forward_diffusion(
            figures / "forward_diffusion.png",
            data.train_images,
            data.train_labels,
            data.class_names,
            p.diffusion.timesteps,
            p.diffusion.cosine_s,
        )


if __name__ == "__main__":
    stage.run(main)
