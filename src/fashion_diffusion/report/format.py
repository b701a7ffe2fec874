"""How numbers appear in the report (Jinja2 filters): percentages, significant figures, a value with its
interval, a comparison with its verdict, markdown tables. Formatting only: every number and every
verdict word comes from a study's result."""

from __future__ import annotations

import math

from ..results.base import FAMILY_ALPHA, NOT_RESOLVED, Comparison, Estimate


def _missing(x) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x))


def pct(x: float | None, digits: int = 1) -> str:
    return "n/a" if _missing(x) else f"{100 * x:.{digits}f}%"


def num(x: float | None, digits: int = 3) -> str:
    """`digits` significant places; 100 and above as whole numbers with thousands separators."""
    if _missing(x):
        return "n/a"
    if isinstance(x, int) or abs(x) >= 100:
        return f"{x:,.0f}"
    return f"{x:.{digits}g}"


def _points(x: float | None, digits: int = 1) -> str:
    """A difference of two percentages in percentage points, without a unit: 0.05 -> "5.0"."""
    return "n/a" if _missing(x) else f"{100 * x:.{digits}f}"


def _shown(percent: bool, digits: int, scale: float, signed: bool = False, points: bool = False):
    def show(v: float) -> str:
        text = (_points(v, 1) if points else pct(v, 1)) if percent else num(v * scale, digits)
        return f"+{text}" if signed and not _missing(v) and v > 0 else text

    return show


def est(e: Estimate, percent: bool = False, digits: int = 3, scale: float = 1.0) -> str:
    """`value [low, high]`; only the value when the interval is degenerate (one seed, a set with itself)."""
    show = _shown(percent, digits, scale)
    value, low, high = show(e.value), show(e.low), show(e.high)
    return value if e.degenerate or low == high else f"{value} [{low}, {high}]"


def diff(c: Comparison | None, percent: bool = False, digits: int = 3, scale: float = 1.0) -> str:
    """A difference `+value [low, high]`, or "off scale" when the instrument cannot read a side. A difference
    of percentages (`percent`) is in percentage points: `+5.0 [+3.2, +6.8] pp` (the unit after the interval,
    so that every `value [low, high]` of the report reads alike)."""
    if c is None:
        return "-"
    if c.off_scale:
        return c.verdict
    show = _shown(percent, digits, scale, signed=True, points=percent)
    shown = f"{show(c.value)} [{show(c.low)}, {show(c.high)}]"
    return f"{shown} pp" if percent else shown


def word(c: Comparison | None) -> str:
    """The verdict word of a comparison ("-" for none); "not resolved" names both p-values when the
    comparison's own interval excludes 0 and only Holm's adjustment within its family leaves it open."""
    if c is None:
        return "-"
    if c.verdict == NOT_RESOLVED and c.p is not None and c.p < FAMILY_ALPHA and c.p_holm is not None:
        return f"{c.verdict} (p {c.p:.2g}; Holm {c.p_holm:.2g})"
    return c.verdict


def table(rows: list[dict], columns: list[str] | None = None) -> str:
    """A GitHub markdown table from rows of already formatted cells (dicts, keys = column names)."""
    columns = columns or (list(rows[0]) if rows else [])
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(str(row.get(c, "")) for c in columns) + " |" for row in rows]
    return "\n".join(lines)


def listing(items: list[str]) -> str:
    """ "a", "a and b", "a, b and c"."""
    items = [str(i) for i in items]
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}" if items else ""


def code(x) -> str:
    return f"`{x}`"


FILTERS = {
    "code": code,
    "pct": pct,
    "num": num,
    "est": est,
    "diff": diff,
    "word": word,
    "table": table,
    "listing": listing,
}
