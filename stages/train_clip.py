"""Stage train_clip: train the in-domain CLIP scorer and validate it on real test images.

It always trains the in-domain scorer, whatever `clip.model` says: the CLIP alignment loss uses
it, and clip_eval scores samples with whichever scorer `clip.model` names.
"""

import time

from fashion_diffusion import stage
from fashion_diffusion.config import load_params
from fashion_diffusion.core.artifacts import write_json
from fashion_diffusion.core.runtime import resolve_device
from fashion_diffusion.data.prepared import load_prepared
from fashion_diffusion.scoring.clip.in_domain import architecture, save_scorer, train_scorer
from fashion_diffusion.scoring.clip.loading import load_scorer
from fashion_diffusion.scoring.clip.scores import validation_metrics

OUTPUTS = ["models/clip_scorer.pt", "models/clip_scorer_metrics.json"]


def main() -> None:
    p = load_params()
    clip = p.clip
    device = resolve_device(clip.device, "clip.device")
    data = load_prepared()
    began = time.perf_counter()
    model = train_scorer(data.train_images, data.train_labels, data.class_names, clip.train, device)
    seconds = time.perf_counter() - began
    with stage.Outputs("train_clip", OUTPUTS) as out:
        save_scorer(model, architecture(clip.train, data.train_images.shape[-1]), out("models/clip_scorer.pt"))
        scorer = load_scorer("trained", "", device, trained_path=out("models/clip_scorer.pt"))  # what was written
        limit = clip.validation_images or len(data.test_labels)
        metrics = validation_metrics(
            scorer,
            data.test_images[:limit],
            data.test_labels[:limit],
            data.class_names,
            clip.class_prompt,
            clip.prompts,
            clip.train.blur_sigma,
            clip.validation_noise_std,
            clip.train.seed,
            p.statistics.bootstrap_resamples,
            p.statistics.seed,
        )
        write_json(
            out("models/clip_scorer_metrics.json"),
            {
                **metrics,
                "validation_images": limit,
                "train_seconds": round(seconds, 1),
                "steps": clip.train.steps,
                "parameters": sum(p.numel() for p in model.parameters()),
            },
        )
    print(
        f"clip scorer: zero-shot accuracy {metrics['zero_shot_accuracy']:.4f}, AUC clear vs blurred "
        f"{metrics['auc_clear_vs_blurred']:.3f}, vs noised {metrics['auc_clear_vs_noised']:.3f}, {seconds:.0f} s"
    )


if __name__ == "__main__":
    stage.run(main)
