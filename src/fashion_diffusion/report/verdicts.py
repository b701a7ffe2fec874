"""Verdict words from measurements: every threshold the report uses, named once, here.

A comparative word ("helps", "detects", "controlled") is written only when the 95% interval of the
effect excludes no effect; otherwise the report says the difference is not resolved at this n.
"""
from __future__ import annotations

# Style control: an attribute is "controlled" when its hit rate's interval lies above chance, and
# "controlled well" when, in addition, the hit rate beats chance by at least this margin.
STYLE_WELL_MARGIN = 0.2
# A scorer "detects" a corruption when the interval of its ROC AUC lies above 0.5 (chance).
AUC_CHANCE = 0.5


def effect(low: float, high: float, better: str, worse: str, none: str = "no resolved difference") -> str:
    """Word for an effect whose 95% interval is [low, high] (positive = better)."""
    if low > 0:
        return better
    if high < 0:
        return worse
    return none


def style_control(hit_low: float, hit_rate: float, chance: float) -> str:
    if hit_low <= chance:
        return "not resolved from chance at this n"
    return "controlled well" if hit_rate - chance >= STYLE_WELL_MARGIN else "controlled, weakly"


def detects(auc_low: float, auc_high: float) -> str:
    if auc_low > AUC_CHANCE:
        return "detects"
    if auc_high < AUC_CHANCE:
        return "ranks the wrong way (below chance)"
    return "is not resolved from chance on"
