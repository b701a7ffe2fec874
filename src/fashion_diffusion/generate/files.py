"""What `generate` writes: a PNG grid (a row of images per class) and/or an .npz of the images."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..core.errors import InputError
from ..plotting.figures import image_grid

GRID_COLUMNS = 16  # a class with more images continues on the next row
SUFFIXES = (".png", ".npz")


def check_outputs(paths: list[Path]) -> None:
    for path in paths:
        if path.suffix.lower() not in SUFFIXES:
            raise InputError(f"--out {path}: write a .png grid or an .npz file")
        if not path.resolve().parent.is_dir():
            raise InputError(f"--out {path}: folder {path.parent} does not exist")


def write(
    path: Path, images: np.ndarray, labels: np.ndarray, class_names: list[str], title: str, settings: dict
) -> None:
    """images uint8 (N, H, W) in class-major order, labels (N,) class indices."""
    if path.suffix.lower() == ".npz":
        np.savez_compressed(
            path,
            images=images,
            labels=labels,
            class_names=np.array(class_names),
            **{key: np.asarray(value) for key, value in settings.items()},
        )
    else:
        grid, row_labels = grid_rows(images, labels, class_names)
        image_grid(grid, path, row_labels=row_labels, title=title)


def grid_rows(images: np.ndarray, labels: np.ndarray, class_names: list[str]) -> tuple[np.ndarray, list[str]]:
    """(rows, columns, H, W) with each class starting a new row, blank cells black; the class name labels
    its first row."""
    columns = min(GRID_COLUMNS, max(np.bincount(labels)))
    rows, names = [], []
    for label in dict.fromkeys(labels.tolist()):
        own = images[labels == label]
        for start in range(0, len(own), columns):
            row = np.zeros((columns, *images.shape[1:]), dtype=images.dtype)
            row[: len(own[start : start + columns])] = own[start : start + columns]
            rows.append(row)
            names.append(class_names[label] if start == 0 else "")
    return np.stack(rows), names
