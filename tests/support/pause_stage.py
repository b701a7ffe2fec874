"""Run a stage script unchanged until a known point, then stop there until killed.

    python -m tests.support.pause_stage POINT stages/<name>.py

POINT is where the stage stops (each is after real work and before any declared output moves):
  first_output  the first declared output has been written to the staging folder, the others not yet
  commit        every declared output is staged and `Outputs.commit` is about to move them into place
On reaching it the process writes `.paused` in its working folder and sleeps; the test then kills
it (SIGKILL), which is what a crash, an OOM kill or a pulled plug would do at that moment.
"""

from __future__ import annotations

import runpy
import sys
import time
from pathlib import Path

from fashion_diffusion import stage

from .stage_process import PAUSED

POINTS = ("first_output", "commit")


def _pause() -> None:
    Path(PAUSED).write_text("paused\n")
    while True:
        time.sleep(60)


def _stop_at_second_output_request(original):
    """Outputs.__call__ that pauses when the second output is requested: the first is written by then."""
    requested = []

    def staged_path(self, path):
        requested.append(path)
        if len(requested) == 2:
            _pause()
        return original(self, path)

    return staged_path


def main(point: str, script: str) -> None:
    if point == "commit":
        stage.Outputs.commit = lambda self: _pause()
    elif point == "first_output":
        stage.Outputs.__call__ = _stop_at_second_output_request(stage.Outputs.__call__)
    else:
        sys.exit(f"unknown pause point {point!r}; valid: {', '.join(POINTS)}")
    sys.argv = [script]
    runpy.run_path(script, run_name="__main__")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
