"""What every judge-based evaluation stage starts from: the data, the judge and its reference
features of the real test set, and (optionally) the trained denoiser."""

from __future__ import annotations

from dataclasses import dataclass, field

import torch

from ..config import Params
from ..core.runtime import resolve_device
from ..data.prepared import Dataset, load_prepared, to_model_range
from ..model.checkpoint import DIFFUSION_MODEL, ModelInfo, load_denoiser
from ..model.unet import Denoiser
from ..scoring.judge.inference import load_judge
from ..stats.bootstrap import flat_estimates
from ..stats.metrics import class_accuracy
from .reference import Reference, Scores, fid_floors


@dataclass
class EvaluationSetup:
    data: Dataset
    reference: Reference
    device: torch.device
    model: Denoiser | None = None
    info: ModelInfo | None = None
    floors: dict[tuple[int, int], float] = field(default_factory=dict)  # (n, seed) -> FID floor, computed once

    def fid_floor(self, n: int, seed: int) -> float:
        """FID of n real training images against the test set: the floor for n samples."""
        if (n, seed) not in self.floors:
            train = to_model_range(self.data.train_images)
            self.floors[(n, seed)] = fid_floors(self.reference.judge, train, self.reference.test_features, [n], seed)[n]
        return self.floors[(n, seed)]

    def summary(self, scores: Scores, resamples: int, seed: int) -> dict:
        """A judged sample set as flat JSON-ready keys: fid, kid, accuracy and confidence, each with
        `_low`/`_high` (95% bootstrap), the FID floor at the same n, FID / floor, the sample count and
        the accuracy per requested class (`per_class_accuracy`, one value per class)."""
        headline = self.reference.headline(scores, resamples, seed)
        floor = self.fid_floor(len(scores.labels), seed)
        per_class = class_accuracy(scores.probs, scores.labels, self.reference.num_classes)[1]
        return {
            **flat_estimates(headline),
            "fid_floor": floor,
            "fid_over_floor": headline["fid"].value / floor,
            "samples": len(scores.labels),
            "per_class_accuracy": per_class.tolist(),
        }


def load_setup(p: Params, with_model: bool = True) -> EvaluationSetup:
    device = resolve_device(p.evaluate.device, "evaluate.device")
    data = load_prepared()
    reference = Reference.build(load_judge(), to_model_range(data.test_images), len(data.class_names))
    if not with_model:
        return EvaluationSetup(data, reference, device)
    model, info = load_denoiser(DIFFUSION_MODEL, device, use_ema=p.sample.use_ema)
    return EvaluationSetup(data, reference, device, model, info)
