"""Every `value [low, high]` that a rendered report shows, checked to contain its value (to the rounding shown)."""

from __future__ import annotations

import re

NUMBER = r"[+-]?\d[\d,]*(?:\.\d+)?(?:e[+-]?\d+)?%?"  # -1,234.5  6.36e-05  -0.0%
SHOWN_INTERVAL = re.compile(rf"(?<![\w.]){NUMBER} \[{NUMBER}, {NUMBER}\]")


def shown_number(text: str) -> tuple[float, float]:
    """A number as the report shows it -> (its value, half a unit of its last digit: what rounding may hide)."""
    body = text.rstrip("%").replace(",", "")
    mantissa, _, exponent = body.lower().partition("e")
    decimals = len(mantissa.partition(".")[2])
    return float(body), 0.5 * 10.0 ** (int(exponent or 0) - decimals)


def intervals_missing_their_value(report: str) -> tuple[int, list[str]]:
    """(how many `value [low, high]` the report shows, those whose interval misses its value by more
    than the rounding of the shown numbers)."""
    shown = SHOWN_INTERVAL.findall(report)
    missing = []
    for match in shown:
        (value, v), (low, lo), (high, hi) = (shown_number(n) for n in re.findall(NUMBER, match))
        if low - lo > value + v or value - v > high + hi:
            missing.append(match)
    return len(shown), missing
