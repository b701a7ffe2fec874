"""Figures: image grids and simple line plots, written as PNG with matplotlib's Agg backend."""
from __future__ import annotations

from pathlib import Path
from typing import Sequence

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402


def image_grid(images: np.ndarray, path: Path, row_labels: Sequence[str] = (), col_labels: Sequence[str] = (),
               title: str = "", cell: float = 0.9, highlight: np.ndarray | None = None) -> Path:
    """Save a grid of uint8 images (R, C, H, W). `highlight` (R, C) bool draws a green frame."""
    rows, cols = images.shape[:2]
    fig, axes = plt.subplots(rows, cols, figsize=(cols * cell + (1.4 if row_labels else 0.2), rows * cell + 0.6),
                             squeeze=False)
    for r in range(rows):
        for c in range(cols):
            ax = axes[r, c]
            ax.imshow(images[r, c], cmap="gray", vmin=0, vmax=255)
            ax.set_xticks([])
            ax.set_yticks([])
            for spine in ax.spines.values():
                spine.set_visible(highlight is not None)
                if highlight is not None:
                    spine.set_color("limegreen" if highlight[r, c] else "lightgray")
                    spine.set_linewidth(3 if highlight[r, c] else 1)
            if c == 0 and row_labels:
                ax.set_ylabel(row_labels[r], rotation=0, ha="right", va="center", fontsize=8)
            if r == 0 and col_labels:
                ax.set_title(col_labels[c], fontsize=8)
    if title:
        fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    return save_figure(fig, path)


def line_plot(path: Path, series: dict[str, tuple[Sequence[float], Sequence[float]]], xlabel: str, ylabel: str,
              title: str = "", logy: bool = False, markers: bool = False) -> Path:
    """One line per named (x, y) series."""
    fig, ax = plt.subplots(figsize=(6, 3.6))
    for name, (x, y) in series.items():
        ax.plot(x, y, label=name, marker="o" if markers else None, markersize=3)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if logy:
        ax.set_yscale("log")
    if title:
        ax.set_title(title)
    if len(series) > 1:
        ax.legend(fontsize=7)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    return save_figure(fig, path)


def bar_plot(path: Path, labels: Sequence[str], groups: dict[str, Sequence[float]], ylabel: str, title: str = "",
             errors: dict[str, Sequence[float]] | None = None) -> Path:
    """Grouped bars: one group per label, one bar per named series."""
    fig, ax = plt.subplots(figsize=(max(6, len(labels) * 0.7), 3.6))
    width = 0.8 / len(groups)
    x = np.arange(len(labels))
    for i, (name, values) in enumerate(groups.items()):
        ax.bar(x + i * width - 0.4 + width / 2, values, width, label=name,
               yerr=None if errors is None else errors.get(name), capsize=2)
    ax.set_xticks(x, labels, rotation=30, ha="right", fontsize=8)
    ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title)
    if len(groups) > 1:
        ax.legend(fontsize=7)
    ax.grid(axis="y", alpha=0.3)
    fig.tight_layout()
    return save_figure(fig, path)


def save_figure(fig: plt.Figure, path: Path) -> Path:
    """Write a finished matplotlib figure as PNG (folders created) and close it."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
