"""What the report reads: each study's typed result and the run's conclusions, by the name the templates
use (`results.registry`). The report reads nothing else of a run (besides the figures it links and
params.yaml): every number and verdict it shows is a field of one of these results."""

from __future__ import annotations

from pathlib import Path

from ..results.base import Result
from ..results.registry import CONCLUSIONS, STUDIES, load


def load_all(root: Path = Path(".")) -> dict[str, Result]:
    return load({**STUDIES, "conclusions": CONCLUSIONS}, root)
