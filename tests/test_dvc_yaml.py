"""dvc.yaml must declare, for each stage, its script and every library module that script imports
(transitively): otherwise DVC cannot see that a code change invalidates the stage's outputs."""
import ast
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "src" / "fashion_diffusion"


def _imports(path: Path) -> set[str]:
    """fashion_diffusion modules imported by the file at path (absolute or relative imports)."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            if node.module == "fashion_diffusion" or (node.level == 1 and node.module is None):
                names |= {alias.name for alias in node.names}
            elif node.module and node.module.startswith("fashion_diffusion."):
                names.add(node.module.split(".")[1])
            elif node.level == 1 and node.module:
                names.add(node.module)
    return {n for n in names if (PACKAGE / f"{n}.py").exists()}


def _closure(path: Path) -> set[str]:
    seen, todo = set(), list(_imports(path))
    while todo:
        name = todo.pop()
        if name not in seen:
            seen.add(name)
            todo += _imports(PACKAGE / f"{name}.py")
    return seen


def test_every_stage_declares_its_script_and_library_modules():
    stages = yaml.safe_load((ROOT / "dvc.yaml").read_text())["stages"]
    problems = []
    for name, stage in stages.items():
        script = ROOT / "stages" / f"{name}.py"
        deps = set(stage["deps"])
        if f"stages/{name}.py" not in deps or stage["cmd"] != f"python stages/{name}.py":
            problems.append(f"{name}: cmd/script")
        for module in sorted(_closure(script)):
            if f"src/fashion_diffusion/{module}.py" not in deps:
                problems.append(f"{name}: src/fashion_diffusion/{module}.py")
    assert not problems, "missing deps in dvc.yaml: " + ", ".join(problems)
