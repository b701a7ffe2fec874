"""How numbers appear in the report: percentages, intervals and markdown tables (Jinja2 filters)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd


def pct(x: float | None, digits: int = 1) -> str:
    return "n/a" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{100 * x:.{digits}f}%"


def num(x: float | None, digits: int = 3) -> str:
    """`digits` significant places; large numbers with thousands separators."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "n/a"
    if isinstance(x, (int, np.integer)) or abs(x) >= 100:
        return f"{x:,.0f}"
    return f"{x:.{digits}g}"


def interval(values: dict, key: str, percent: bool = False, digits: int = 3) -> str:
    """`value [low, high]` from the flat keys key, key_low, key_high of a metrics dict."""
    show = (lambda v: pct(v, 1)) if percent else (lambda v: num(v, digits))
    return f"{show(values[key])} [{show(values[key + '_low'])}, {show(values[key + '_high'])}]"


def table(df: pd.DataFrame, digits: int = 3, percent: tuple[str, ...] = ()) -> str:
    """A GitHub markdown table; floats to `digits` significant places, `percent` columns as %."""

    def cell(column: str, v) -> str:
        if isinstance(v, (float, np.floating)):
            return pct(float(v)) if column in percent else num(float(v), digits)
        return str(v)

    lines = ["| " + " | ".join(map(str, df.columns)) + " |", "|" + "---|" * len(df.columns)]
    lines += [
        "| " + " | ".join(cell(c, v) for c, v in zip(df.columns, row)) + " |" for row in df.itertuples(index=False)
    ]
    return "\n".join(lines)


FILTERS = {"pct": pct, "num": num, "table": table}
