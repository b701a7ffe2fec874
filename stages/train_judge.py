"""Stage train_judge: the independent classifier, trained on real training images only; its test
accuracy and the FID floors of real images in its feature space."""

import time

from fashion_diffusion import stage
from fashion_diffusion.config import load_params
from fashion_diffusion.core.artifacts import write_json
from fashion_diffusion.core.runtime import resolve_device, set_threads
from fashion_diffusion.data.prepared import load_prepared, to_model_range
from fashion_diffusion.evaluation.reference import fid_floors
from fashion_diffusion.scoring.judge.inference import evaluate_accuracy, features, save_judge
from fashion_diffusion.scoring.judge.training import train_judge

OUTPUTS = ["models/judge.pt", "models/judge_metrics.json"]


def main() -> None:
    cfg = load_params().judge
    set_threads(cfg.threads)
    data = load_prepared()
    train_images, test_images = to_model_range(data.train_images), to_model_range(data.test_images)
    began = time.perf_counter()
    model = train_judge(
        train_images, data.train_labels, cfg, len(data.class_names), resolve_device(cfg.device, "judge.device")
    )
    seconds = time.perf_counter() - began
    model = model.cpu()  # the checkpoint and the measurements below are device-independent
    accuracy, per_class = evaluate_accuracy(model, test_images, data.test_labels)
    floors = fid_floors(model, train_images, features(model, test_images), cfg.fid_floor_sizes, cfg.seed)
    with stage.Outputs("train_judge", OUTPUTS) as out:
        save_judge(model, out("models/judge.pt"))
        write_json(
            out("models/judge_metrics.json"),
            {
                "test_accuracy": accuracy,
                "per_class_test_accuracy": dict(zip(data.class_names, per_class.tolist())),
                "train_seconds": round(seconds, 1),
                "parameters": sum(p.numel() for p in model.parameters()),
                "fid_floor": {str(n): value for n, value in floors.items()},  # n real train images vs the test set
                "fid_floor_reference_images": len(test_images),
            },
        )
    print(f"judge: test accuracy {accuracy:.4f} after {seconds:.0f} s; FID floors {floors}")


if __name__ == "__main__":
    stage.run(main)
