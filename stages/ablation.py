"""Stage ablation@<variant>: one variant of ablations.variants (an architecture of model.archs)
trained at the equal ablation budget, then sampled and judged (usage: stages/ablation.py VARIANT)."""

import sys

import numpy as np

from fashion_diffusion import stage
from fashion_diffusion.config import load_params
from fashion_diffusion.core.artifacts import write_json
from fashion_diffusion.core.errors import InputError
from fashion_diffusion.core.runtime import set_threads
from fashion_diffusion.evaluation.setup import load_setup
from fashion_diffusion.studies.ablation import sample_and_judge, train_variant
from fashion_diffusion.style.bins import load_style_bins

OUTPUTS = ["data/ablations/{key}.npz", "data/ablations/{key}_metrics.json"]


def main() -> None:
    p = load_params()
    variant = sys.argv[1] if len(sys.argv) == 2 else ""
    if variant not in p.ablations.variants:
        raise InputError(f"usage: stages/ablation.py VARIANT, one of {', '.join(p.ablations.variants)}")
    set_threads(p.train.threads)
    setup, arch = load_setup(p, with_model=False), p.ablations.variants[variant]
    trained = train_variant(p, arch, load_style_bins(), setup)
    generated, metrics = sample_and_judge(trained, setup, p)
    paths = [path.format(key=variant) for path in OUTPUTS]
    with stage.Outputs(f"ablation@{variant}", paths) as out:
        np.savez_compressed(out(paths[0]), images=generated.images, labels=generated.labels)
        write_json(out(paths[1]), {"variant": variant, "arch": arch, "alignment_weight": 0.0, **metrics})
    print(
        f"{variant}: {metrics['steps']} steps in {metrics['train_seconds']:.0f} s, FID {metrics['fid']:.2f}, "
        f"accuracy {metrics['accuracy']:.3f}"
    )


if __name__ == "__main__":
    stage.run(main)
