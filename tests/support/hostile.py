"""What the hostile tests do to a working folder: write a bad params.yaml, damage a file, plant a
checkpoint that would run code, and fingerprint every file to prove nothing else changed.

A "working folder" plays the repository root for stage processes (see `stage_process`); the
tiny one built by `build_tiny_artifacts` holds real outputs of the first stages on TINY params.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import shutil
from pathlib import Path

import torch
import yaml

from fashion_diffusion.config.loading import set_dotted

from .stage_process import ROOT, run_stage
from .tiny import write_tiny_params

# Stages that build the tiny working folder, in order (each reads what the ones before wrote).
TINY_STAGES = ["prepare", "train_judge", "train_clip", "train", "sample"]
# TINY made smaller still for the working folder: these tests need real files, not good models.
SMALLER = {
    "data.train_limit": 800,
    "data.test_limit": 200,
    "train.bf16": False,
    "train.threads": 1,
    "judge.channels": [8, 16],
    "judge.hidden": 32,
    "judge.bf16": False,
    "judge.threads": 1,
    "clip.train.width": 32,
    "clip.train.text_width": 32,
    "clip.train.vision_layers": 1,
    "clip.train.text_layers": 1,
    "clip.train.embed_dim": 16,
}


def file_hashes(folder: Path, within: tuple[str, ...] = ()) -> dict[str, str]:
    """sha256 of every file under folder, by path relative to it (folders show as their files);
    with `within`, only the files under those top-level names."""
    files = [path for path in sorted(folder.rglob("*")) if path.is_file()]
    if within:
        files = [path for path in files if path.relative_to(folder).parts[0] in within]
    return {str(path.relative_to(folder)): hashlib.sha256(path.read_bytes()).hexdigest() for path in files}


def write_params(folder: Path, overrides: dict[str, object]) -> Path:
    """params.yaml in folder: TINY and SMALLER params with `overrides` written as given, NOT
    validated, so that a bad value reaches the stage exactly as a user would have typed it."""
    path = write_tiny_params(folder, **{key.replace(".", "__"): value for key, value in SMALLER.items()})
    raw = yaml.safe_load(path.read_text())
    for dotted, value in overrides.items():
        set_dotted(raw, dotted, value)
    path.write_text(yaml.safe_dump(raw, sort_keys=False))
    return path


def declared_outputs() -> list[str]:
    """Every output path that dvc.yaml declares, over all stages."""
    stages = yaml.safe_load((ROOT / "dvc.yaml").read_text())["stages"]
    paths = []
    for stage in stages.values():
        for kind in ("outs", "metrics", "plots"):
            paths += [next(iter(entry)) if isinstance(entry, dict) else entry for entry in stage.get(kind, [])]
    return paths


def write_placeholder_outputs(folder: Path) -> None:
    """A file with distinct bytes at every declared output (inside it, for a folder output): the
    earlier outputs a failing stage must leave alone."""
    for declared in declared_outputs():
        path = folder / declared
        if not path.suffix:
            path = path / "placeholder.bin"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(f"earlier output {declared}\n".encode())


def build_tiny_artifacts(folder: Path) -> Path:
    """Run the first stages for real on TINY params in folder; fails loudly if one fails."""
    folder.mkdir(parents=True, exist_ok=True)
    write_params(folder, {})
    for name in TINY_STAGES:
        result = run_stage(folder, name)
        assert result.returncode == 0, f"{name}: {result.stderr[-3000:]}"
    return folder


def copy_folder(source: Path, dest: Path) -> Path:
    shutil.copytree(source, dest)
    return dest


# --- damage -------------------------------------------------------------------------------------


def flip_byte(path: Path, offset: int) -> None:
    """Invert one byte; a negative offset counts from the end."""
    data = bytearray(path.read_bytes())
    data[offset] ^= 0xFF
    path.write_bytes(bytes(data))


def truncate(path: Path, keep: float = 0.5) -> None:
    """Keep only the first `keep` fraction of the bytes (a copy or download cut short)."""
    data = path.read_bytes()
    path.write_bytes(data[: int(len(data) * keep)])


def write_garbage(path: Path) -> None:
    path.write_bytes(os.urandom(4096))


def regzip_other_content(path: Path) -> None:
    """A valid gzip whose content is not the dataset's (one decompressed byte changed): only the
    md5 check can tell."""
    raw = bytearray(gzip.decompress(path.read_bytes()))
    raw[-1] ^= 0xFF
    path.write_bytes(gzip.compress(bytes(raw)))


# --- checkpoints that would run code --------------------------------------------------------------


class RunsShellCommand:
    """Unpickling this runs `command` in a shell: what a booby-trapped checkpoint carries."""

    def __init__(self, command: str):
        self.command = command

    def __reduce__(self):
        return os.system, (self.command,)


def write_malicious_checkpoint(path: Path, marker: Path, legacy: bool = False) -> None:
    """A checkpoint-shaped file whose loading with pickle would create `marker`, in torch's zip
    format or (legacy=True) its older plain format; torch.load reads both."""
    payload = {"state_dict": {"weight": torch.zeros(1)}, "config": RunsShellCommand(f"touch {marker}")}
    path.parent.mkdir(parents=True, exist_ok=True)
    torch.save(payload, path, _use_new_zipfile_serialization=not legacy)


def write_malicious_npz(path: Path, marker: Path) -> None:
    """An .npz whose array is a pickled object that would create `marker` when unpickled."""
    import numpy as np

    array = np.empty(1, dtype=object)
    array[0] = RunsShellCommand(f"touch {marker}")
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as f:
        np.savez(f, images=array, labels=np.zeros(1, dtype=np.int64), class_names=np.array(["a"]))
