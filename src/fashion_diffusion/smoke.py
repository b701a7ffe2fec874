"""The real pipeline on tiny params, in a temporary copy of the repository.

Used by `make smoke` (by hand, a couple of minutes here) and by the end-to-end test. The copy gets
the repository's own dvc.yaml, stages and library sources, and its params.yaml shrunk by TINY
(the real config, made small: few images, tiny models, few steps), so the real code path runs.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
COPIED = ["dvc.yaml", "params.yaml", "stages", "src", ".dvcignore", ".gitignore"]
TINY = {
    "data.train_limit": 2000, "data.test_limit": 500,
    "model.archs.basic.channels": [8, 16], "model.archs.large.channels": [8, 16, 16],
    "model.archs.large.attention_levels": [1, 2], "model.embedding_dim": 16, "model.norm_groups": 4,
    "diffusion.timesteps": 50,
    "train.epochs": 1, "train.max_steps": 24, "train.batch_size": 32, "train.checkpoint_every": 8,
    "train.log_every": 2, "train.warmup_steps": 4, "train.snapshots": 2,
    "sample.per_class": 3, "sample.ddim_steps": 5, "sample.trajectory_per_class": 2, "sample.trajectory_steps": 10,
    "sample.trajectory_every": 5,
    "clip.train.steps": 10, "clip.train.batch_size": 32, "clip.train.warmup_steps": 2, "clip.validation_images": 100,
    "judge.epochs": 1, "judge.fid_floor_sizes": [20],
    "select.k": 2,
    "evaluate.fid_per_class": 4, "evaluate.tradeoff_steps": [2, 5], "evaluate.tradeoff_per_class": 2,
    "evaluate.snapshot_per_class": 2, "evaluate.snapshot_ddim_steps": 3, "evaluate.loss_by_t_images": 32,
    "evaluate.loss_by_t_buckets": 4, "evaluate.style_per_level": 1, "evaluate.style_ddim_steps": 3, "evaluate.arch_bench_steps": 1,
    "evaluate.arch_bench_batch": 4,
}


def shrink(params: dict, overrides: dict) -> dict:
    """Apply {"a.b.c": value} overrides to a nested params dict (keys must exist)."""
    for dotted, value in overrides.items():
        *parents, leaf = dotted.split(".")
        node = params
        for key in parents:
            node = node[key]
        if leaf not in node:
            raise KeyError(f"{dotted} is not in params.yaml")
        node[leaf] = value
    return params


def make_copy(dest: Path, overrides: dict = TINY) -> Path:
    """A git + DVC repository at dest holding the pipeline with shrunk params."""
    dest.mkdir(parents=True, exist_ok=True)
    for name in COPIED:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, dest / name, ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
        else:
            shutil.copy2(source, dest / name)
    params = shrink(yaml.safe_load((ROOT / "params.yaml").read_text()), overrides)
    (dest / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))
    env = git_env()
    for command in (["git", "init", "-q"], ["dvc", "init", "-q"], ["dvc", "config", "core.analytics", "false"],
                    ["git", "add", "-A"], ["git", "commit", "-qm", "tiny pipeline"]):
        subprocess.run(command, cwd=dest, env=env, check=True, capture_output=True)
    return dest


def git_env() -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("MLFLOW_TRACKING_URI", "DVC_ROOT", "DVC_EXP_NAME")}
    env.update(GIT_AUTHOR_NAME="smoke", GIT_AUTHOR_EMAIL="smoke@localhost", GIT_COMMITTER_NAME="smoke",
               GIT_COMMITTER_EMAIL="smoke@localhost", DVC_NO_ANALYTICS="1")
    return env


def run(dest: Path, *args: str) -> subprocess.CompletedProcess:
    """Run a dvc command in the copy; output is captured and returned."""
    return subprocess.run(["dvc", *args], cwd=dest, env=git_env(), capture_output=True, text=True)


def main() -> None:
    dest = Path(tempfile.mkdtemp(prefix="fashion-diffusion-smoke-"))
    began = time.perf_counter()
    make_copy(dest)
    result = run(dest, "repro")
    print(result.stdout[-3000:], result.stderr[-3000:], sep="\n")
    if result.returncode != 0:
        sys.exit(f"smoke run failed in {dest}")
    print(f"tiny pipeline finished in {time.perf_counter() - began:.0f} s; report: {dest / 'reports/assessment.md'}")


if __name__ == "__main__":
    main()
