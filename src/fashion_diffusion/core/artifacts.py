"""Files that stages hand to each other: safe checkpoint and array loading, atomic writes, JSON.

Checkpoints hold only plain containers, numbers, strings and tensors, so they load with
`torch.load(weights_only=True)`, which refuses a pickle that would run code; .npz files load
without pickle. Every failure to read one, or to rebuild a model from it, becomes a single line
naming the file (`ArtifactError`).
"""

from __future__ import annotations

import json
import os
import pickle
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import torch

from .errors import ArtifactError

# How torch's weights-only unpickler words a refusal of a pickled object (a function to call, a
# class to build), as opposed to bytes that are not a pickle at all.
FORBIDDEN_OBJECT = ("GLOBAL", "allowlisted")
REFUSED = "refused to load: it holds pickled objects other than tensors and plain data (a file like this can run code)"


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
    path = _existing(path, made_by)
    try:
        state = torch.load(path, map_location=map_location, weights_only=True)
    except Exception as error:  # damaged bytes raise a dozen types (EOFError, IndexError, struct.error, ...)
        if refused_pickle(error):
            raise ArtifactError(f"{path}: {REFUSED}") from None
        raise ArtifactError(f"{path}: corrupt or truncated checkpoint ({_first_line(error)})") from None
    if not isinstance(state, dict):
        raise ArtifactError(f"{path}: expected a checkpoint dictionary, found {type(state).__name__}")
    return state


def refused_pickle(error: Exception) -> bool:
    """Whether torch.load(weights_only=True) failed because the file holds a forbidden object."""
    return isinstance(error, pickle.UnpicklingError) and any(sign in str(error) for sign in FORBIDDEN_OBJECT)


def require_keys(state: dict, keys: list[str], path: str | Path) -> None:
    missing = [key for key in keys if key not in state]
    if missing:
        raise ArtifactError(f"{path}: not a checkpoint of this kind (no {missing[0]!r})")


@contextmanager
def rebuilding(path: str | Path) -> Iterator[None]:
    """Around rebuilding an object from a loaded checkpoint: a missing entry, a wrong type or
    shape becomes one ArtifactError line naming the file."""
    try:
        yield
    except (KeyError, IndexError, TypeError, ValueError, RuntimeError) as error:
        raise ArtifactError(f"{path}: its contents do not rebuild the model ({_first_line(error)})") from None


def load_arrays(path: str | Path, keys: list[str], made_by: str = "") -> dict[str, np.ndarray]:
    """Every array of an .npz file, read in full, which must include `keys`; object arrays are
    refused (no pickle). Every failure is one ArtifactError line naming the file."""
    path = _existing(path, made_by)
    if not zipfile.is_zipfile(path):
        raise ArtifactError(f"{path}: corrupt or truncated array file (not a complete .npz archive)")
    try:
        with np.load(path, allow_pickle=False) as stored:
            arrays = {name: stored[name] for name in stored.files}
    except Exception as error:  # damaged zips raise many types (BadZipFile, zlib.error, NotImplementedError, ...)
        if "Object arrays" in str(error):
            raise ArtifactError(
                f"{path}: refused to load: it holds pickled objects, not plain arrays (a file like this can run code)"
            ) from None
        raise ArtifactError(f"{path}: corrupt or truncated array file ({_first_line(error)})") from None
    missing = [key for key in keys if key not in arrays]
    if missing:
        raise ArtifactError(f"{path}: incomplete (no array {missing[0]!r})")
    return arrays


def _existing(path: str | Path, made_by: str) -> Path:
    path = Path(path)
    if not path.is_file():
        hint = f" (run `dvc repro {made_by}` first)" if made_by else ""
        raise ArtifactError(f"{path}: not found{hint}")
    return path


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
