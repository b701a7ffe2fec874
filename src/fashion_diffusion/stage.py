"""What every stage script shares: one-line errors for bad input, and JSON outputs."""
from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Callable

import numpy as np

from .errors import InputError


def run(main: Callable[[], None]) -> None:
    """Run a stage; bad input ends it with one line on stderr and exit status 1, no traceback."""
    try:
        main()
    except InputError as error:
        print(f"error: {error}", file=sys.stderr)
        sys.exit(1)


def write_json(path: str | Path, data: dict) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(_finite(data), indent=2, default=_plain, allow_nan=False) + "\n")


def read_json(path: str | Path) -> dict:
    return json.loads(Path(path).read_text())


def _finite(value):
    """NaN and infinities become null: JSON has no NaN, and DVC's metrics parser rejects it."""
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(v) for v in value]
    if isinstance(value, (float, np.floating)) and not np.isfinite(value):
        return None
    return value


def _plain(value):
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    raise TypeError(f"cannot write {type(value).__name__} to JSON")
