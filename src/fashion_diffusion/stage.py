"""What every stage script shares: one-line errors for bad input, outputs that appear together, and
the pipeline execution's MLflow run (`tracking.live`), marked FAILED when the stage fails.

A stage writes each declared output under `.staging/<stage>/` (same relative path) and `Outputs`
moves them all into place only when the stage's work has succeeded. A stage killed part-way
therefore leaves the previous outputs as they were. (Under `dvc repro`, DVC itself removes a
stage's outputs before running it; `dvc checkout` restores them from the cache.)
"""
from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path
from typing import Callable

from .errors import InputError
from .runtime import set_threads
from .tracking import live

STAGING = Path(".staging")


def run(main: Callable[[], None]) -> None:
    """Run a stage (named after its script, stages/<name>.py) inside its pipeline execution's MLflow run;
    bad input ends it with one line on stderr and exit status 1, Ctrl-C or SIGTERM with one line and 130.
    Under DVC's queue with several workers, torch's threads are shared among the running experiments."""
    set_threads(0)
    try:
        with live.stage_run(os.environ.get("DVC_STAGE") or Path(sys.argv[0]).stem):
            main()
    except InputError as error:
        print(f"error: {error}", file=sys.stderr)
        sys.exit(1)
    except KeyboardInterrupt:
        print("interrupted; the stage's outputs are as they were", file=sys.stderr)
        sys.exit(130)


class Outputs:
    """The declared outputs of one stage, written to a staging folder and committed together.

        with Outputs("sample", ["data/samples/samples.npz", "reports/figures/sample"]) as out:
            np.savez(out("data/samples/samples.npz"), ...)        # a declared file
            figures.save(out("reports/figures/sample") / "grid.png")  # inside a declared folder
    """

    def __init__(self, stage: str, declared: list[str]):
        self.stage, self.declared = stage, [Path(p) for p in declared]
        self.root = STAGING / stage

    def __enter__(self) -> "Outputs":
        shutil.rmtree(self.root, ignore_errors=True)  # what a killed earlier run left behind
        self.root.mkdir(parents=True)
        return self

    def __call__(self, path: str | Path) -> Path:
        """The staged location of a declared output (a folder is created, a file's parent is)."""
        path = Path(path)
        if path not in self.declared:
            raise ValueError(f"stage {self.stage} writes {path}, which it does not declare")
        staged = self.root / path
        if path.suffix:
            staged.parent.mkdir(parents=True, exist_ok=True)
        else:
            staged.mkdir(parents=True, exist_ok=True)
        return staged

    def __exit__(self, kind, error, traceback) -> None:
        if kind is None:
            self.commit()
        shutil.rmtree(self.root, ignore_errors=True)

    def commit(self) -> None:
        missing = [str(p) for p in self.declared if not (self.root / p).exists()]
        if missing:
            raise RuntimeError(f"stage {self.stage} did not write {', '.join(missing)}")
        for path in self.declared:
            path.parent.mkdir(parents=True, exist_ok=True)
            old = path.with_name(f".{path.name}.old")
            shutil.rmtree(old, ignore_errors=True) if old.is_dir() else old.unlink(missing_ok=True)
            if path.exists():
                os.replace(path, old)
            os.replace(self.root / path, path)
            shutil.rmtree(old, ignore_errors=True) if old.is_dir() else old.unlink(missing_ok=True)
