"""Stage sample: N samples per class, their grid, and recorded DDPM denoising trajectories."""
import time
from pathlib import Path

import numpy as np
import torch

from fashion_diffusion import figures, stage
from fashion_diffusion.config import load_params, resolve_device
from fashion_diffusion.data import to_uint8
from fashion_diffusion.samplers import sample, sampler_settings
from fashion_diffusion.schedule import cosine_schedule
from fashion_diffusion.style import StyleBins, parse_style_requests
from fashion_diffusion.training import load_model

OUT = Path("data/samples")
FIGURES = Path("reports/figures/sample")


def denoising_figure(trajectory_images: np.ndarray, fractions: np.ndarray, wanted: list[float], per_class: int,
                     class_names: list[str], path: Path, title: str) -> None:
    """First trajectory of each class at the recorded points nearest the wanted fractions."""
    columns = [int(np.argmin(np.abs(fractions - f))) for f in wanted]
    firsts = np.arange(len(class_names)) * per_class
    grid = trajectory_images[columns][:, firsts].transpose(1, 0, 2, 3)  # (classes, columns, H, W)
    figures.image_grid(grid, path, row_labels=class_names,
                       col_labels=[f"{100 * fractions[c]:.0f}%" for c in columns], title=title)


def main() -> None:
    p = load_params()
    device = resolve_device(p.train.device)
    model, meta = load_model("models/diffusion.pt", device, use_ema=p.sample.use_ema)
    class_names = meta["class_names"]
    bins = StyleBins.from_json(Path("data/prepared/style_bins.json").read_text())
    style = torch.as_tensor(parse_style_requests(p.sample.styles, bins), device=device)
    schedule = cosine_schedule(meta["timesteps"], meta["cosine_s"])
    classes = len(class_names)
    shape = tuple(meta["image_shape"])

    labels = torch.arange(classes, device=device).repeat_interleave(p.sample.per_class)
    steps, eta = sampler_settings(p.sample.sampler, p.sample.ddim_steps, p.sample.eta, meta["timesteps"])
    began = time.perf_counter()
    images, _ = sample(model, schedule, labels, steps=steps, eta=eta, guidance_scale=p.sample.guidance_scale,
                       generator=torch.Generator().manual_seed(p.sample.seed),
                       style_labels=style.expand(len(labels), -1), image_shape=shape)
    seconds = time.perf_counter() - began
    images = to_uint8(images)
    OUT.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(OUT / "samples.npz", images=images, labels=labels.cpu().numpy(), class_names=np.array(class_names))
    figures.image_grid(images.reshape(classes, p.sample.per_class, *images.shape[1:]), FIGURES / "samples.png",
                       row_labels=class_names, title=f"Samples ({p.sample.sampler}, {steps} steps, guidance {p.sample.guidance_scale:g})")

    per = p.sample.trajectory_per_class
    trajectory_labels = torch.arange(classes, device=device).repeat_interleave(per)
    _, trajectory = sample(model, schedule, trajectory_labels, steps=p.sample.trajectory_steps, eta=1.0,
                           guidance_scale=p.sample.guidance_scale,
                           generator=torch.Generator().manual_seed(p.sample.seed + 1),
                           style_labels=style.expand(len(trajectory_labels), -1), image_shape=shape,
                           record_every=p.sample.trajectory_every)
    x_t = np.stack([to_uint8(frame) for frame in trajectory.x_t])  # (S, N, H, W)
    x0 = np.stack([to_uint8(frame) for frame in trajectory.x0_pred])
    np.savez_compressed(OUT / "trajectory.npz", fractions=trajectory.fractions, x_t=x_t, x0_pred=x0,
                        labels=trajectory_labels.cpu().numpy())
    denoising_figure(x_t, trajectory.fractions, p.sample.denoise_fractions, per, class_names,
                     FIGURES / "denoising_xt.png", f"Reverse process x_t ({p.sample.trajectory_steps} steps, eta 1; % of denoising done)")
    denoising_figure(x0, trajectory.fractions, p.sample.denoise_fractions, per, class_names,
                     FIGURES / "denoising_x0.png", "Predicted x0 along the same trajectories")
    stage.write_json(OUT / "sample_metrics.json", {
        "sampler": p.sample.sampler, "steps": steps, "eta": eta, "guidance_scale": p.sample.guidance_scale,
        "samples": len(labels), "sample_seconds": round(seconds, 2),
        "images_per_second": round(len(labels) / seconds, 2), "styles": p.sample.styles,
    })


if __name__ == "__main__":
    stage.run(main)
