"""Train the judge on real training images; record its test accuracy and the FID floors.

Outs: models/judge.pt, models/judge_metrics.json. Params: judge.*.
"""
import time

import torch

from fashion_diffusion import judge, stage
from fashion_diffusion.config import load_params, resolve_device
from fashion_diffusion.data import load_prepared, to_model_range


def main() -> None:
    cfg = load_params().judge
    if cfg.threads > 0:
        torch.set_num_threads(cfg.threads)
    data = load_prepared("data/prepared/fashion_mnist.npz")
    train_images, test_images = to_model_range(data.train_images), to_model_range(data.test_images)

    start = time.perf_counter()
    model = judge.train_judge(train_images, data.train_labels, cfg, resolve_device(cfg.device))
    train_seconds = time.perf_counter() - start
    model = model.cpu()  # inference below and the checkpoint are device-independent
    judge.save_judge(model, "models/judge.pt", cfg)

    accuracy, per_class = judge.evaluate_accuracy(model, test_images, data.test_labels)
    floors = judge.fid_floors(model, train_images, test_images, cfg.fid_floor_sizes, seed=cfg.seed)
    report = {
        "test_accuracy": accuracy,
        "per_class_test_accuracy": dict(zip(data.class_names, per_class.tolist())),
        "train_seconds": round(train_seconds, 1),
        "parameters": sum(p.numel() for p in model.parameters()),
        # FID of n real training images against the whole real test set, in judge features
        "fid_floor": {str(n): value for n, value in floors.items()},
        "fid_floor_reference_images": len(test_images),
    }
    stage.write_json("models/judge_metrics.json", report)
    print(f"judge: test accuracy {accuracy:.4f} after {train_seconds:.0f} s; FID floors {floors}")


if __name__ == "__main__":
    stage.run(main)
