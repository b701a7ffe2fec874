"""What every judge-based evaluation stage starts from: the data, the judge and its reference
features of the real test set, and (optionally) the trained denoiser."""
from __future__ import annotations

from dataclasses import dataclass

import torch

from ..config import Params
from ..data.prepared import Dataset, load_prepared, to_model_range
from ..model.checkpoint import DIFFUSION_MODEL, ModelInfo, load_denoiser
from ..model.unet import Denoiser
from ..runtime import resolve_device
from ..scoring.judge.inference import load_judge
from .reference import Reference, fid_floors


@dataclass
class EvaluationSetup:
    data: Dataset
    reference: Reference
    device: torch.device
    model: Denoiser | None = None
    info: ModelInfo | None = None

    def fid_floor(self, n: int, seed: int) -> float:
        """FID of n real training images against the test set: the floor for n samples."""
        train = to_model_range(self.data.train_images)
        return fid_floors(self.reference.judge, train, self.reference.test_features, [n], seed)[n]


def load_setup(p: Params, with_model: bool = True) -> EvaluationSetup:
    device = resolve_device(p.train.device, "train.device")
    data = load_prepared()
    reference = Reference.build(load_judge(), to_model_range(data.test_images), len(data.class_names))
    if not with_model:
        return EvaluationSetup(data, reference, device)
    model, info = load_denoiser(DIFFUSION_MODEL, device, use_ema=p.sample.use_ema)
    return EvaluationSetup(data, reference, device, model, info)
