"""What a user asks for: classes by name (or `all`), how many images of each, and a seed; each
problem is one line naming the bad value."""

from __future__ import annotations

import re

from ..core.errors import InputError

MAX_PER_CLASS = 10_000  # images of one class in one call; more is a typo, not a request


class GenerationRequestError(InputError, ValueError):
    """An unknown class, a bad count or seed; the message names it and what is valid."""


def _normalised(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


def class_indices(requested: list[str], class_names: list[str]) -> list[int]:
    """["sandal", "Ankle-Boot"] -> [5, 9]; "all" means every class. Case, spaces, dashes and slashes
    do not matter ("t-shirt", "T shirt" and "tshirt" are the same class); a class index works too."""
    lookup = {_normalised(name): index for index, name in enumerate(class_names)}
    indices: list[int] = []
    for name in requested:
        if name.strip().lower() == "all":
            indices += range(len(class_names))
        elif name.strip().isdigit() and int(name) < len(class_names):
            indices.append(int(name))
        elif _normalised(name) in lookup:
            indices.append(lookup[_normalised(name)])
        else:
            raise GenerationRequestError(f"unknown class {name!r}; valid: {', '.join(class_names)}, or all")
    if not indices:
        raise GenerationRequestError("no class requested; name one or more classes, or all")
    return list(dict.fromkeys(indices))  # each class once, in the order asked


def checked_count(count: int) -> int:
    if not 1 <= count <= MAX_PER_CLASS:
        raise GenerationRequestError(f"count must be between 1 and {MAX_PER_CLASS} images per class, got {count}")
    return count


def checked_seed(seed: int) -> int:
    if not 0 <= seed < 2**63:
        raise GenerationRequestError(f"seed must be a non-negative integer below 2**63, got {seed}")
    return seed
