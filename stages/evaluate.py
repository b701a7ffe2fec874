"""Stage evaluate: the independent judge's view of the generator (FID, accuracy, recognition point,
sampler trade-off, quality over training, loss by timestep) and the cost of each architecture."""
from pathlib import Path

import numpy as np
import torch

from fashion_diffusion import evaluation, figures, stage
from fashion_diffusion import judge as judge_lib
from fashion_diffusion.config import load_params, resolve_device
from fashion_diffusion.data import load_prepared, to_model_range
from fashion_diffusion.samplers import sampler_settings
from fashion_diffusion.schedule import cosine_schedule
from fashion_diffusion.training import load_model, loss_by_timestep
from fashion_diffusion.unet import UNetConfig, unet_config

OUT, FIGURES = Path("data/evaluate"), Path("reports/figures/evaluate")


def main() -> None:
    p, e = load_params(), load_params().evaluate
    device = resolve_device(p.train.device)
    data = load_prepared()
    model, meta = load_model("models/diffusion.pt", device, use_ema=p.sample.use_ema)
    schedule = cosine_schedule(meta["timesteps"], meta["cosine_s"])
    shape, classes, names = tuple(meta["image_shape"]), len(meta["class_names"]), meta["class_names"]
    judge = judge_lib.load_judge("models/judge.pt", device)
    test = to_model_range(data.test_images)
    reference = evaluation.Reference(judge, judge_lib.features(judge, test), classes)
    train_images = to_model_range(data.train_images)
    OUT.mkdir(parents=True, exist_ok=True)

    # Headline: the main sampler on fid_per_class images per class.
    steps, eta = sampler_settings(p.sample.sampler, p.sample.ddim_steps, p.sample.eta, meta["timesteps"])
    main_set = evaluation.generate(model, schedule, e.fid_per_class, classes, steps, eta, p.sample.guidance_scale, e.seed, shape)
    headline = reference.score(main_set.images, main_set.labels)
    n_main = len(main_set.labels)
    per_class_real = judge_lib.evaluate_accuracy(judge, test, data.test_labels)[1]

    tradeoff = evaluation.sampler_tradeoff(model, schedule, reference, e.tradeoff_steps, e.tradeoff_per_class,
                                           p.sample.eta, p.sample.guidance_scale, e.seed, shape)
    n_small, n_snapshot = e.tradeoff_per_class * classes, e.snapshot_per_class * classes
    snapshots = sorted(Path("models/snapshots").glob("step_*.pt"))
    quality, strip = evaluation.quality_over_training(snapshots, UNetConfig(**meta["model_config"]), schedule, reference,
                                                      e.snapshot_per_class, e.snapshot_ddim_steps, p.sample.eta,
                                                      p.sample.guidance_scale, e.seed, shape, device)
    trajectory = np.load("data/samples/trajectory.npz")
    points, curve = evaluation.recognition(reference, trajectory["x0_pred"], trajectory["labels"], trajectory["fractions"])
    held_out = slice(0, e.loss_by_t_images)
    by_t = loss_by_timestep(model, schedule, test[held_out].to(device), torch.as_tensor(data.test_labels[held_out]),
                            e.loss_by_t_buckets, e.seed)
    costs = [{"arch": name, **evaluation.arch_cost(unet_config(p.model, classes, model.config.style_levels, name), shape,
                                                   e.arch_bench_batch, e.arch_bench_steps, p.train.bf16)}
             for name in p.model.archs]

    floors = {n: judge_lib.fid_floor(judge, train_images, test, n, e.seed) for n in sorted({n_main, n_small, n_snapshot})}
    tradeoff["fid_floor"] = floors[n_small]  # each FID next to the floor at its own sample size
    quality["fid_floor"] = floors[n_snapshot]
    per_class = {"class": names, "generated_accuracy": headline["per_class_accuracy"], "real_accuracy": per_class_real,
                 "recognition_median": points.groupby("label")["recognition_point"].median().reindex(range(classes)).values,
                 "recognition_q25": points.groupby("label")["recognition_point"].quantile(0.25).reindex(range(classes)).values,
                 "recognition_q75": points.groupby("label")["recognition_point"].quantile(0.75).reindex(range(classes)).values,
                 "unrecognised": points.groupby("label")["recognition_point"].apply(lambda s: int(s.isna().sum())).reindex(range(classes)).values}
    import pandas as pd
    pd.DataFrame(per_class).to_csv(OUT / "per_class.csv", index=False)
    tradeoff.to_csv(OUT / "sampler_tradeoff.csv", index=False)
    quality.to_csv(OUT / "quality_over_training.csv", index=False)
    points.to_csv(OUT / "recognition_points.csv", index=False)
    curve.to_csv(OUT / "recognition_curve.csv", index=False)
    by_t.to_csv(OUT / "loss_by_timestep.csv", index=False)
    pd.DataFrame(costs).to_csv(OUT / "arch_cost.csv", index=False)
    np.save(OUT / "quality_strip.npy", strip)

    write_figures(names, tradeoff, quality, strip, curve, by_t, per_class)
    stage.write_json("reports/metrics/evaluate.json", {
        "fid": headline["fid"], "fid_floor": floors[n_main], "fid_samples": n_main,
        "generated_accuracy": headline["accuracy"], "generated_confidence": headline["confidence"],
        "recognition_point_median": float(np.nanmedian(points["recognition_point"])),
        "unrecognised_trajectories": int(points["recognition_point"].isna().sum()),
        "ddim_fastest_fid": float(tradeoff.iloc[0]["fid"]), "ddpm_fid": float(tradeoff.iloc[-1]["fid"]),
    })


def write_figures(names, tradeoff, quality, strip, curve, by_t, per_class) -> None:
    figures.line_plot(FIGURES / "recognition_curve.png",
                      {names[c]: (g["fraction"], g["probability"]) for c, g in curve.groupby("label")},
                      "fraction of denoising done", "judge P(requested class | x0_pred)",
                      "When does the predicted x0 become its class?")
    ddim = tradeoff[tradeoff["sampler"] == "ddim"]
    ddpm = tradeoff[tradeoff["sampler"] == "ddpm"]
    figures.line_plot(FIGURES / "sampler_tradeoff.png",
                      {"DDIM": (ddim["seconds"], ddim["fid"]), "DDPM (all steps)": (ddpm["seconds"], ddpm["fid"]),
                       "floor (real train vs test)": (tradeoff["seconds"], tradeoff["fid_floor"])},
                      "seconds for the sample set", "FID (judge features)", "Sampler trade-off", markers=True)
    figures.line_plot(FIGURES / "quality_over_training.png",
                      {"FID": (quality["step"], quality["fid"]), "floor": (quality["step"], quality["fid_floor"])},
                      "training step", "FID (judge features)", "Quality over training", markers=True)
    figures.image_grid(strip.transpose(1, 0, 2, 3), FIGURES / "quality_strip.png", row_labels=names,
                       col_labels=[f"step {s}" for s in quality["step"]], title="Same seed, EMA snapshots")
    figures.line_plot(FIGURES / "loss_by_timestep.png",
                      {"MSE": ((by_t["t_low"] + by_t["t_high"]) / 2, by_t["mse"])},
                      "timestep t (bucket centre)", "noise-prediction MSE", "Held-out loss by timestep", logy=True, markers=True)
    figures.bar_plot(FIGURES / "accuracy_per_class.png", names,
                     {"generated": per_class["generated_accuracy"], "real test": per_class["real_accuracy"]},
                     "judge accuracy", "Judge accuracy per class")


if __name__ == "__main__":
    stage.run(main)
