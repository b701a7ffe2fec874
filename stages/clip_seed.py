"""Stage clip_seed@<seed>: the in-domain CLIP scorer trained again with another seed (clip.spread_seeds),
validated exactly as stage train_clip validates its own (the same test images and corrupted copies),
so the report can show how far the scorer's verdicts move with the training seed alone."""

import sys
import tempfile
import time
from pathlib import Path

from fashion_diffusion import stage
from fashion_diffusion.config import load_params
from fashion_diffusion.core.artifacts import write_json
from fashion_diffusion.core.errors import InputError
from fashion_diffusion.core.runtime import resolve_device
from fashion_diffusion.data.prepared import load_prepared
from fashion_diffusion.scoring.clip.in_domain import architecture, save_scorer, train_scorer
from fashion_diffusion.scoring.clip.loading import load_scorer
from fashion_diffusion.scoring.clip.scores import validation_metrics

OUTPUTS = ["models/clip_seeds/seed_{key}.json"]


def main() -> None:
    p = load_params()
    clip = p.clip
    seed = int(sys.argv[1]) if len(sys.argv) == 2 and sys.argv[1].isdigit() else -1
    if seed not in clip.spread_seeds:
        raise InputError(f"usage: stages/clip_seed.py SEED, one of clip.spread_seeds {clip.spread_seeds}")
    device, data = resolve_device(clip.device, "clip.device"), load_prepared()
    recipe = clip.train.model_copy(update={"seed": seed})
    began = time.perf_counter()
    model = train_scorer(data.train_images, data.train_labels, data.class_names, recipe, device)
    seconds = time.perf_counter() - began
    with tempfile.TemporaryDirectory() as folder:
        save_scorer(model, architecture(recipe, data.train_images.shape[-1]), Path(folder) / "scorer.pt")
        scorer = load_scorer("trained", "", device, trained_path=Path(folder) / "scorer.pt")
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
    )  # train_clip's validation draw
    path = OUTPUTS[0].format(key=seed)
    with stage.Outputs(f"clip_seed@{seed}", [path]) as out:
        write_json(
            out(path),
            {
                **metrics,
                "seed": seed,
                "validation_images": limit,
                "train_seconds": round(seconds, 1),
                "steps": recipe.steps,
            },
        )
    print(
        f"clip scorer seed {seed}: zero-shot accuracy {metrics['zero_shot_accuracy']:.4f}, AUC clear vs noised "
        f"{metrics['auc_clear_vs_noised']:.3f}, {seconds:.0f} s"
    )


if __name__ == "__main__":
    stage.run(main)
