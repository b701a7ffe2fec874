"""Names of the style attributes and their levels, and parsing of `attribute=level` requests."""

from __future__ import annotations

from ..core.errors import InputError

# Names for three levels, lowest value first; other level counts are named level0..levelN-1.
STYLE_LEVEL_NAMES = {
    "ink": ["light", "medium", "bold"],
    "area": ["thin", "medium", "wide"],
    "slant": ["left", "upright", "right"],  # "left" = top leans left, "\", negative slant
}


class StyleRequestError(InputError, ValueError):
    """An unknown style attribute or level; the message lists the valid names."""


def level_names(attribute: str, levels: int) -> list[str]:
    """Human names of an attribute's levels, lowest value first."""
    return list(STYLE_LEVEL_NAMES[attribute]) if levels == 3 else [f"level{i}" for i in range(levels)]


def parse_requests(requests: list[str], attributes: list[str], levels: int) -> dict[str, int]:
    """["ink=bold", "slant=left"] -> {"ink": 2, "slant": 0}: the requested level index per named attribute."""
    valid = {name: level_names(name, levels) for name in attributes}
    parsed: dict[str, int] = {}
    for request in requests:
        name, _, level = (part.strip() for part in request.partition("="))
        if name not in valid or level not in valid[name]:
            choices = ", ".join(f"{a}={'|'.join(names)}" for a, names in valid.items())
            raise StyleRequestError(f"unknown style {request!r}; valid: {choices}")
        if name in parsed:
            raise StyleRequestError(f"style {name!r} requested twice in {requests}")
        parsed[name] = valid[name].index(level)
    return parsed
