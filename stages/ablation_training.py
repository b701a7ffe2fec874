"""Stage ablation_training: every variant of ablations.variants (an architecture of model.archs) and
the CLIP-alignment variant (ablations.clip_alignment: its architecture trained with the alignment term
of the in-domain scorer, models/clip_scorer.pt) trained to the largest of ablations.budgets_gflop, EMA
weights kept at every budget; with the first of ablations.training_seeds, and the replicated variants
with every seed; `ablations.workers` trainings at a time; stage ablation_summary judges them."""

from tqdm import tqdm

from fashion_diffusion import stage
from fashion_diffusion.config import load_params
from fashion_diffusion.studies.ablation_training import ablation_variants, train_variants

OUTPUTS = ["models/ablations"]  # <variant>/seed_<seed>/: EMA weights at every budget (gflop_<budget>.pt), training.json


def main() -> None:
    p = load_params()
    variants = ablation_variants(p)
    with stage.Outputs("ablation_training", OUTPUTS) as out:
        bar = tqdm(  # on a terminal; each finished variant's line is printed either way
            total=len(variants),
            desc=f"ablation training, {p.ablations.workers} at a time",
            unit="training",
            disable=None,
        )
        for variant, record in train_variants(p, out(OUTPUTS[0]), variants):
            steps = ", ".join(f"{b['steps']}" for b in record["budgets"])
            threads = f"{record['threads']} thread{'' if record['threads'] == 1 else 's'}"
            bar.write(f"{variant.label}: {steps} steps ({record['train_seconds']:.0f} s on {threads})")
            bar.update()
        bar.close()


if __name__ == "__main__":
    stage.run(main)
