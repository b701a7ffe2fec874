"""Style attributes measured from pixels, binned into named levels for conditioning.

Each attribute is one number per image, computed from uint8 images (N, 28, 28):
    ink    mean intensity in [0, 1]                      light / medium / bold
    area   fraction of pixels brighter than a threshold  thin / medium / wide
    slant  lean of the vertical axis, in degrees         left / upright / right
Levels are quantile bins fitted PER CLASS on the TRAINING images (`fit_style_bins`): the
attributes mostly track the class (shoes lean, bags are bold), so global bins would make
"slant=right" almost impossible for a t-shirt and the style label would re-encode the class.
With per-class edges, "bold" means bold for that class, and each class has ~1/levels of its
training images in each level. The bins are stored as `data/prepared/style_bins.json` and
reused unchanged for generated images, each judged by the edges of the class it was made for.

Style labels are int64 (N, A), one column per attribute in `StyleBins.attributes` order;
level `levels` (one past the last) is the null level: "no style requested".
"""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd

from fashion_diffusion.errors import InputError
from fashion_diffusion.metrics import spearman

# Names for the default three levels; other level counts are named level0..levelN-1.
THREE_LEVEL_NAMES = {
    "ink": ["light", "medium", "bold"],
    "area": ["thin", "medium", "wide"],
    "slant": ["left", "upright", "right"],  # "left" = top leans left, "\", negative slant
}


class StyleRequestError(InputError, ValueError):
    """An unknown style attribute or level; the message lists the valid names."""


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
    _check_attribute_names(names)
    formulas = {"ink": lambda: ink(images), "area": lambda: area(images, area_threshold),
                "slant": lambda: slant(images)}
    return {name: formulas[name]() for name in names}


def fit_bins(values: np.ndarray, levels: int) -> np.ndarray:
    """Quantile edges splitting values (N,) into `levels` equal-count bins: (levels - 1,).

    edges[i] = quantile(values, (i + 1) / levels), numpy's linear interpolation.
    """
    if levels < 2:
        raise ValueError(f"style levels must be at least 2, got {levels}")
    return np.quantile(np.asarray(values, dtype=np.float64), np.arange(1, levels) / levels)


def assign_levels(values: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """Level of each value (N,): the number of its edges <= value, int64 in [0, K].

    edges: (K,) shared by all values, or (N, K), one row per value (e.g. its class's edges).
    """
    values, edges = np.asarray(values, dtype=np.float64), np.asarray(edges, dtype=np.float64)
    return np.sum(values[:, None] >= edges, axis=-1, dtype=np.int64)


def level_names_for(attribute: str, levels: int) -> list[str]:
    """Human names of an attribute's levels, lowest value first."""
    if levels == 3:
        return list(THREE_LEVEL_NAMES[attribute])
    return [f"level{i}" for i in range(levels)]


@dataclass
class StyleBins:
    """Everything needed to label any image of any class with its class's style levels.

    edges[a]: (num_classes, levels - 1), row c increasing, the quantile edges of class c;
    train_fractions[a]: (num_classes, levels), row c the share of class c's training images in
    each level (1/levels up to ties, which are common for `area`; a chance rate for control);
    level_names[a]: (levels,). Nested lists, so the JSON round trip is exact.
    """
    attributes: list[str]
    edges: dict[str, list[list[float]]]
    level_names: dict[str, list[str]]
    train_fractions: dict[str, list[list[float]]]
    area_threshold: float

    def __post_init__(self) -> None:
        for name in self.attributes:
            shape = np.shape(self.edges.get(name))
            if shape != (self.num_classes, self.levels - 1):
                raise ValueError(f"style bins: edges[{name!r}] has shape {shape}, expected "
                                 f"(num_classes, levels - 1) = ({self.num_classes}, {self.levels - 1})")

    @property
    def levels(self) -> int:
        return len(self.level_names[self.attributes[0]])

    @property
    def num_classes(self) -> int:
        return len(self.train_fractions[self.attributes[0]])

    @property
    def null_level(self) -> int:
        """The label meaning "no style requested" for an attribute."""
        return self.levels

    def edges_for(self, attribute: str, class_labels: np.ndarray) -> np.ndarray:
        """Edges of each image's class: class labels (N,) -> float64 (N, levels - 1)."""
        class_labels = np.asarray(class_labels, dtype=np.int64)
        bad = class_labels[(class_labels < 0) | (class_labels >= self.num_classes)]
        if bad.size:
            raise ValueError(f"class label {int(bad[0])} outside the {self.num_classes} classes of the style bins")
        return np.asarray(self.edges[attribute], dtype=np.float64)[class_labels]

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2)

    @classmethod
    def from_json(cls, text: str) -> StyleBins:
        return cls(**json.loads(text))


def fit_style_bins(images: np.ndarray, class_labels: np.ndarray, attributes: list[str], levels: int,
                   area_threshold: float) -> StyleBins:
    """Per-class quantile bins of each attribute over training images uint8 (N, H, W).

    class_labels: int (N,) in [0, C), every class present (C = max label + 1). For class c,
    edges[a][c][i] = quantile({value_a(x) : class(x) = c}, (i + 1) / levels).
    """
    class_labels = np.asarray(class_labels, dtype=np.int64)
    counts = np.bincount(class_labels, minlength=1)
    if len(class_labels) != len(images) or counts.min() == 0:
        raise ValueError(f"style bins need a label per image and every class 0..{len(counts) - 1} present; "
                         f"got {len(images)} images, class counts {counts.tolist()}")
    values = compute_attributes(images, attributes, area_threshold)
    edges, fractions = {}, {}
    for name in attributes:
        class_edges = np.stack([fit_bins(values[name][class_labels == c], levels) for c in range(len(counts))])
        level = assign_levels(values[name], class_edges[class_labels])
        in_level = np.zeros((len(counts), levels))
        np.add.at(in_level, (class_labels, level), 1.0)
        edges[name], fractions[name] = class_edges.tolist(), (in_level / counts[:, None]).tolist()
    return StyleBins(attributes=list(attributes), edges=edges,
                     level_names={name: level_names_for(name, levels) for name in attributes},
                     train_fractions=fractions, area_threshold=area_threshold)


def labels_for(images: np.ndarray, class_labels: np.ndarray, bins: StyleBins) -> np.ndarray:
    """Style labels of uint8 images (N, H, W) of classes (N,), each under its class's edges:
    int64 (N, A) in [0, levels)."""
    values = compute_attributes(images, bins.attributes, bins.area_threshold)
    return np.stack([assign_levels(values[name], bins.edges_for(name, class_labels))
                     for name in bins.attributes], axis=1)


def null_labels(n: int, bins: StyleBins) -> np.ndarray:
    """Labels requesting no style: int64 (n, A) filled with the null level."""
    return np.full((n, len(bins.attributes)), bins.null_level, dtype=np.int64)


def parse_style_requests(requests: list[str], bins: StyleBins) -> np.ndarray:
    """["ink=bold", "slant=left"] -> int64 (A,); attributes not named get the null level."""
    label = null_labels(1, bins)[0]
    valid = ", ".join(f"{name}={'|'.join(bins.level_names[name])}" for name in bins.attributes)
    seen = set()
    for request in requests:
        name, _, level = request.partition("=")
        name, level = name.strip(), level.strip()
        if name not in bins.attributes or level not in bins.level_names[name]:
            raise StyleRequestError(f"unknown style {request!r}; valid: {valid}")
        if name in seen:
            raise StyleRequestError(f"style {name!r} requested twice in {requests}")
        seen.add(name)
        label[bins.attributes.index(name)] = bins.level_names[name].index(level)
    return label


def within_class_z(values: np.ndarray, class_labels: np.ndarray) -> np.ndarray:
    """z = (value - mean_c) / std_c over the values of the same class (N,) -> (N,).

    Population std; a class with constant values (or a single one) gets z = 0.
    """
    values, class_labels = np.asarray(values, dtype=np.float64), np.asarray(class_labels)
    z = np.zeros_like(values)
    for c in np.unique(class_labels):
        members = class_labels == c
        std = values[members].std()
        z[members] = (values[members] - values[members].mean()) / std if std > 0 else 0.0
    return z


def control_table(requested: np.ndarray, values: dict[str, np.ndarray], class_labels: np.ndarray,
                  bins: StyleBins) -> tuple[pd.DataFrame, pd.DataFrame]:
    """How well generated images land in the style level they were asked for, within their class.

    requested: int64 (N, A) style labels used for generation (null = not requested);
    values: {attribute: (N,)} recomputed from the generated images; class_labels: (N,) the
    class each image was generated for. Image i hits if assign_levels(value_i, edges[class_i])
    equals its requested level. z_i = within_class_z of the value among the images of its
    class that requested this attribute, so class differences do not drive the monotonicity.
    Returns (per_level, summary):
      per_level: attribute, level, level_name, n, hit_rate, chance_uniform (1 / levels),
                 chance_train (mean over the level's images of train_fractions[class_i][level]),
                 mean_value, mean_z;
      summary:   attribute, n, mean_hit_rate and mean chances over the requested levels,
                 spearman (requested level vs raw value, pooled over classes),
                 means_increasing (raw mean_value), spearman_within_class (level vs z),
                 z_means_increasing (mean_z increases with the level).
    """
    requested, class_labels = np.asarray(requested, dtype=np.int64), np.asarray(class_labels, dtype=np.int64)
    rows, summaries = [], []
    for column, name in enumerate(bins.attributes):
        asked = requested[:, column] != bins.null_level
        if not asked.any():
            continue
        level, classes = requested[asked, column], class_labels[asked]
        value = np.asarray(values[name], dtype=np.float64)[asked]
        z = within_class_z(value, classes)
        table = _control_levels(name, level, value, z, classes, bins)
        rows.append(table)
        summaries.append(_control_summary(table, level, value, z))
    return pd.concat(rows, ignore_index=True) if rows else pd.DataFrame(), pd.DataFrame(summaries)


def _control_levels(name: str, level: np.ndarray, value: np.ndarray, z: np.ndarray, classes: np.ndarray,
                    bins: StyleBins) -> pd.DataFrame:
    """One row per requested level of one attribute (see `control_table`)."""
    hit = assign_levels(value, bins.edges_for(name, classes)) == level
    chance_train = np.asarray(bins.train_fractions[name])[classes, level]  # (n,) per image
    return pd.DataFrame([{
        "attribute": name, "level": int(lv), "level_name": bins.level_names[name][lv],
        "n": int((level == lv).sum()), "hit_rate": float(hit[level == lv].mean()),
        "chance_uniform": 1.0 / bins.levels, "chance_train": float(chance_train[level == lv].mean()),
        "mean_value": float(value[level == lv].mean()), "mean_z": float(z[level == lv].mean()),
    } for lv in np.unique(level)])


def _control_summary(table: pd.DataFrame, level: np.ndarray, value: np.ndarray, z: np.ndarray) -> dict:
    """Summary row of one attribute from its per-level table and per-image arrays (n,)."""
    enough = len(level) >= 2
    return {
        "attribute": table["attribute"].iloc[0], "n": len(level), "mean_hit_rate": table["hit_rate"].mean(),
        "chance_uniform": table["chance_uniform"].iloc[0], "chance_train": table["chance_train"].mean(),
        "spearman": spearman(level, value) if enough else float("nan"),
        "means_increasing": bool(np.all(np.diff(table["mean_value"]) > 0)),
        "spearman_within_class": spearman(level, z) if enough else float("nan"),
        "z_means_increasing": bool(np.all(np.diff(table["mean_z"]) > 0)),
    }


def _check_attribute_names(names: list[str]) -> None:
    unknown = [name for name in names if name not in THREE_LEVEL_NAMES]
    if unknown:
        raise ValueError(f"unknown style attribute {unknown[0]!r} (valid: {', '.join(THREE_LEVEL_NAMES)})")
