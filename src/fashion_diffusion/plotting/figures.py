"""Figures: image grids and simple line plots, written as PNG with matplotlib's Agg backend."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402


def image_grid(
    images: np.ndarray,
    path: Path,
    row_labels: Sequence[str] = (),
    col_labels: Sequence[str] = (),
    title: str = "",
    cell: float = 0.9,
    highlight: np.ndarray | None = None,
) -> Path:
    """Save a grid of uint8 images (R, C, H, W). `highlight` (R, C) bool draws a green frame."""
    rows, cols = images.shape[:2]
    fig, axes = plt.subplots(
        rows, cols, figsize=(cols * cell + (1.4 if row_labels else 0.2), rows * cell + 0.6), squeeze=False
    )
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


def line_plot(
    path: Path,
    series: dict[str, tuple[Sequence[float], Sequence[float]]],
    xlabel: str,
    ylabel: str,
    title: str = "",
    logy: bool = False,
    markers: bool = False,
    intervals: dict[str, tuple[Sequence[float], Sequence[float]]] | None = None,
    ax=None,
    logx: bool = False,
) -> Path | None:
    """One line per named (x, y) series; `intervals` (name -> (low, high)) draws error bars. With `ax`,
    draws into that axis of a figure the caller saves."""
    own = ax is None
    fig, ax = plt.subplots(figsize=(6, 3.6)) if own else (None, ax)
    for name, (x, y) in series.items():
        if intervals and name in intervals:
            low, high = (np.asarray(v, dtype=float) for v in intervals[name])
            y_values = np.asarray(y, dtype=float)
            ax.errorbar(
                x, y_values, yerr=_error_bars(y_values, low, high), label=name, marker="o", markersize=3, capsize=2
            )
        else:
            ax.plot(x, y, label=name, marker="o" if markers else None, markersize=3)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if logy:
        ax.set_yscale("log")
    if logx:
        ax.set_xscale("log")
    if title:
        ax.set_title(title)
    if len(series) > 1:
        ax.legend(fontsize=7)
    ax.grid(alpha=0.3)
    if not own:
        return None
    fig.tight_layout()
    return save_figure(fig, path)


def bar_plot(
    path: Path,
    labels: Sequence[str],
    groups: dict[str, Sequence[float]],
    ylabel: str,
    title: str = "",
    errors: dict[str, Sequence[float]] | None = None,
    intervals: dict[str, tuple[Sequence[float], Sequence[float]]] | None = None,
) -> Path:
    """Grouped bars: one group per label, one bar per named series; error bars from `errors`
    (symmetric, e.g. a std) or `intervals` (name -> (low, high))."""
    fig, ax = plt.subplots(figsize=(max(6, len(labels) * 0.7), 3.6))
    width = 0.8 / len(groups)
    x = np.arange(len(labels))
    for i, (name, values) in enumerate(groups.items()):
        yerr = None if errors is None else errors.get(name)
        if intervals and name in intervals:
            values = np.asarray(values, dtype=float)
            low, high = (np.asarray(v, dtype=float) for v in intervals[name])
            yerr = _error_bars(values, low, high)
        ax.bar(x + i * width - 0.4 + width / 2, values, width, label=name, yerr=yerr, capsize=2)
    ax.set_xticks(x, labels, rotation=30, ha="right", fontsize=8)
    ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title)
    if len(groups) > 1:
        ax.legend(fontsize=7)
    ax.grid(axis="y", alpha=0.3)
    fig.tight_layout()
    return save_figure(fig, path)


def heatmaps(
    path: Path,
    matrices: Sequence[np.ndarray],
    titles: Sequence[str],
    row_labels: Sequence[str],
    col_labels: Sequence[str],
    xlabel: str,
    ylabel: str,
    suptitle: str = "",
) -> Path:
    """Side-by-side heatmaps of matrices (R, C) in [0, 1], each cell annotated with its value."""
    fig, axes = plt.subplots(
        1, len(matrices), figsize=(3.2 * len(matrices) + 1.2, 4.0), squeeze=False, layout="constrained"
    )
    for ax, matrix, title in zip(axes[0], matrices, titles):
        image = ax.imshow(matrix, vmin=0, vmax=1, cmap="viridis")
        for (r, c), value in np.ndenumerate(matrix):
            if value >= 0.05:
                ax.text(
                    c,
                    r,
                    f"{100 * value:.0f}",
                    ha="center",
                    va="center",
                    fontsize=5,
                    color="black" if value > 0.6 else "white",
                )
        ax.set_xticks(range(len(col_labels)), col_labels, rotation=90, fontsize=6)
        ax.set_yticks(range(len(row_labels)), row_labels if ax is axes[0][0] else [], fontsize=6)
        ax.set_title(title, fontsize=8)
        ax.set_xlabel(xlabel, fontsize=7)
    axes[0][0].set_ylabel(ylabel, fontsize=7)
    fig.colorbar(image, ax=list(axes[0]), fraction=0.02)
    if suptitle:
        fig.suptitle(suptitle, fontsize=10)
    return save_figure(fig, path)


def scatter_grid(
    path: Path,
    panels: Sequence[tuple[Sequence[float], Sequence[float], str, str, str]],
    point_labels: Sequence[str],
    columns: int,
) -> Path:
    """One scatter plot per panel (x, y, xlabel, ylabel, title), every point annotated with its label."""
    rows = -(-len(panels) // columns)
    fig, axes = plt.subplots(rows, columns, figsize=(3.4 * columns, 2.9 * rows), squeeze=False)
    for ax, (x, y, xlabel, ylabel, title) in zip(axes.flat, panels):
        ax.scatter(x, y, s=12)
        for xi, yi, label in zip(x, y, point_labels):
            ax.annotate(label, (xi, yi), fontsize=6, xytext=(2, 2), textcoords="offset points")
        ax.set_xlabel(xlabel, fontsize=7)
        ax.set_ylabel(ylabel, fontsize=7)
        ax.set_title(title, fontsize=8)
        ax.grid(alpha=0.3)
    for ax in list(axes.flat)[len(panels) :]:
        ax.axis("off")
    fig.tight_layout()
    return save_figure(fig, path)


def figure_of_panels(path: Path, count: int, draw, title: str = "") -> Path:
    """`count` side-by-side axes, draw(i, ax) filling each, saved as one figure."""
    fig, axes = plt.subplots(1, count, figsize=(4.6 * count, 3.4), squeeze=False)
    for i, ax in enumerate(axes[0]):
        draw(i, ax)
    if title:
        fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    return save_figure(fig, path)


def _error_bars(values: np.ndarray, low: np.ndarray, high: np.ndarray) -> list[np.ndarray]:
    """Matplotlib's (below, above) bar lengths for intervals [low, high]. Every bootstrap interval
    contains its value (FID's shifted one too); the clip keeps a bar whose interval did not (e.g. an
    old metrics file) from pointing the wrong way, since matplotlib rejects negative lengths."""
    return [np.clip(values - low, 0, None), np.clip(high - values, 0, None)]


def save_figure(fig: plt.Figure, path: Path) -> Path:
    """Write a finished matplotlib figure as PNG (folders created) and close it."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
