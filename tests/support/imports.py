"""Which library code a stage's outputs depend on: the transitive closure of its fashion_diffusion imports,
as DVC dependencies.

DVC re-runs a stage only when a declared dependency changes, so dvc.yaml lists, for each stage, its script
and the package folders (and top-level modules) its closure reaches (tests/test_dvc_yaml.py). A folder
dependency covers every file in it, templates included. The stage runner (`stage.py`) and MLflow tracking
(`tracking/`) are not followed: they record a run and change no output, except in the stages named in
TRACKING_OUTPUTS, which write a file with them. `python -m tests.support.imports` prints each stage's list;
`--write` puts them into dvc.yaml.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SRC = ROOT / "src"
PACKAGE = "fashion_diffusion"
RECORDING = (f"{PACKAGE}.stage", f"{PACKAGE}.tracking")  # modules that record a run and change no output
BY_FILE = {"studies"}  # one module per study: a study's stage depends on its own module, not the folder
TRACKING_OUTPUTS = {"render_report": "reports/mlflow_run.json"}  # stage -> what it writes through tracking


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


def _records(module: str) -> bool:
    return any(module == name or module.startswith(name + ".") for name in RECORDING)


def closure(script: Path, follow_recording: bool = False) -> list[str]:
    """Repository-relative paths of every library file the script runs, sorted. A package's
    __init__.py counts when it holds more than a docstring. Unless `follow_recording`, the stage
    runner and tracking modules (RECORDING) and what only they import are left out."""
    seen: set[str] = set()
    todo = list(imported_modules(script))
    while todo:
        module = todo.pop()
        if module in seen or (_records(module) and not follow_recording):
            continue
        seen.add(module)
        todo += _parents(module) + list(imported_modules(module_file(module)))
    files = {module_file(m) for m in seen}
    return sorted(str(f.relative_to(ROOT)) for f in files if f.name != "__init__.py" or _has_code(f))


def code_deps(script: Path) -> list[str]:
    """The stage's script, then what its closure reaches, as dvc.yaml lists them: a package's folder, or for
    a package of one module per stage (BY_FILE) the module itself, and top-level modules."""
    package = SRC / PACKAGE
    found = set()
    for path in closure(script, follow_recording=script.stem in TRACKING_OUTPUTS):
        relative = (ROOT / path).relative_to(package)
        top = relative.parts[0]
        found.add(path if top in BY_FILE else str((package / top).relative_to(ROOT)))
    return [str(script.relative_to(ROOT)), *sorted(found)]


def _has_code(path: Path) -> bool:
    body = ast.parse(path.read_text()).body
    return any(not (isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)) for node in body)


def write_dvc_yaml(path: Path = ROOT / "dvc.yaml") -> None:
    """Replace the code deps of every stage in dvc.yaml by `code_deps`, keeping its data deps and comments."""
    from ruamel.yaml import YAML

    yaml = YAML()
    yaml.width = 120
    document = yaml.load(path)
    for name, stage in document["stages"].items():
        body = stage.get("do", stage)
        data = [dep for dep in body["deps"] if not str(dep).startswith(("src/", "stages/"))]
        body["deps"][:] = code_deps(ROOT / "stages" / f"{name}.py") + data
    yaml.dump(document, path)


if __name__ == "__main__":
    if sys.argv[1:] == ["--write"]:
        write_dvc_yaml()
    else:
        for script in sys.argv[1:] or sorted((ROOT / "stages").glob("*.py")):
            print(f"{Path(script).stem}:", *code_deps(Path(script).resolve()), sep="\n  - ")
