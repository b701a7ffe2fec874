"""What every judge-based evaluation stage starts from: the data, the judge and its reference
features of the real test set, the statistics settings, and (optionally) the trained denoiser."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch

from ..config import Params
from ..core.runtime import resolve_device
from ..data.prepared import Dataset, load_prepared, to_model_range
from ..model.checkpoint import DIFFUSION_MODEL, ModelInfo, load_denoiser
from ..model.unet import Denoiser
from ..results.base import Estimate
from ..results.judged import JudgedSet, RealValues
from ..scoring.judge.inference import load_judge
from ..stats.metrics import class_accuracy
from .reference import MEASURES, Measured, RealAtN, Reference, Scores


@dataclass
class EvaluationSetup:
    data: Dataset
    reference: Reference
    device: torch.device
    resamples: int  # statistics.bootstrap_resamples
    seed: int  # statistics.seed: every bootstrap of every stage, so one set gets one interval everywhere
    model: Denoiser | None = None
    info: ModelInfo | None = None
    _real: dict[int, RealAtN] = field(default_factory=dict)

    def real_at(self, n: int) -> RealAtN:
        """What n real training images reach (the FID floor among them), computed once per n."""
        if n not in self._real:
            train = to_model_range(self.data.train_images)
            self._real[n] = self.reference.real_at(train, self.data.train_labels, n)
        return self._real[n]

    def judge(self, images: np.ndarray, labels: np.ndarray) -> Scores:
        return self.reference.judge_images(images, labels)

    def measure(self, scores: Scores) -> Measured:
        return self.reference.measure(scores, self.resamples, self.seed)

    def judged(self, scores: Scores | list[Scores]) -> JudgedSet:
        """A set (or one set per training seed, same labels: their mean) as the report shows it."""
        sets = scores if isinstance(scores, list) else [scores]
        measured = Measured.mean([self.measure(s) for s in sets])
        n = len(sets[0].labels)
        real = self.real_at(n)
        per_class = np.mean([class_accuracy(s.probs, s.labels, self.reference.num_classes)[1] for s in sets], axis=0)
        return JudgedSet(
            n=n,
            **{name: Estimate(value=measured.values[name], low=low, high=high)
               for name in MEASURES for low, high in [measured.interval(name)]},
            real=RealValues(fid=real.fid, kid=real.kid, density=real.density, coverage=real.coverage),
            judged_classes=float(np.mean([s.judged_classes for s in sets])),
            readable=all(s.readable() for s in sets),
            per_class_accuracy=per_class.tolist(),
            seeds=len(sets),
        )  # fmt: skip


def load_setup(p: Params, with_model: bool = True) -> EvaluationSetup:
    device = resolve_device(p.evaluate.device, "evaluate.device")
    data = load_prepared()
    reference = Reference.build(
        load_judge(), to_model_range(data.test_images), data.test_labels, len(data.class_names), p.statistics.seed
    )
    s = p.statistics
    if not with_model:
        return EvaluationSetup(data, reference, device, s.bootstrap_resamples, s.seed)
    model, info = load_denoiser(DIFFUSION_MODEL, device, use_ema=p.sample.use_ema)
    return EvaluationSetup(data, reference, device, s.bootstrap_resamples, s.seed, model, info)
