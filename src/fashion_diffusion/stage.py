"""What every stage script shares: one-line errors for bad input, outputs that appear together, and
the pipeline execution's MLflow run (`tracking.live`), marked FAILED when the stage fails.

A stage writes each declared output under `.staging/<stage>/` (same relative path) and `Outputs`
moves them all into place only when the stage's work has succeeded. A stage killed part-way
therefore leaves the previous outputs as they were. (Under `dvc repro`, DVC itself removes a
stage's outputs before running it; `dvc checkout` restores them from the cache.) So does a write
that the system refuses (disk full, quota, file-size limit, permission denied): the stage ends with
one line naming the declared output and the cause (`WriteError`), exit status 1.
"""

from __future__ import annotations

import errno
import os
import shutil
import sys
from collections.abc import Callable
from pathlib import Path

from .core.errors import InputError
from .core.runtime import set_threads
from .tracking import live

STAGING = Path(".staging")
# errnos that can only mean a write the system refused, whichever file it was
WRITE_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EROFS}


class WriteError(Exception):
    """The system refused to write a stage output; `path` is the declared output (or a file inside one)."""

    def __init__(self, path: Path | str | None, reason: str):
        self.path, self.reason = path, reason
        super().__init__(f"cannot write {path if path is not None else 'an output'}: {reason}")


def _reason(error: OSError) -> str:
    return error.strerror or type(error).__name__


def run(main: Callable[[], None]) -> None:
    """Run a stage (named after its script, stages/<name>.py) inside its pipeline execution's MLflow run;
    bad input ends it with one line on stderr and exit status 1, Ctrl-C or SIGTERM with one line and 130.
    Under DVC's queue with several workers, torch's threads are shared among the running experiments."""
    set_threads(0)
    try:
        with live.stage_run(os.environ.get("DVC_STAGE") or Path(sys.argv[0]).stem):
            main()
    except (InputError, WriteError) as error:
        print(f"error: {error}", file=sys.stderr)
        sys.exit(1)
    except OSError as error:  # a refused write outside `Outputs` (e.g. a resume checkpoint); others are bugs
        if error.errno not in WRITE_ERRNOS:
            raise
        print(f"error: {WriteError(error.filename, _reason(error))}", file=sys.stderr)
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

    def __enter__(self) -> Outputs:
        shutil.rmtree(self.root, ignore_errors=True)  # what a killed earlier run left behind
        try:
            self.root.mkdir(parents=True)
        except OSError as error:
            raise WriteError(self.root, _reason(error)) from None
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
        try:
            if kind is None:
                self.commit()
            elif issubclass(kind, OSError):
                refused = self.refused_write(error)
                if refused is not None:
                    raise refused from None
        finally:
            shutil.rmtree(self.root, ignore_errors=True)

    def refused_write(self, error: OSError) -> WriteError | None:
        """The OSError raised while the stage wrote into staging as a WriteError naming the declared
        output; None for one about another file (reading an input: not this class's business)."""
        if error.filename is not None:
            path = self.declared_path(error.filename)
            return WriteError(path, _reason(error)) if path is not None else None
        if error.errno not in WRITE_ERRNOS:  # a failed write() names no file: the newest staged one
            return None
        staged = [p for p in self.root.rglob("*") if p.is_file()]
        newest = max(staged, key=lambda p: p.stat().st_mtime_ns, default=None)
        return WriteError(
            newest.relative_to(self.root) if newest else ", ".join(map(str, self.declared)), _reason(error)
        )

    def declared_path(self, filename: str | bytes | os.PathLike) -> Path | None:
        """A staged path as the path it will have once committed; None outside staging."""
        path = Path(os.fsdecode(filename))
        try:
            return path.absolute().relative_to(self.root.absolute())
        except ValueError:
            return None

    def commit(self) -> None:
        """Move every staged output into place; if the system refuses a move, put back what was moved
        and raise WriteError, so that the outputs are all new or all as they were."""
        missing = [str(p) for p in self.declared if not (self.root / p).exists()]
        if missing:
            raise RuntimeError(f"stage {self.stage} did not write {', '.join(missing)}")
        aside, placed = [], []  # (path, old) moved aside; paths moved into place
        try:
            for path in self.declared:
                path.parent.mkdir(parents=True, exist_ok=True)
                old = path.with_name(f".{path.name}.old")
                _remove(old)
                if path.exists():
                    os.replace(path, old)
                    aside.append((path, old))
            for path in self.declared:
                os.replace(self.root / path, path)
                placed.append(path)
        except OSError as error:
            for path in placed:
                _remove(path)
            for path, old in aside:
                os.replace(old, path)
            named = self.declared_path(error.filename) if error.filename is not None else None
            raise WriteError(named or error.filename or self.stage, _reason(error)) from None
        for _, old in aside:
            _remove(old)


def _remove(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True) if path.is_dir() else path.unlink(missing_ok=True)
