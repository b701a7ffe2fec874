"""What sampling with the trained model costs in memory: the peak resident memory of generating a
batch of images with a named sampler, measured in a fresh process so that the peak is its own."""

from __future__ import annotations

import time
from pathlib import Path

import torch

from ..evaluation.cost import in_fresh_process, peak_rss_mib
from ..model.checkpoint import load_denoiser
from ..model.samplers import Sampling, sample


def _sampling_child(model_path: str, use_ema: bool, settings: dict, n: int, seed: int, queue) -> None:
    model, info = load_denoiser(model_path, torch.device("cpu"), use_ema=use_ema)

    def run(count):
        return sample(
            model,
            info.schedule(),
            torch.arange(count) % len(info.class_names),
            generator=torch.Generator().manual_seed(seed),
            image_shape=info.image_shape,
            prediction=info.prediction,
            progress=False,
            **settings,
        )

    run(1)  # a warm-up of one image loads what the sampler imports and allocates once
    warm = peak_rss_mib()
    began = time.perf_counter()
    run(n)
    peak = peak_rss_mib()
    queue.put({"seconds": time.perf_counter() - began, "peak_rss_mib": peak, "above_warm_up_mib": peak - warm})


def sampling_memory(model_path: Path, use_ema: bool, sampling: Sampling, n: int, seed: int) -> dict:
    """Peak resident memory of generating n images with `sampling` on the CPU, in a fresh process:
    peak_rss_mib (the whole process) and above_warm_up_mib (what the n images added to a warm-up run
    of one image, which loads the libraries, the model and whatever the sampler imports), with the
    seconds the n-image run took."""
    return in_fresh_process(_sampling_child, str(model_path), use_ema, sampling.kwargs(), n, seed)
