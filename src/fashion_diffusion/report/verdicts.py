"""Verdict words from measurements: every threshold the report uses, named once, here.

A comparative word ("helps", "better", "detects", "supported") is written only when the 95% interval
of the effect excludes no effect; otherwise the report says the difference is not resolved at this n.
"""

from __future__ import annotations

# The word for an effect whose interval includes no effect.
NOT_RESOLVED = "not resolved at this n"
# The word for a verdict that differs between runs that should agree (e.g. training seeds).
NOT_AGREED = "not resolved across training seeds"
# Style control: an attribute is "controlled" when its hit rate's interval lies above chance, and
# "controlled well" when, in addition, the hit rate beats chance by at least this margin.
STYLE_WELL_MARGIN = 0.2
# A scorer "detects" a corruption when the interval of its ROC AUC lies above 0.5 (chance).
AUC_CHANCE = 0.5


def effect(low: float, high: float, better: str, worse: str, none: str = NOT_RESOLVED) -> str:
    """Word for an effect whose 95% interval is [low, high] (positive = better)."""
    if low > 0:
        return better
    if high < 0:
        return worse
    return none


def lower_is_better(low: float, high: float, better: str = "better", worse: str = "worse") -> str:
    """Word for a difference whose 95% interval is [low, high] when lower is better (FID, loss)."""
    return effect(-high, -low, better, worse)


def comparison(low: float, high: float, subject: str, other: str, lower_is_better: bool = False) -> str:
    """A sentence comparing subject with other from the 95% interval [low, high] of subject minus other."""
    if lower_is_better:
        low, high = -high, -low
    return effect(
        low,
        high,
        f"{subject} is better than {other}",
        f"{subject} is worse than {other}",
        f"the difference between {subject} and {other} is {NOT_RESOLVED}",
    )


def style_control(hit_low: float, hit_rate: float, chance: float) -> str:
    if hit_low <= chance:
        return "not resolved from chance at this n"
    return "controlled well" if hit_rate - chance >= STYLE_WELL_MARGIN else "controlled, weakly"


def detects(auc_low: float, auc_high: float) -> str:
    if auc_low > AUC_CHANCE:
        return "detects"
    if auc_high < AUC_CHANCE:
        return "ranks below chance on"
    return "is not resolved from chance on"


def hypothesis(low: float, high: float, expected_sign: int) -> str:
    """Whether a correlation's 95% interval [low, high] supports the sign a hypothesis predicts."""
    if expected_sign < 0:
        low, high = -high, -low
    return effect(low, high, "supported", "contradicted")


def agreed(words: list[str]) -> str:
    """One verdict from several runs (e.g. training seeds): theirs when all agree, else unresolved."""
    return words[0] if len(set(words)) == 1 else NOT_AGREED
