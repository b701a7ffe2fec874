"""The prepared dataset (`data/prepared/fashion_mnist.npz`) and the model's tensor range.

    train_images (N, 28, 28) uint8, train_labels (N,) int64,
    test_images  (M, 28, 28) uint8, test_labels  (M,) int64,
    class_names  (10,) str,  train_styles (N, A) int64 (style levels, see `style.bins`)
Images enter the models as float tensors in [-1, 1] with shape (N, 1, H, W): `to_model_range`.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from ..config.constants import CLASS_NAMES
from ..core.artifacts import load_arrays
from .fashion_mnist import read_verified

PREPARED = Path("data/prepared/fashion_mnist.npz")


@dataclass
class Dataset:
    train_images: np.ndarray
    train_labels: np.ndarray
    test_images: np.ndarray
    test_labels: np.ndarray
    class_names: list[str]
    train_styles: np.ndarray | None = None

    def identity(self) -> str:
        """A digest of the training arrays: what a resumed training run must have seen."""
        digest = hashlib.sha256()
        for array in (self.train_images, self.train_labels, self.train_styles):
            if array is not None:
                digest.update(np.ascontiguousarray(array).tobytes())
        return digest.hexdigest()[:16]


def load_raw(folder: Path, train_limit: int = 0, test_limit: int = 0) -> Dataset:
    """Read and verify all four idx files; `*_limit > 0` keeps only the first N examples."""

    def take(a: np.ndarray, limit: int) -> np.ndarray:
        return a[:limit] if limit > 0 else a

    return Dataset(
        train_images=take(read_verified(folder, "train-images-idx3-ubyte"), train_limit),
        train_labels=take(read_verified(folder, "train-labels-idx1-ubyte"), train_limit).astype(np.int64),
        test_images=take(read_verified(folder, "t10k-images-idx3-ubyte"), test_limit),
        test_labels=take(read_verified(folder, "t10k-labels-idx1-ubyte"), test_limit).astype(np.int64),
        class_names=list(CLASS_NAMES),
    )


def save_prepared(dataset: Dataset, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    styles = {} if dataset.train_styles is None else {"train_styles": dataset.train_styles}
    np.savez_compressed(
        path,
        train_images=dataset.train_images,
        train_labels=dataset.train_labels,
        test_images=dataset.test_images,
        test_labels=dataset.test_labels,
        class_names=np.array(dataset.class_names),
        **styles,
    )


def load_prepared(path: str | Path = PREPARED) -> Dataset:
    """The prepared arrays; a missing, corrupt or incomplete file is one ArtifactError line."""
    f = load_arrays(
        path, ["train_images", "train_labels", "test_images", "test_labels", "class_names"], made_by="prepare"
    )
    return Dataset(
        f["train_images"],
        f["train_labels"],
        f["test_images"],
        f["test_labels"],
        [str(c) for c in f["class_names"]],
        f.get("train_styles"),
    )


def balanced_draw(labels: np.ndarray, per_class: int, seed: int) -> np.ndarray:
    """Indices of `per_class` items of every class in labels (N,), drawn without replacement, class-major."""
    rng = np.random.default_rng(seed)
    return np.concatenate(
        [rng.choice(np.flatnonzero(labels == c), per_class, replace=False) for c in np.unique(labels)]
    )


def to_model_range(images: np.ndarray | torch.Tensor) -> torch.Tensor:
    """uint8 (N, H, W) -> float32 (N, 1, H, W) in [-1, 1]."""
    x = torch.from_numpy(np.array(images, dtype=np.float32, copy=True))
    return (x / 127.5 - 1.0).unsqueeze(1)


def to_uint8(x: torch.Tensor) -> np.ndarray:
    """float (N, 1, H, W) in [-1, 1] -> uint8 (N, H, W), clipped."""
    x = ((x.detach().float().cpu().clamp(-1, 1) + 1.0) * 127.5).round()
    return x.squeeze(1).to(torch.uint8).numpy()
