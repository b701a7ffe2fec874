"""Per-class style levels: quantile bins fitted on the training images, and style labels.

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
from pathlib import Path

import numpy as np

from ..config.style_names import level_names, parse_requests
from ..core.errors import InputError
from .attributes import compute_attributes

STYLE_BINS = Path("data/prepared/style_bins.json")


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
                raise ValueError(
                    f"style bins: edges[{name!r}] has shape {shape}, expected "
                    f"(num_classes, levels - 1) = ({self.num_classes}, {self.levels - 1})"
                )

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


def fit_style_bins(
    images: np.ndarray, class_labels: np.ndarray, attributes: list[str], levels: int, area_threshold: float
) -> StyleBins:
    """Per-class quantile bins of each attribute over training images uint8 (N, H, W).

    class_labels: int (N,) in [0, C), every class present (C = max label + 1). For class c,
    edges[a][c][i] = quantile({value_a(x) : class(x) = c}, (i + 1) / levels).
    """
    class_labels = np.asarray(class_labels, dtype=np.int64)
    counts = np.bincount(class_labels, minlength=1)
    if len(class_labels) != len(images) or counts.min() == 0:
        raise ValueError(
            f"style bins need a label per image and every class 0..{len(counts) - 1} present; "
            f"got {len(images)} images, class counts {counts.tolist()}"
        )
    values = compute_attributes(images, attributes, area_threshold)
    edges, fractions = {}, {}
    for name in attributes:
        class_edges = np.stack([fit_bins(values[name][class_labels == c], levels) for c in range(len(counts))])
        level = assign_levels(values[name], class_edges[class_labels])
        in_level = np.zeros((len(counts), levels))
        np.add.at(in_level, (class_labels, level), 1.0)
        edges[name], fractions[name] = class_edges.tolist(), (in_level / counts[:, None]).tolist()
    return StyleBins(
        attributes=list(attributes),
        edges=edges,
        level_names={name: level_names(name, levels) for name in attributes},
        train_fractions=fractions,
        area_threshold=area_threshold,
    )


def labels_for(images: np.ndarray, class_labels: np.ndarray, bins: StyleBins) -> np.ndarray:
    """Style labels of uint8 images (N, H, W) of classes (N,), each under its class's edges:
    int64 (N, A) in [0, levels)."""
    values = compute_attributes(images, bins.attributes, bins.area_threshold)
    return np.stack(
        [assign_levels(values[name], bins.edges_for(name, class_labels)) for name in bins.attributes], axis=1
    )


def null_labels(n: int, bins: StyleBins) -> np.ndarray:
    """Labels requesting no style: int64 (n, A) filled with the null level."""
    return np.full((n, len(bins.attributes)), bins.null_level, dtype=np.int64)


def parse_style_requests(requests: list[str], bins: StyleBins) -> np.ndarray:
    """["ink=bold", "slant=left"] -> int64 (A,); attributes not named get the null level."""
    label = null_labels(1, bins)[0]
    for name, level in parse_requests(requests, bins.attributes, bins.levels).items():
        label[bins.attributes.index(name)] = level
    return label


def load_style_bins(path: str | Path = STYLE_BINS) -> StyleBins:
    path = Path(path)
    try:
        return StyleBins.from_json(path.read_text())
    except FileNotFoundError:
        raise InputError(f"{path}: not found (run `dvc repro prepare` first)") from None
    except (ValueError, TypeError, KeyError, IndexError) as error:
        raise InputError(f"{path}: corrupt style bins ({str(error)[:160]})") from None
