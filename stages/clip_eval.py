"""Stage clip_eval: score every sample with the configured CLIP scorer, and say how far to trust it: its
validation on real test images (train_clip's for the in-domain scorer, run here for a pretrained one) with
its verdicts, and the in-domain scorer's verdicts across its training seeds (train_clip, clip_seed)."""

import torch

from fashion_diffusion import stage
from fashion_diffusion.config import load_params
from fashion_diffusion.core.artifacts import load_arrays, read_json, write_json
from fashion_diffusion.core.runtime import resolve_device
from fashion_diffusion.data.prepared import load_prepared, to_model_range
from fashion_diffusion.plotting import plots
from fashion_diffusion.results.base import write_result
from fashion_diffusion.results.clip import ClipScorerResult
from fashion_diffusion.scoring.clip.loading import load_scorer
from fashion_diffusion.scoring.clip.scores import score_samples, validation_metrics
from fashion_diffusion.studies.clip_scorer import (
    SAME_MEANING_CORRELATION,
    headline,
    same_meaning,
    sample_scores,
    seed_agreement,
    validation,
)

OUTPUTS = [
    "data/clip_scores.csv",
    "reports/metrics/clip.json",
    "reports/headline/clip.json",
    "reports/figures/clip_eval",
]
TRAINED = "models/clip_scorer_metrics.json"  # train_clip's validation of the in-domain scorer


def main() -> None:
    p = load_params()
    clip = p.clip
    scorer = load_scorer(clip.model, clip.pretrained, resolve_device(clip.device, "clip.device"))
    samples = load_arrays("data/samples/samples.npz", ["images", "labels", "class_names"], made_by="sample")
    images, labels, names = samples["images"], samples["labels"], [str(c) for c in samples["class_names"]]
    scores = score_samples(
        scorer, to_model_range(images), torch.as_tensor(labels), names, clip.prompts, clip.class_prompt
    )
    seeds = {clip.train.seed: read_json(TRAINED)}
    seeds |= {seed: read_json(f"models/clip_seeds/seed_{seed}.json") for seed in clip.spread_seeds}
    if clip.model == "trained":
        used, seed = seeds[clip.train.seed], clip.train.seed  # the same scorer, images and copies
    else:
        used, seed = pretrained_validation(scorer, p, names), None
    result = ClipScorerResult(
        scorer=clip.model if clip.model != "trained" else "trained in-domain (open_clip CLIP, stage train_clip)",
        pretrained=clip.pretrained,
        validation=validation(used, seed),
        same_meaning_at=SAME_MEANING_CORRELATION,
        same_meaning=same_meaning(used["prompt_correlations"]),
        seeds=seed_agreement([validation(metrics, s) for s, metrics in seeds.items()]),
        samples=sample_scores(scores, list(clip.prompts)),
    )
    with stage.Outputs("clip_eval", OUTPUTS) as out:
        scores.to_csv(out("data/clip_scores.csv"), index_label="sample")
        write_result(out("reports/metrics/clip.json"), result)
        write_json(out("reports/headline/clip.json"), headline(result.validation, result.samples))
        plots.clip_scores(out("reports/figures/clip_eval"), scores, images, names, list(clip.prompts) + ["class_prob"])


def pretrained_validation(scorer, p, names: list[str]) -> dict:
    """A pretrained scorer validated as train_clip validates the in-domain one (same images and copies)."""
    clip, data = p.clip, load_prepared()
    limit = clip.validation_images or len(data.test_labels)
    metrics = validation_metrics(
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
        p.statistics.seed,
    )
    return {**metrics, "validation_images": limit}


if __name__ == "__main__":
    stage.run(main)
