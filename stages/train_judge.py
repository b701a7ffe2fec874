"""Stage train_judge: the independent classifier, trained on real training images only, and its accuracy
on the real test set, overall and per class (`JudgeResult`). The real data's values beside a generated
set (the FID floor among them) are measured at that set's n where it is judged (`EvaluationSetup.real_at`)."""

import time

from fashion_diffusion import stage
from fashion_diffusion.config import load_params
from fashion_diffusion.core.runtime import resolve_device, set_threads
from fashion_diffusion.data.prepared import load_prepared, to_model_range
from fashion_diffusion.results.base import write_result
from fashion_diffusion.results.headline import JudgeResult
from fashion_diffusion.scoring.judge.inference import evaluate_accuracy, save_judge
from fashion_diffusion.scoring.judge.training import train_judge

OUTPUTS = ["models/judge.pt", "models/judge_metrics.json"]


def main() -> None:
    cfg = load_params().judge
    set_threads(cfg.threads)
    data = load_prepared()
    began = time.perf_counter()
    model = train_judge(
        to_model_range(data.train_images),
        data.train_labels,
        cfg,
        len(data.class_names),
        resolve_device(cfg.device, "judge.device"),
    )
    seconds = time.perf_counter() - began
    model = model.cpu()  # the checkpoint and the accuracy below are device-independent
    accuracy, per_class = evaluate_accuracy(model, to_model_range(data.test_images), data.test_labels)
    result = JudgeResult(
        test_accuracy=accuracy,
        per_class_test_accuracy=dict(zip(data.class_names, per_class.tolist())),
        test_images=len(data.test_labels),
        parameters=sum(w.numel() for w in model.parameters()),
        seconds=seconds,
    )
    with stage.Outputs("train_judge", OUTPUTS) as out:
        save_judge(model, out("models/judge.pt"))
        write_result(out("models/judge_metrics.json"), result)
    print(f"judge: test accuracy {accuracy:.4f} after {seconds:.0f} s")


if __name__ == "__main__":
    stage.run(main)
