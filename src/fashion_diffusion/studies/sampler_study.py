"""The sampler trade-off: time against judged quality for each sampler and step count.

Every run samples `per_class` images of every class from the same seed. Runs with as many images per
class as the default sampler's run request the same labels, so image i of each starts from the same
noise as image i of the default run: they are compared with it image for image (a paired bootstrap,
`evaluation/comparison.py`). A run judged on its own, smaller n (DDPM at all T steps is slow) requests
other labels and pairs with no run; its FID stands next to the floor at its own n.

Each run is timed after one untimed warm-up call of the same sampler (one image per class), so no time
includes a one-off start-up (the first model call, a library's first import, the first allocations).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..evaluation.comparison import paired_differences
from ..evaluation.generation import generate
from ..evaluation.setup import EvaluationSetup
from ..model.samplers import Sampling, sampler_settings
from ..stats.bootstrap import flat_estimates

# the differences from the default run, for runs that pair with it (NaN for the others)
DIFFERENCES = ("accuracy_difference", "fid_difference")


@dataclass(frozen=True)
class StudyRun:
    """One run of the study: a sampler with its settings, and the images per class it generates."""

    sampling: Sampling
    per_class: int


def with_default(runs: list[StudyRun], default: StudyRun, timesteps: int) -> tuple[list[StudyRun], int]:
    """The runs and the index of the default sampler's run among them: the first run that samples as
    `default` does (the same settings once `sampler_settings` has resolved them, as many images per
    class); when no run does, `default` is added first."""

    def resolved(run: StudyRun) -> tuple:
        s = run.sampling
        return s.sampler, *sampler_settings(s.sampler, s.steps, s.eta, timesteps), s.guidance_scale, run.per_class

    for index, run in enumerate(runs):
        if resolved(run) == resolved(default):
            return runs, index
    return [default, *runs], 0


def sampler_tradeoff(
    setup: EvaluationSetup, runs: list[StudyRun], default: int, resamples: int, seed: int
) -> pd.DataFrame:
    """One row per run, all from `seed`: its settings and sample count, whether it is the default run
    and whether it pairs with it, seconds (after a warm-up) and seconds per 1000 images, the judged
    quality with 95% intervals and the FID floor at its n (`EvaluationSetup.summary`), and for a run
    that pairs with the default, its accuracy and FID minus the default's (paired intervals)."""
    model, info = setup.model, setup.info
    generated, scores = [], []
    for run in runs:
        generate(model, info, 1, run.sampling, seed)  # the warm-up, not timed
        out = generate(model, info, run.per_class, run.sampling, seed)
        generated.append(out)
        scores.append(setup.reference.judge_images(out.images, out.labels))
    base = scores[default]
    paired = {i: score for i, score in enumerate(scores) if i != default and np.array_equal(score.labels, base.labels)}
    differences = paired_differences(base, paired, setup.reference.gaussian, resamples, seed) if paired else {}
    unpaired = {f"{name}{end}": np.nan for name in DIFFERENCES for end in ("", "_low", "_high")}
    rows = []
    for i, (run, out, score) in enumerate(zip(runs, generated, scores)):
        s = run.sampling
        steps, eta = sampler_settings(s.sampler, s.steps, s.eta, info.schedule().timesteps)
        summary = {k: v for k, v in setup.summary(score, resamples, seed).items() if k != "per_class_accuracy"}
        rows.append(
            {
                "sampler": s.sampler,
                "steps": steps,
                "eta": eta,
                "guidance_scale": s.guidance_scale,
                "per_class": run.per_class,
                "default": i == default,
                "paired": i in paired,
                "seconds": out.seconds,
                "seconds_per_1000": 1000 * out.seconds / len(out.labels),
                **summary,
                **(flat_estimates(differences[i]) if i in paired else unpaired),
            }
        )
        print(
            f"{s.sampler} {steps:4d} steps, eta {eta:g}, {len(out.labels)} images: {out.seconds:6.1f} s, "
            f"FID {summary['fid']:.2f} (floor {summary['fid_floor']:.2f}), accuracy {summary['accuracy']:.3f}"
        )
    return pd.DataFrame(rows)
