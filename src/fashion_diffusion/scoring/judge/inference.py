"""Using a trained judge: its features and class probabilities, accuracy, and the checkpoint."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

import numpy as np
import torch

from ...core.artifacts import load_checkpoint, rebuilding, require_keys, save_atomic
from ...core.batching import batched
from ...stats.metrics import class_accuracy
from .net import JudgeNet, JudgeNetConfig

JUDGE = Path("models/judge.pt")


def _apply(fn, model: JudgeNet, images: torch.Tensor, batch_size: int) -> torch.Tensor:
    """fn(model, batch) over images in eval mode on the model's device; float32 on the CPU."""
    device = next(model.parameters()).device
    was_training = model.training
    model.eval()
    out = batched(lambda x: fn(model, x.to(device, torch.float32)), images, batch_size=batch_size)
    model.train(was_training)
    return out


def features(model: JudgeNet, images: torch.Tensor, batch_size: int = 1000) -> torch.Tensor:
    """Penultimate judge features: float (N, 1, 28, 28) in [-1, 1] -> (N, hidden) float32."""
    return _apply(lambda m, x: m.features(x), model, images, batch_size)


def predict_proba(model: JudgeNet, images: torch.Tensor, batch_size: int = 1000) -> torch.Tensor:
    """Class probabilities: float (N, 1, 28, 28) in [-1, 1] -> (N, num_classes) float32."""
    return _apply(lambda m, x: m(x).softmax(dim=1), model, images, batch_size)


def evaluate_accuracy(model: JudgeNet, images: torch.Tensor, labels) -> tuple[float, np.ndarray]:
    """Accuracy on labelled real images: (overall, per-class (num_classes,))."""
    return class_accuracy(predict_proba(model, images), labels, model.config.num_classes)


def save_judge(model: JudgeNet, path: str | Path) -> None:
    """Write the weights with the architecture that rebuilds the network."""
    save_atomic({"net_config": asdict(model.config), "state_dict": model.state_dict()}, path)


def load_judge(path: str | Path = JUDGE, device: torch.device | str = "cpu") -> JudgeNet:
    """Rebuild the judge saved by `save_judge`, in eval mode on `device`."""
    checkpoint = load_checkpoint(path, map_location=device, made_by="train_judge")
    require_keys(checkpoint, ["net_config", "state_dict"], path)
    with rebuilding(path):
        model = JudgeNet(JudgeNetConfig(**checkpoint["net_config"]))
        model.load_state_dict(checkpoint["state_dict"])
    return model.to(device).eval()
