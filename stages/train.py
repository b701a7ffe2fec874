"""Stage train: the conditional U-Net, its loss table, EMA snapshots and training figures."""
from pathlib import Path

import numpy as np
import torch

from fashion_diffusion import figures, stage
from fashion_diffusion.config import load_params, resolve_device
from fashion_diffusion.data import load_prepared, to_model_range, to_uint8
from fashion_diffusion.schedule import cosine_schedule, q_sample
from fashion_diffusion.style import StyleBins
from fashion_diffusion.training import clip_alignment_loss, save_model, train
from fashion_diffusion.unet import count_parameters, unet_config

FIGURES = Path("reports/figures/train")
FORWARD_FRACTIONS = [0.0, 0.05, 0.1, 0.25, 0.5, 0.75, 1.0]  # of the T steps


def clip_guidance(p, class_names: list[str], device: torch.device):
    from fashion_diffusion.clip_scorer import load_scorer

    scorer = load_scorer("trained", "", device)
    return clip_alignment_loss(scorer, [p.clip.class_prompt.format(label=name) for name in class_names])


def forward_figure(images: np.ndarray, labels: np.ndarray, class_names: list[str], timesteps: int, cosine_s: float) -> None:
    """One training image per class noised to several t with the schedule used in training."""
    schedule = cosine_schedule(timesteps, cosine_s)
    picks = [int(np.flatnonzero(labels == c)[0]) for c in range(len(class_names))]
    x0 = to_model_range(images[picks])
    steps = [round(f * (timesteps - 1)) for f in FORWARD_FRACTIONS]
    noise = torch.randn(x0.shape, generator=torch.Generator().manual_seed(0))
    grid = np.stack([to_uint8(q_sample(schedule, x0, torch.full((len(picks),), t), noise)) for t in steps], axis=1)
    labels = [f"t={t}\nᾱ={schedule.alpha_bars[t]:.2f}" for t in steps]
    figures.image_grid(grid, FIGURES / "forward_diffusion.png", row_labels=class_names, col_labels=labels,
                       title="Forward diffusion q(x_t | x_0), cosine schedule")


def main() -> None:
    p = load_params()
    device = resolve_device(p.train.device)
    if p.train.threads:
        torch.set_num_threads(p.train.threads)
    data = load_prepared()
    bins = StyleBins.from_json(Path("data/prepared/style_bins.json").read_text())
    model_config = unet_config(p.model, len(data.class_names), [bins.levels] * len(bins.attributes))
    schedule = cosine_schedule(p.diffusion.timesteps, p.diffusion.cosine_s)
    guidance = clip_guidance(p, data.class_names, device) if p.train.clip_loss_weight > 0 else None
    print(f"training {p.model.arch} U-Net on {device} ({len(data.train_labels)} images)")
    images = to_model_range(data.train_images)
    result = train(model_config, schedule, images, torch.as_tensor(data.train_labels),
                   torch.as_tensor(data.train_styles), p.train, device, Path("models/checkpoints/last.pt"),
                   snapshot_dir=Path("models/snapshots"), guidance_loss=guidance)
    save_model(Path("models/diffusion.pt"), result, model_config, tuple(images.shape[1:]), p.diffusion.timesteps, p.diffusion.cosine_s,
               data.class_names, bins.attributes)
    result.losses.to_csv("models/loss.csv", index=False)
    tail = result.losses.tail(max(1, len(result.losses) // 10))
    stage.write_json("models/train_metrics.json", {
        "final_loss": float(tail["loss"].mean()), "final_mse": float(tail["mse"].mean()),
        "train_seconds": round(result.seconds, 1), "steps": result.steps,
        "images_per_second": round(result.steps * p.train.batch_size / max(result.seconds, 1e-9), 1),
        "parameters": count_parameters(result.model), "device": device.type,
    })
    figures.line_plot(FIGURES / "loss_curve.png", {"loss": (result.losses["step"], result.losses["loss"])},
                      "step", "MSE (noise prediction)", "Training loss", logy=True)
    forward_figure(data.train_images, data.train_labels, data.class_names, p.diffusion.timesteps, p.diffusion.cosine_s)


if __name__ == "__main__":
    stage.run(main)
