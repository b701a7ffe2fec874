"""Files that stages hand to each other: safe checkpoint loading, atomic writes, JSON.

Checkpoints hold only plain containers, numbers, strings and tensors, so they load with
`torch.load(weights_only=True)`, which refuses a pickle that would run code. Every failure to
read one becomes a single line naming the file (`ArtifactError`).
"""
from __future__ import annotations

import json
import os
import pickle
import zipfile
from pathlib import Path

import numpy as np
import torch

from .errors import InputError


class ArtifactError(InputError, RuntimeError):
    """A missing, corrupt, truncated or unsafe file; the message names it."""


def save_atomic(obj: dict, path: str | Path) -> None:
    """torch.save through a temporary file, so a kill mid-write leaves the old file intact."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    torch.save(obj, tmp)
    os.replace(tmp, path)


def load_checkpoint(path: str | Path, map_location: torch.device | str = "cpu", made_by: str = "") -> dict:
    """torch.load with weights_only=True; every failure is one ArtifactError line.

    made_by: the stage that writes the file, named in the "not found" message.
    """
    path = Path(path)
    if not path.is_file():
        hint = f" (run `dvc repro {made_by}` first)" if made_by else ""
        raise ArtifactError(f"{path}: not found{hint}")
    try:
        state = torch.load(path, map_location=map_location, weights_only=True)
    except pickle.UnpicklingError as error:
        if "weights_only" in str(error) or "Unsupported global" in str(error):
            raise ArtifactError(f"{path}: refused to load: it holds pickled objects other than tensors and plain "
                                "data (a file like this can run code)") from None
        raise ArtifactError(f"{path}: corrupt checkpoint ({_first_line(error)})") from None
    except (RuntimeError, EOFError, OSError, ValueError, zipfile.BadZipFile) as error:
        raise ArtifactError(f"{path}: corrupt or truncated checkpoint ({_first_line(error)})") from None
    if not isinstance(state, dict):
        raise ArtifactError(f"{path}: expected a checkpoint dictionary, found {type(state).__name__}")
    return state


def require_keys(state: dict, keys: list[str], path: str | Path) -> None:
    missing = [key for key in keys if key not in state]
    if missing:
        raise ArtifactError(f"{path}: not a checkpoint of this kind (no {missing[0]!r})")


def _first_line(error: BaseException) -> str:
    text = (str(error).strip().splitlines() or [type(error).__name__])[0]
    return text[:160]


def write_json(path: str | Path, data: dict) -> None:
    """JSON with NaN and infinities as null (DVC's metrics parser rejects NaN), written atomically."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    tmp.write_text(json.dumps(_finite(data), indent=2, default=_plain, allow_nan=False) + "\n")
    os.replace(tmp, path)


def read_json(path: str | Path) -> dict:
    path = Path(path)
    try:
        return json.loads(path.read_text())
    except FileNotFoundError:
        raise ArtifactError(f"{path}: not found") from None
    except json.JSONDecodeError as error:
        raise ArtifactError(f"{path}: corrupt JSON ({error})") from None


def _finite(value):
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
