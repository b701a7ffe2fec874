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
# "controlled well" when, in addition, the hit rate beats chance by at least this margin; both only
# when none of its levels is below chance (`style_control`).
STYLE_WELL_MARGIN = 0.2
# Style control per level: the words for a level whose hit rate's interval lies wholly above or wholly
# below chance (`style_level`); between, NOT_RESOLVED.
STYLE_ABOVE_CHANCE = "above chance"
STYLE_BELOW_CHANCE = "below chance"
# A scorer "detects" a corruption when the interval of its ROC AUC lies above 0.5 (chance).
AUC_CHANCE = 0.5
# Two CLIP prompts mean the same to a scorer when their probabilities over the validation images
# (clean, blurred and noised) correlate at least this much: one of them says nothing the other does not.
SAME_MEANING_CORRELATION = 0.9


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


def style_level(hit_low: float, hit_high: float, chance: float) -> str:
    """Word for one requested level of a style attribute, from the 95% interval [hit_low, hit_high] of
    its hit rate (the share of images asked for the level that measure at it) and chance (1 / levels)."""
    return effect(hit_low - chance, hit_high - chance, STYLE_ABOVE_CHANCE, STYLE_BELOW_CHANCE)


def style_control(hit_low: float, hit_rate: float, chance: float, level_words: dict[str, str]) -> str:
    """Word for one style attribute: its hit rate over all levels with the interval's low end, chance
    (1 / levels), and {level name: `style_level` word} of its levels in order.

    A level fails when its word is STYLE_BELOW_CHANCE. With no failing level: "controlled well" when
    the attribute's interval lies above chance and its hit rate beats chance by STYLE_WELL_MARGIN,
    "controlled, weakly" when only the interval lies above chance, else not resolved from chance.
    With failing levels, named: "controlled except at upright" when the attribute's interval still
    lies above chance, "not controlled at upright" when it does not, "not controlled at any level"
    when every level fails. A pooled rate never hides a level that misses more often than chance.
    """
    failing = [name for name, word in level_words.items() if word == STYLE_BELOW_CHANCE]
    if failing and len(failing) == len(level_words):
        return "not controlled at any level"
    if failing:
        where = failing[0] if len(failing) == 1 else f"{', '.join(failing[:-1])} and {failing[-1]}"
        return f"controlled except at {where}" if hit_low > chance else f"not controlled at {where}"
    if hit_low <= chance:
        return "not resolved from chance at this n"
    return "controlled well" if hit_rate - chance >= STYLE_WELL_MARGIN else "controlled, weakly"


def detects(auc_low: float, auc_high: float) -> str:
    if auc_low > AUC_CHANCE:
        return "detects"
    if auc_high < AUC_CHANCE:
        return "ranks below chance on"
    return "is not resolved from chance on"


def same_meaning(correlations: dict[str, dict[str, float | None]]) -> str:
    """Which scoring prompts mean the same to the scorer, from `prompt_correlations[a][b]` (None when
    a probability did not vary): a sentence naming every such pair, or saying there is none."""
    pairs = [
        f'"{a}" and "{b}" ({r:.2f})'
        for a, row in correlations.items()
        for b, r in row.items()
        if r is not None and r >= SAME_MEANING_CORRELATION
    ]
    if not pairs:
        return f"no two prompts mean the same to it (no correlation reaches {SAME_MEANING_CORRELATION})"
    return (
        f"these prompts mean the same to it (correlation >= {SAME_MEANING_CORRELATION}), so one of each pair "
        f"adds nothing and can be dropped from clip.prompts: {', '.join(pairs)}"
    )


def hypothesis(low: float, high: float, expected_sign: int) -> str:
    """Whether a correlation's 95% interval [low, high] supports the sign a hypothesis predicts."""
    if expected_sign < 0:
        low, high = -high, -low
    return effect(low, high, "supported", "contradicted")


def agreed(words: list[str]) -> str:
    """One verdict from several runs (e.g. training seeds): theirs when all agree, else unresolved."""
    return words[0] if len(set(words)) == 1 else NOT_AGREED


def _budgets(values: list[float]) -> str:
    shown = [f"{v:,.0f}" for v in values]
    return shown[0] if len(shown) == 1 else f"{', '.join(shown[:-1])} and {shown[-1]}"


def curve(words: list[str], budgets: list[float], crossed: list[list[float]]) -> str:
    """A learning curve's verdict against the reference: the word at each budget (GFLOPs, grouped where
    consecutive budgets agree), then where the two curves' point values cross (`crossed`: the budget
    intervals over which the difference changes sign) or that they do not cross within the budgets."""
    groups: list[tuple[str, list[float]]] = []
    for word, budget in zip(words, budgets):
        if groups and groups[-1][0] == word:
            groups[-1][1].append(budget)
        else:
            groups.append((word, [budget]))
    said = "; ".join(f"{word} at {_budgets(at)} GFLOPs" for word, at in groups)
    if crossed:
        where = ", ".join(f"between {low:,.0f} and {high:,.0f}" for low, high in crossed)
        return f"{said}; the curves cross {where} GFLOPs"
    return f"{said}; the curves do not cross within {budgets[0]:,.0f}-{budgets[-1]:,.0f} GFLOPs"
