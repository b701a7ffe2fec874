"""How well generation follows a style request (bonus 4): per attribute and level, how often the style
recomputed from the generated pixels lands in the requested level, against chance."""

from __future__ import annotations

from .base import Comparison, Estimate, Result

# The words of a hit rate against chance (1 / levels): (above, below)
CHANCE_WORDS = ("above chance", "below chance")


class StyleLevel(Result):
    """One requested level: its hit rate (95% interval over its images, resampled within classes), the
    hit rate minus chance as a comparison in the family of all levels (Holm), and the attribute's mean
    raw value and mean within-class z among its images."""

    level: int  # its index among the attribute's levels
    name: str
    n: int
    hit_rate: Estimate
    versus_chance: Comparison
    chance_train: float  # the share of the class's training images at this level, averaged over the images
    mean_value: float
    mean_z: float


class StyleAttribute(Result):
    """An attribute over its levels: the pooled hit rate (95% interval over its images, resampled within
    levels) against chance, the rank correlation of requested level with the recomputed value (raw, and z
    within the class so that class offsets do not drive it), and the verdict, which names any level hit
    less often than chance (a pooled rate never hides one)."""

    name: str
    n: int
    hit_rate: Estimate
    chance: float  # 1 / levels
    versus_chance: Comparison  # the pooled hit rate minus chance, in the family of all attributes (Holm)
    spearman: float | None
    spearman_within_class: float | None
    verdict: str  # e.g. "controlled well", "controlled except at upright"
    levels: list[StyleLevel]


class StyleControl(Result):
    per_level: int  # images per class at each requested level
    family: str  # of the levels' comparisons with chance
    attributes: list[StyleAttribute]
