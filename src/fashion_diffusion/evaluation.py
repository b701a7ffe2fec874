"""Judge-based evaluation of a trained generator: FID, class accuracy, recognition point,
sampler trade-off, quality over training and the cost of each architecture.

All FIDs are computed in the judge's penultimate feature space against the real test set, each
next to its floor: the FID of the same number of real training images, so a number has a scale.
"""
from __future__ import annotations

import multiprocessing
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from . import judge as judge_lib
from . import metrics
from .data import to_model_range, to_uint8
from .samplers import sample
from .schedule import NoiseSchedule
from .unet import UNet, UNetConfig, count_parameters


@dataclass
class Generated:
    images: np.ndarray  # (N, H, W) uint8
    labels: np.ndarray  # (N,) requested classes
    seconds: float


@dataclass
class Reference:
    """The judge and the real test set it measures against."""
    judge: torch.nn.Module
    test_features: torch.Tensor  # (M, D)
    num_classes: int

    def score(self, images: np.ndarray, labels: np.ndarray) -> dict:
        """FID, accuracy (overall and per class) and confidence for generated uint8 images."""
        x = to_model_range(images)
        probs = judge_lib.predict_proba(self.judge, x)
        accuracy, per_class = metrics.class_accuracy(probs, labels, self.num_classes)
        return {"fid": metrics.fid(judge_lib.features(self.judge, x), self.test_features),
                "accuracy": accuracy, "per_class_accuracy": per_class,
                "confidence": metrics.requested_class_confidence(probs, labels)}


def generate(model: UNet, schedule: NoiseSchedule, per_class: int, num_classes: int, steps: int, eta: float,
             guidance_scale: float, seed: int, image_shape: tuple[int, int, int]) -> Generated:
    device = next(model.parameters()).device
    labels = torch.arange(num_classes, device=device).repeat_interleave(per_class)
    began = time.perf_counter()
    images, _ = sample(model, schedule, labels, steps=steps, eta=eta, guidance_scale=guidance_scale,
                       generator=torch.Generator().manual_seed(seed), image_shape=image_shape)
    return Generated(to_uint8(images), labels.cpu().numpy(), time.perf_counter() - began)


def sampler_tradeoff(model: UNet, schedule: NoiseSchedule, reference: Reference, ddim_steps: list[int],
                     per_class: int, eta: float, guidance_scale: float, seed: int,
                     image_shape: tuple[int, int, int]) -> pd.DataFrame:
    """DDIM at each step count and DDPM at all T steps, on the same labels and seed."""
    runs = [("ddim", s, eta) for s in ddim_steps] + [("ddpm", schedule.timesteps, 1.0)]
    rows = []
    for name, steps, run_eta in runs:
        out = generate(model, schedule, per_class, reference.num_classes, steps, run_eta, guidance_scale, seed, image_shape)
        score = reference.score(out.images, out.labels)
        rows.append({"sampler": name, "steps": steps, "eta": run_eta, "seconds": out.seconds,
                     "images_per_second": len(out.labels) / out.seconds,
                     "fid": score["fid"], "accuracy": score["accuracy"]})
        print(f"{name} {steps:4d} steps: {out.seconds:6.1f} s, FID {score['fid']:.2f}, accuracy {score['accuracy']:.3f}")
    return pd.DataFrame(rows)


def quality_over_training(snapshots: list[Path], model_config: UNetConfig, schedule: NoiseSchedule,
                          reference: Reference, per_class: int, steps: int, eta: float, guidance_scale: float,
                          seed: int, image_shape: tuple[int, int, int],
                          device: torch.device) -> tuple[pd.DataFrame, np.ndarray]:
    """FID and accuracy of each EMA snapshot with a fixed seed; also (snapshots, classes, H, W) of the
    first sample of each class, for a strip of grids."""
    model = UNet(model_config).to(device).eval()
    rows, firsts = [], []
    for path in snapshots:
        state = torch.load(path, map_location=device, weights_only=True)
        model.load_state_dict(state["ema"])
        out = generate(model, schedule, per_class, reference.num_classes, steps, eta, guidance_scale, seed, image_shape)
        score = reference.score(out.images, out.labels)
        rows.append({"step": int(state["step"]), "fid": score["fid"], "accuracy": score["accuracy"]})
        firsts.append(out.images[::per_class])
    return pd.DataFrame(rows), np.stack(firsts)


def recognition(reference: Reference, x0_frames: np.ndarray, labels: np.ndarray,
                fractions: np.ndarray) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Recognition point of each trajectory, and the judge's mean probability of the requested class
    at each recorded fraction, per class.  x0_frames: uint8 (S, N, H, W) predicted x0 along the way."""
    s, n = x0_frames.shape[:2]
    probs = judge_lib.predict_proba(reference.judge, to_model_range(x0_frames.reshape(s * n, *x0_frames.shape[2:])))
    probs = probs.reshape(s, n, -1).numpy()
    points = metrics.recognition_point(probs, labels, fractions)
    per_image = pd.DataFrame({"label": labels, "recognition_point": points})
    requested = probs[:, np.arange(n), labels]  # (S, N)
    curve = pd.DataFrame([{"label": int(c), "fraction": float(f), "probability": float(requested[i, labels == c].mean())}
                          for c in np.unique(labels) for i, f in enumerate(fractions)])
    return per_image, curve


def flops_per_image(model: UNet, image_shape: tuple[int, int, int]) -> int:
    """Forward-pass FLOPs for one image, counted by torch's FlopCounterMode (a multiply-add = 2)."""
    from torch.utils.flop_counter import FlopCounterMode

    x = torch.zeros(1, *image_shape)
    counter = FlopCounterMode(display=False)
    with counter, torch.no_grad():
        model(x, torch.zeros(1, dtype=torch.long), torch.zeros(1, dtype=torch.long))
    return int(counter.get_total_flops())


def peak_rss_mib() -> float:
    """This process's peak resident memory (VmHWM). Unlike getrusage's ru_maxrss, which a spawned
    child inherits from its parent across fork and exec, VmHWM starts afresh with the new program."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("VmHWM not found in /proc/self/status")


def _bench_child(model_config: dict, image_shape, batch: int, steps: int, bf16: bool, queue) -> None:
    baseline = peak_rss_mib()
    model = UNet(UNetConfig(**model_config))
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
    queue.put({"step_seconds": float(np.median(times[1:])), "peak_rss_mib": peak,
               "rss_above_baseline_mib": peak - baseline})


def arch_cost(model_config: UNetConfig, image_shape: tuple[int, int, int], batch: int, steps: int, bf16: bool) -> dict:
    """Parameters, FLOPs per image, median training-step time and peak memory of one architecture,
    measured on the CPU in a fresh process (so its peak resident memory is its own)."""
    model = UNet(model_config)
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    child = context.Process(target=_bench_child, args=(model_config.to_dict(), image_shape, batch, steps, bf16, queue))
    child.start()
    result = queue.get()
    child.join()
    return {"parameters": count_parameters(model), "gflops_per_image": flops_per_image(model, image_shape) / 1e9,
            "step_seconds": result["step_seconds"], "images_per_second": batch / result["step_seconds"],
            "peak_rss_mib": result["peak_rss_mib"], "rss_above_baseline_mib": result["rss_above_baseline_mib"]}
