"""Stage ablation_clip: the CLIP alignment loss as an ablation: ablations.clip_alignment.arch trained
at the equal ablation budget with the alignment term (weight ablations.clip_alignment.weight, the
frozen in-domain scorer of stage train_clip), then sampled and judged like every other variant."""

import numpy as np

from fashion_diffusion import stage
from fashion_diffusion.config import load_params
from fashion_diffusion.core.artifacts import write_json
from fashion_diffusion.core.runtime import set_threads
from fashion_diffusion.evaluation.setup import load_setup
from fashion_diffusion.scoring.clip.loading import load_scorer
from fashion_diffusion.studies.ablation import sample_and_judge, train_variant
from fashion_diffusion.style.bins import load_style_bins
from fashion_diffusion.training.clip_alignment import clip_alignment_loss

OUTPUTS = ["data/ablations/clip_alignment.npz", "data/ablations/clip_alignment_metrics.json"]


def main() -> None:
    p = load_params()
    set_threads(p.train.threads)
    setup, settings = load_setup(p, with_model=False), p.ablations.clip_alignment
    scorer = load_scorer("trained", "", setup.device)
    prompts = [p.clip.class_prompt.format(label=name) for name in setup.data.class_names]
    trained = train_variant(
        p, settings.arch, load_style_bins(), setup, clip_alignment_loss(scorer, prompts), settings.weight
    )
    generated, metrics = sample_and_judge(trained, setup, p)
    with stage.Outputs("ablation_clip", OUTPUTS) as out:
        np.savez_compressed(out(OUTPUTS[0]), images=generated.images, labels=generated.labels)
        write_json(
            out(OUTPUTS[1]),
            {"variant": "clip_alignment", "arch": settings.arch, "alignment_weight": settings.weight, **metrics},
        )
    print(
        f"clip_alignment: {metrics['steps']} steps in {metrics['train_seconds']:.0f} s, FID {metrics['fid']:.2f}, "
        f"accuracy {metrics['accuracy']:.3f}"
    )


if __name__ == "__main__":
    stage.run(main)
