"""Which library files a stage script runs: the transitive closure of its fashion_diffusion imports.

DVC re-runs a stage only when a declared dependency changes, so dvc.yaml must list exactly these
files for each stage (tests/test_dvc_yaml.py). `python -m tests.support.imports` prints them.
"""
from __future__ import annotations

import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SRC = ROOT / "src"
PACKAGE = "fashion_diffusion"


def module_file(module: str) -> Path | None:
    """src/a/b.py or src/a/b/__init__.py for the dotted module a.b; None outside the package."""
    if module != PACKAGE and not module.startswith(PACKAGE + "."):
        return None
    base = SRC / Path(*module.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def _module_name(path: Path) -> str:
    parts = path.relative_to(SRC).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_modules(path: Path) -> set[str]:
    """Dotted fashion_diffusion modules that the file at `path` imports (absolute or relative)."""
    here = _module_name(path) if path.is_relative_to(SRC) else ""
    package = here if path.name == "__init__.py" else here.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join(anchor + ([base] if base else []))
            found.add(base)
            found |= {f"{base}.{alias.name}" for alias in node.names}  # `from pkg import module`
    return {name for name in found if module_file(name)}


def _parents(module: str) -> list[str]:
    parts = module.split(".")
    return [".".join(parts[:i]) for i in range(1, len(parts))]


def closure(script: Path) -> list[str]:
    """Repository-relative paths of every library file the script runs, sorted. A package's
    __init__.py counts when it holds more than a docstring."""
    seen: set[str] = set()
    todo = list(imported_modules(script))
    while todo:
        module = todo.pop()
        if module in seen:
            continue
        seen.add(module)
        todo += _parents(module) + list(imported_modules(module_file(module)))
    files = {module_file(m) for m in seen}
    return sorted(str(f.relative_to(ROOT)) for f in files if f.name != "__init__.py" or _has_code(f))


def _has_code(path: Path) -> bool:
    body = ast.parse(path.read_text()).body
    return any(not (isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)) for node in body)


if __name__ == "__main__":
    for script in sys.argv[1:] or sorted((ROOT / "stages").glob("*.py")):
        print(f"{Path(script).stem}:", *closure(Path(script)), sep="\n  - ")
