"""Every verdict of two pipeline runs side by side: which contradict (one word against its opposite), which
moved between resolved and unresolved (or off scale), which agree. For a run with other training seeds
(issue 28's check that the verdicts survive a new seed).

usage: python tools/compare_verdicts.py RUN_A RUN_B   (each a repository root holding a run's outputs)
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from pydantic import BaseModel

from fashion_diffusion.core.errors import ArtifactError
from fashion_diffusion.results.base import NOT_RESOLVED, OFF_SCALE, Comparison
from fashion_diffusion.results.registry import STUDIES, load

# fields that name an item of a list of results, tried in order
IDENTITY = [
    ("variant", "budget_gflop"),
    ("sampler", "steps", "per_class"),
    ("property", "measure"),
    ("name",),
    ("scale",),
    ("step",),
    ("level",),
]


def _identity(item: BaseModel, index: int) -> str:
    for fields in IDENTITY:
        if all(hasattr(item, f) for f in fields):
            return ",".join(f"{getattr(item, f)}" for f in fields)
    return str(index)


def verdicts(result: BaseModel, path: str = "") -> dict[str, Comparison]:
    """path -> Comparison for every comparison inside a result."""
    found = {}
    for name, value in result.__dict__.items():
        here = f"{path}.{name}" if path else name
        items = (
            [(f"{here}[{_identity(v, i)}]", v) for i, v in enumerate(value)]
            if isinstance(value, list)
            else [(f"{here}[{k}]", v) for k, v in value.items()]
            if isinstance(value, dict)
            else [(here, value)]
        )
        for key, item in items:
            if isinstance(item, Comparison):
                found[key] = item
            elif isinstance(item, BaseModel):
                found |= verdicts(item, key)
    return found


def compare(a: dict[str, Comparison], b: dict[str, Comparison]) -> dict[str, list[tuple[str, str, str]]]:
    """Each path's (path, word in A, word in B), sorted into contradicted, moved and agreed."""
    out = {"contradicted": [], "moved": [], "agreed": []}
    unresolved = (NOT_RESOLVED, OFF_SCALE)
    for path in sorted(set(a) & set(b)):
        wa, wb = a[path].verdict, b[path].verdict
        if wa == wb:
            kind = "agreed"
        elif wa in unresolved or wb in unresolved:
            kind = "moved"
        else:
            kind = "contradicted"
        out[kind].append((path, wa, wb))
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="every verdict of two pipeline runs side by side")
    parser.add_argument("run_a", type=Path, help="a repository root holding a run's outputs (reports/metrics/)")
    parser.add_argument("run_b", type=Path, help="the other run's repository root")
    args = parser.parse_args(argv)
    try:
        runs = [load(STUDIES, root) for root in (args.run_a, args.run_b)]
    except ArtifactError as error:  # a missing file, or one written by another version of the studies
        sys.exit(f"compare_verdicts: {error}")
    a = {f"{name}.{path}": c for name, result in runs[0].items() for path, c in verdicts(result).items()}
    b = {f"{name}.{path}": c for name, result in runs[1].items() for path, c in verdicts(result).items()}
    sorted_ = compare(a, b)
    print(f"{len(a)} comparisons in A, {len(b)} in B, {len(set(a) & set(b))} in both")
    for kind in ("contradicted", "moved"):
        print(f"\n{kind}: {len(sorted_[kind])}")
        for path, wa, wb in sorted_[kind]:
            print(f"  {path}: {wa} -> {wb}")
    print(f"\nagreed: {len(sorted_['agreed'])}")


if __name__ == "__main__":
    main()
