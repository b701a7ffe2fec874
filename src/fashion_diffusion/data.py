"""Fashion-MNIST: read the idx files, verify them, and store compact prepared arrays.

Prepared format (`data/prepared/fashion_mnist.npz`):
    train_images (N, 28, 28) uint8, train_labels (N,) int64,
    test_images  (M, 28, 28) uint8, test_labels  (M,) int64,
    class_names  (10,) str
    train_styles (N, A) int64   style levels of each training image (see style.py)
Images enter the models as float tensors in [-1, 1] with shape (N, 1, H, W): `to_model_range`.
"""
from __future__ import annotations

import gzip
import hashlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from .errors import InputError

CLASS_NAMES = ["t-shirt", "trouser", "pullover", "dress", "coat",
               "sandal", "shirt", "sneaker", "bag", "ankle boot"]

# md5 of the *decompressed* idx bytes: Debian's .gz headers differ from upstream's.
IDX_MD5 = {
    "train-images-idx3-ubyte": "f4a8712d7a061bf5bd6d2ca38dc4d50a",
    "train-labels-idx1-ubyte": "9018921c3c673c538a1fc5bad174d6f9",
    "t10k-images-idx3-ubyte": "8181f5470baa50b63fa0f6fddb340f0a",
    "t10k-labels-idx1-ubyte": "15d484375f8d13e6eb1aabb0c3f46965",
}


class DataError(InputError, RuntimeError):
    """Missing or corrupt dataset files; the message names the file."""


@dataclass
class Dataset:
    train_images: np.ndarray
    train_labels: np.ndarray
    test_images: np.ndarray
    test_labels: np.ndarray
    class_names: list[str]
    train_styles: np.ndarray | None = None


def parse_idx(raw: bytes) -> np.ndarray:
    """Decode an idx file (big-endian header, then uint8 data) into an array."""
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] != 0x08:
        raise DataError("not an unsigned-byte idx file")
    ndim = raw[3]
    dims = [int.from_bytes(raw[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim)]
    data = np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim)
    if data.size != int(np.prod(dims)):
        raise DataError(f"idx header says {dims} but holds {data.size} bytes")
    return data.reshape(dims)


def read_verified(folder: Path, stem: str) -> np.ndarray:
    """Read `<stem>.gz` (or the plain `<stem>`) from folder and check its md5."""
    gz, plain = folder / f"{stem}.gz", folder / stem
    if gz.exists():
        raw = gzip.decompress(gz.read_bytes())
        name = gz
    elif plain.exists():
        raw, name = plain.read_bytes(), plain
    else:
        raise DataError(f"{gz}: file not found")
    digest = hashlib.md5(raw).hexdigest()
    if digest != IDX_MD5[stem]:
        raise DataError(f"{name}: md5 of the decompressed data is {digest}, expected {IDX_MD5[stem]}")
    return parse_idx(raw)


def find_source(source: str, download_fallback: bool, download_dir: str) -> Path:
    """The folder with the idx files: `source` if present, else torchvision's download."""
    folder = Path(source)
    if folder.is_dir():
        return folder
    if not download_fallback:
        raise DataError(f"{folder}: folder not found (install Debian's dataset-fashion-mnist "
                        "or set data.download_fallback: true)")
    from torchvision.datasets import FashionMNIST

    print(f"{folder} not found; downloading Fashion-MNIST with torchvision into {download_dir}")
    FashionMNIST(download_dir, train=True, download=True)
    FashionMNIST(download_dir, train=False, download=True)
    return Path(download_dir) / "FashionMNIST" / "raw"


def load_raw(folder: Path, train_limit: int = 0, test_limit: int = 0) -> Dataset:
    """Read and verify all four files; `*_limit > 0` keeps only the first N examples."""
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
    np.savez_compressed(path, train_images=dataset.train_images, train_labels=dataset.train_labels,
                        test_images=dataset.test_images, test_labels=dataset.test_labels,
                        class_names=np.array(dataset.class_names), **styles)


def load_prepared(path: str | Path = "data/prepared/fashion_mnist.npz") -> Dataset:
    path = Path(path)
    if not path.exists():
        raise DataError(f"{path}: not found (run `dvc repro prepare` first)")
    with np.load(path) as f:
        return Dataset(f["train_images"], f["train_labels"], f["test_images"], f["test_labels"],
                       [str(c) for c in f["class_names"]], f["train_styles"] if "train_styles" in f else None)


def to_model_range(images: np.ndarray | torch.Tensor) -> torch.Tensor:
    """uint8 (N, H, W) -> float32 (N, 1, H, W) in [-1, 1]."""
    x = torch.from_numpy(np.array(images, dtype=np.float32, copy=True))
    return (x / 127.5 - 1.0).unsqueeze(1)


def to_uint8(x: torch.Tensor) -> np.ndarray:
    """float (N, 1, H, W) in [-1, 1] -> uint8 (N, H, W), clipped."""
    x = ((x.detach().float().cpu().clamp(-1, 1) + 1.0) * 127.5).round()
    return x.squeeze(1).to(torch.uint8).numpy()
