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

from ..evaluation.comparison import set_comparisons
from ..evaluation.generation import generate
from ..evaluation.setup import EvaluationSetup
from ..model.samplers import ETA_SAMPLERS, Sampling, sampler_settings
from ..results.sets import SamplerRun, SamplerStudy

FAMILY = "samplers against the default"


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


def sampler_tradeoff(setup: EvaluationSetup, runs: list[StudyRun], default: int, seed: int) -> SamplerStudy:
    """Every run sampled from `seed` (after an untimed warm-up) and judged; each run of the default
    run's labels compared with it image for image (one family); a run of its own n pairs with none."""
    model, info = setup.model, setup.info
    generated, scores = [], []
    for run in runs:
        generate(model, info, 1, run.sampling, seed)  # the warm-up, not timed
        out = generate(model, info, run.per_class, run.sampling, seed)
        generated.append(out)
        scores.append(setup.judge(out.images, out.labels))
    base = scores[default]
    paired = {i: s for i, s in enumerate(scores) if i != default and np.array_equal(s.labels, base.labels)}
    versus = set_comparisons(FAMILY, setup, base, paired) if paired else {}
    rows = []
    for i, (run, out, score) in enumerate(zip(runs, generated, scores)):
        s = run.sampling
        steps, eta = sampler_settings(s.sampler, s.steps, s.eta, info.schedule().timesteps)
        judged = setup.judged(score)
        rows.append(
            SamplerRun(
                sampler=s.sampler,
                steps=steps,
                eta=eta if s.sampler in ETA_SAMPLERS else None,
                guidance_scale=s.guidance_scale,
                per_class=run.per_class,
                default=i == default,
                seconds=out.seconds,
                seconds_per_1000=1000 * out.seconds / len(out.labels),
                judged=judged,
                versus_default=versus.get(i),
            )
        )
        print(
            f"{s.sampler} {steps:4d} steps, {judged.n} images: {out.seconds:6.1f} s, FID "
            f"{judged.fid.value:.2f} (floor {judged.real.fid:.2f}), accuracy {judged.accuracy.value:.3f}"
        )
    return SamplerStudy(family=FAMILY, runs=rows)


def table(study: SamplerStudy) -> pd.DataFrame:
    """One row per run (settings, seconds, the judged set's flat keys): the CSV for DVC's plots."""
    return pd.DataFrame(
        [
            {
                "sampler": r.sampler,
                "steps": r.steps,
                "eta": r.eta,
                "default": r.default,
                "seconds_per_1000": r.seconds_per_1000,
                **r.judged.flat(),
            }
            for r in study.runs
        ]
    )
