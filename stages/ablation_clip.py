"""Stage ablation_clip: the CLIP alignment loss as an ablation: ablations.clip_alignment.arch trained
like every variant (once, to the largest budget, EMA weights kept at each) with the alignment term
(weight ablations.clip_alignment.weight, the frozen in-domain scorer of stage train_clip)."""

from fashion_diffusion import stage
from fashion_diffusion.config import load_params
from fashion_diffusion.core.artifacts import write_json
from fashion_diffusion.core.runtime import resolve_device, set_threads
from fashion_diffusion.data.prepared import load_prepared
from fashion_diffusion.scoring.clip.loading import load_scorer
from fashion_diffusion.studies.ablation_training import train_variant
from fashion_diffusion.style.bins import load_style_bins
from fashion_diffusion.training.clip_alignment import clip_alignment_loss

OUTPUTS = ["models/ablations/clip_alignment"]  # as stage ablation@<variant> writes
FOLDER = OUTPUTS[0]


def main() -> None:
    p = load_params()
    set_threads(p.train.threads)
    settings, device = p.ablations.clip_alignment, resolve_device(p.train.device, "train.device")
    data = load_prepared()
    scorer = load_scorer("trained", "", device)
    prompts = [p.clip.class_prompt.format(label=name) for name in data.class_names]
    with stage.Outputs("ablation_clip", OUTPUTS) as out:
        record = train_variant(
            p,
            settings.arch,
            load_style_bins(),
            data,
            device,
            out(FOLDER),
            clip_alignment_loss(scorer, prompts),
            settings.weight,
        )
        write_json(out(FOLDER) / "training.json", {"variant": "clip_alignment", **record})
    print(f"clip_alignment: {record['budgets'][-1]['steps']} steps ({record['train_seconds']:.0f} s)")


if __name__ == "__main__":
    stage.run(main)
