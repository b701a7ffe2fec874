"""Train the in-domain CLIP scorer and validate it on real test images.

Always trains the in-domain scorer, whatever `clip.model` says: it is the scorer the CLIP-guided
training loss uses, and clip_eval scores samples with whichever scorer `clip.model` names.
Outs: models/clip_scorer.pt, models/clip_scorer_metrics.json.
Params: clip.train, clip.class_prompt, clip.prompts, clip.device, clip.validation_images.
"""
import time

from fashion_diffusion import stage
from fashion_diffusion.clip_scorer import load_scorer, save_scorer, train_scorer, validation_metrics
from fashion_diffusion.config import load_params, resolve_device
from fashion_diffusion.data import load_prepared

CHECKPOINT = "models/clip_scorer.pt"


def main() -> None:
    clip = load_params().clip
    device = resolve_device(clip.device)
    data = load_prepared("data/prepared/fashion_mnist.npz")

    start = time.perf_counter()
    model = train_scorer(data.train_images, data.train_labels, data.class_names, clip.train, device)
    train_seconds = time.perf_counter() - start
    save_scorer(model, clip.train, CHECKPOINT)

    limit = clip.validation_images or len(data.test_labels)
    scorer = load_scorer("trained", "", device, trained_path=CHECKPOINT)  # validate what was written
    metrics = validation_metrics(scorer, data.test_images[:limit], data.test_labels[:limit], data.class_names,
                                 clip.class_prompt, clip.prompts, clip.train.blur_sigma, clip.train.noise_std,
                                 clip.train.seed)
    stage.write_json("models/clip_scorer_metrics.json", {
        **metrics, "validation_images": limit, "train_seconds": round(train_seconds, 1),
        "steps": clip.train.steps, "parameters": sum(p.numel() for p in model.parameters()),
    })
    print(f"clip scorer: zero-shot accuracy {metrics['zero_shot_accuracy']:.4f}, AUC clear vs blurred "
          f"{metrics['auc_clear_vs_blurred']:.3f}, vs noised {metrics['auc_clear_vs_noised']:.3f}, "
          f"trained in {train_seconds:.0f} s")


if __name__ == "__main__":
    stage.run(main)
