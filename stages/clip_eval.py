"""Stage clip_eval: score every sample with the configured CLIP scorer, and validate that scorer
on real test images so every CLIP number can be read against how well the scorer does."""

import torch

from fashion_diffusion import stage
from fashion_diffusion.config import load_params
from fashion_diffusion.core.artifacts import load_arrays, write_json
from fashion_diffusion.core.runtime import resolve_device
from fashion_diffusion.data.prepared import load_prepared, to_model_range
from fashion_diffusion.plotting import plots
from fashion_diffusion.scoring.clip.loading import load_scorer
from fashion_diffusion.scoring.clip.scores import score_samples, summarise_scores, validation_metrics

OUTPUTS = ["data/clip_scores.csv", "reports/metrics/clip.json", "reports/figures/clip_eval"]


def main() -> None:
    p = load_params()
    clip = p.clip
    scorer = load_scorer(clip.model, clip.pretrained, resolve_device(clip.device, "clip.device"))
    samples = load_arrays("data/samples/samples.npz", ["images", "labels", "class_names"], made_by="sample")
    images, labels, names = samples["images"], samples["labels"], [str(c) for c in samples["class_names"]]
    scores = score_samples(
        scorer, to_model_range(images), torch.as_tensor(labels), names, clip.prompts, clip.class_prompt
    )
    data = load_prepared()
    limit = clip.validation_images or len(data.test_labels)
    validation = validation_metrics(
        scorer,
        data.test_images[:limit],
        data.test_labels[:limit],
        names,
        clip.class_prompt,
        clip.prompts,
        clip.train.blur_sigma,
        clip.validation_noise_std,
        clip.train.seed,
        p.statistics.bootstrap_resamples,
    )
    with stage.Outputs("clip_eval", OUTPUTS) as out:
        scores.to_csv(out("data/clip_scores.csv"), index_label="sample")
        write_json(
            out("reports/metrics/clip.json"),
            {
                "scorer": clip.model
                if clip.model != "trained"
                else "trained in-domain (open_clip CLIP, stage train_clip)",
                "pretrained": clip.pretrained,
                "validation_images": limit,
                **{f"scorer_{k}": v for k, v in validation.items()},
                **summarise_scores(scores, list(clip.prompts)),
            },
        )
        plots.clip_scores(out("reports/figures/clip_eval"), scores, images, names, list(clip.prompts) + ["class_prob"])


if __name__ == "__main__":
    stage.run(main)
