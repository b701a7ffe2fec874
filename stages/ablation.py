"""Stage ablation@<variant>: one variant of ablations.variants (an architecture of model.archs)
trained once to the largest of ablations.budgets_gflop, its EMA weights kept at every budget; stage
ablation_summary judges them (usage: stages/ablation.py VARIANT)."""

import sys

from fashion_diffusion import stage
from fashion_diffusion.config import load_params
from fashion_diffusion.core.artifacts import write_json
from fashion_diffusion.core.errors import InputError
from fashion_diffusion.core.runtime import resolve_device, set_threads
from fashion_diffusion.data.prepared import load_prepared
from fashion_diffusion.studies.ablation_training import train_variant
from fashion_diffusion.style.bins import load_style_bins

OUTPUTS = ["models/ablations/{key}"]  # the EMA weights at every budget (gflop_<budget>.pt) and training.json


def main() -> None:
    p = load_params()
    variant = sys.argv[1] if len(sys.argv) == 2 else ""
    if variant not in p.ablations.variants:
        raise InputError(f"usage: stages/ablation.py VARIANT, one of {', '.join(p.ablations.variants)}")
    set_threads(p.train.threads)
    folder, arch = OUTPUTS[0].format(key=variant), p.ablations.variants[variant]
    with stage.Outputs(f"ablation@{variant}", [folder]) as out:
        record = train_variant(
            p, arch, load_style_bins(), load_prepared(), resolve_device(p.train.device, "train.device"), out(folder)
        )
        write_json(out(folder) / "training.json", {"variant": variant, **record})
    steps = ", ".join(f"{b['steps']}" for b in record["budgets"])
    print(f"{variant}: {steps} steps ({record['train_seconds']:.0f} s)")


if __name__ == "__main__":
    stage.run(main)
