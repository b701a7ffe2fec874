"""What an architecture costs: parameters, forward FLOPs (at any resolution), training-step time and
peak memory, the last two measured in a fresh process so that its peak resident memory is its own; and
its geometry (the smallest feature map, the time embedding's frequencies)."""

from __future__ import annotations

import multiprocessing
import time
from pathlib import Path

import numpy as np
import torch

from ..model.unet import Denoiser, DenoiserConfig, build_denoiser, count_parameters


def flops_per_image(model: Denoiser, image_shape: tuple[int, int, int]) -> int:
    """Forward-pass FLOPs for one image, counted by torch's FlopCounterMode (a multiply-add = 2)."""
    from torch.utils.flop_counter import FlopCounterMode

    x = torch.zeros(1, *image_shape)
    counter = FlopCounterMode(display=False)
    with counter, torch.no_grad():
        model(x, torch.zeros(1, dtype=torch.long), torch.zeros(1, dtype=torch.long))
    return int(counter.get_total_flops())


def coarsest_side(model: Denoiser, image_shape: tuple[int, int, int]) -> int:
    """The side of the smallest feature map a convolution of `model` produces from one image, measured on
    a forward pass (a stride-2 convolution of side s gives ceil(s / 2))."""
    sides = []
    hooks = [
        m.register_forward_hook(lambda _m, _i, out: sides.append(out.shape[-1]))
        for m in model.modules()
        if isinstance(m, torch.nn.Conv2d)
    ]
    try:
        with torch.no_grad():
            model(torch.zeros(1, *image_shape), torch.zeros(1, dtype=torch.long), torch.zeros(1, dtype=torch.long))
    finally:
        for hook in hooks:
            hook.remove()
    return min(sides)


def time_frequencies(config: DenoiserConfig) -> int:
    """The sinusoids of the time embedding (`sinusoidal_embedding`: dim // 2, a sine and a cosine each);
    0 when the model is not told t."""
    return config.embedding_dim // 2 if config.time_embedding else 0


def peak_rss_mib() -> float:
    """This process's peak resident memory (VmHWM). Unlike getrusage's ru_maxrss, which a spawned
    child inherits from its parent across fork and exec, VmHWM starts afresh with the new program."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("VmHWM not found in /proc/self/status")


def _bench_child(model_config: dict, image_shape, batch: int, steps: int, bf16: bool, queue) -> None:
    baseline = peak_rss_mib()
    model = build_denoiser(DenoiserConfig(**model_config))
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-4)
    x = torch.randn(batch, *image_shape)
    t = torch.randint(0, 1000, (batch,))
    y = torch.randint(0, model_config["num_classes"], (batch,))
    times = []
    for _ in range(steps + 1):  # the first step warms up and is not counted
        began = time.perf_counter()
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
            loss = (model(x, t, y).float() - x).pow(2).mean()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        times.append(time.perf_counter() - began)
    peak = peak_rss_mib()
    queue.put(
        {"step_seconds": float(np.median(times[1:])), "peak_rss_mib": peak, "rss_above_baseline_mib": peak - baseline}
    )


def arch_cost(
    model_config: DenoiserConfig, image_shape: tuple[int, int, int], batch: int, steps: int, bf16: bool
) -> dict:
    """Parameters, FLOPs per image, median training-step time and peak memory of one architecture,
    measured on the CPU in a fresh process (so its peak resident memory is its own), and its geometry."""
    model = build_denoiser(model_config)
    result = in_fresh_process(_bench_child, model_config.to_dict(), image_shape, batch, steps, bf16)
    return {
        "parameters": count_parameters(model),
        "gflops_per_image": flops_per_image(model, image_shape) / 1e9,
        "step_seconds": result["step_seconds"],
        "images_per_second": batch / result["step_seconds"],
        "peak_rss_mib": result["peak_rss_mib"],
        "rss_above_baseline_mib": result["rss_above_baseline_mib"],
        "coarsest_side": coarsest_side(model, image_shape),
        "time_frequencies": time_frequencies(model_config),
    }


def in_fresh_process(target, *args) -> dict:
    """Run target(*args, queue) in a spawned process and return what it puts on the queue."""
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    child = context.Process(target=target, args=(*args, queue))
    child.start()
    result = queue.get()
    child.join()
    return result


def flops_at_sizes(config: DenoiserConfig, channels: int, sizes: list[int]) -> dict[int, float]:
    """Forward GFLOPs per image of the architecture at square side lengths `sizes` (size -> GFLOPs)."""
    model = build_denoiser(config)
    return {size: flops_per_image(model, (channels, size, size)) / 1e9 for size in sizes}
