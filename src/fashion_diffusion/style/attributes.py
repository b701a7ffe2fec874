"""Style attributes measured from pixels: one number per image of uint8 images (N, H, W).

ink    mean intensity in [0, 1]
area   fraction of pixels brighter than a threshold
slant  lean of the vertical axis, in degrees
"""

from __future__ import annotations

import numpy as np

from ..config.style_names import STYLE_LEVEL_NAMES


def ink(images: np.ndarray) -> np.ndarray:
    """Mean intensity: ink = sum(I) / (255 * H * W), in [0, 1].  uint8 (N, H, W) -> (N,)."""
    return images.mean(axis=(1, 2), dtype=np.float64) / 255.0


def area(images: np.ndarray, threshold: float) -> np.ndarray:
    """Covered fraction: area = mean(I / 255 > threshold), in [0, 1].  uint8 (N, H, W) -> (N,)."""
    return (images > threshold * 255.0).mean(axis=(1, 2))


def slant(images: np.ndarray) -> np.ndarray:
    """Lean of the image's vertical axis, degrees from vertical, in (-90, 90).  uint8 (N, H, W) -> (N,).

    Coordinates: x = column (rightward), y = -row (upward, since row indices grow downward).
    With intensity weights I, centroid (x_c, y_c) and central moments
        mu02 = sum I (y - y_c)^2,  mu11 = sum I (x - x_c)(y - y_c),
    the least-squares line x - x_c = s (y - y_c) has slope s = mu11 / mu02 (the deskewing
    shear), and
        slant = atan2(mu11, mu02)    (mu02 >= 0, so the angle is in (-90, 90)).
    Sign: "/" (top leans right) > 0, "\\" (top leans left) < 0, upright or horizontal bar = 0;
    a blank image has slant 0. Unlike the principal-axis angle, 1/2 atan2(2 mu11, mu02 - mu20),
    this does not jump between -90 and +90 for wide, near-horizontal items (shoes, bags).
    """
    weights = images.astype(np.float64)  # (N, H, W)
    height, width = images.shape[1:]
    x = np.arange(width, dtype=np.float64)  # (W,)
    y = -np.arange(height, dtype=np.float64)  # (H,)
    row_mass = weights.sum(axis=2)  # (N, H)
    mass = np.maximum(row_mass.sum(axis=1), 1e-12)  # (N,); blank images keep zero moments
    x_c = weights.sum(axis=1) @ x / mass  # (N,)
    y_c = row_mass @ y / mass
    dy = y[None, :] - y_c[:, None]  # (N, H)
    mu02 = (row_mass * dy**2).sum(axis=1)
    row_moment_x = weights @ x - x_c[:, None] * row_mass  # (N, H): sum over columns of I (x - x_c)
    mu11 = (row_moment_x * dy).sum(axis=1)
    return np.degrees(np.arctan2(mu11, mu02))


def compute_attributes(images: np.ndarray, names: list[str], area_threshold: float) -> dict[str, np.ndarray]:
    """Named attributes of uint8 images (N, H, W): {name: float64 (N,)}."""
    unknown = [name for name in names if name not in STYLE_LEVEL_NAMES]
    if unknown:
        raise ValueError(f"unknown style attribute {unknown[0]!r} (valid: {', '.join(STYLE_LEVEL_NAMES)})")
    formulas = {
        "ink": lambda: ink(images),
        "area": lambda: area(images, area_threshold),
        "slant": lambda: slant(images),
    }
    return {name: formulas[name]() for name in names}
