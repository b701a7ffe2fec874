"""The default sampler's steps and guidance re-checked at n = 1000 on the trained default model
(models/diffusion.pt): every setting from the same starting noise (sample.seed) as the pipeline's
evaluate stage, judged like it (the first row reproduces evaluate's FID). Writes
experiments/sampler_recheck/results.json.

usage: python tools/sampler_recheck.py   (after `dvc repro train`; alone, about a minute per setting)
"""

from __future__ import annotations

import json
from pathlib import Path

from fashion_diffusion.config import load_params
from fashion_diffusion.core.artifacts import write_json
from fashion_diffusion.evaluation.generation import generate
from fashion_diffusion.evaluation.setup import load_setup
from fashion_diffusion.model.samplers import Sampling
from fashion_diffusion.studies.recipe_search import worst_class

SETTINGS = [(10, 1.0), (20, 1.0), (10, 0.5), (20, 0.5)]  # (steps, guidance scale) of DPM-Solver++(2M) SDE
OUT = Path("experiments/sampler_recheck/results.json")


def main() -> None:
    p = load_params()
    setup = load_setup(p)
    real = json.loads(Path("models/judge_metrics.json").read_text())["per_class_test_accuracy"]
    results = {}
    for steps, scale in SETTINGS:
        sampling = Sampling.of(p.sample).replace(steps=steps, guidance_scale=scale)
        generated = generate(setup.model, setup.info, 100, sampling, p.sample.seed)
        judged = setup.judged(setup.judge(generated.images, generated.labels))
        results[f"{sampling.sampler}_{steps}_steps_guidance_{scale:g}"] = {
            "steps": steps,
            "guidance_scale": scale,
            "seconds": generated.seconds,
            **judged.flat(),
            "fid_over_floor": judged.fid_over_floor,
            "per_class_accuracy": dict(zip(real, judged.per_class_accuracy)),
            **worst_class(judged.per_class_accuracy, real),
        }
        print(f"{steps} steps, guidance {scale:g}: FID {judged.fid.value:.2f} ({judged.fid_over_floor:.2f}x floor)")
    write_json(OUT, results)


if __name__ == "__main__":
    main()
