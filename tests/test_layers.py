"""The package's layers point one way: no import cycle between its packages, and each imports only lower ones.

A node is a top-level subpackage (`config`, `studies`, ...) or top-level module (`stage`, `cli`) of
fashion_diffusion; an edge is any import, at module level or inside a function, found by the AST helpers
of tests.support.imports. LAYERS is the order, lowest first: a node may import nodes of its own layer or
below. `config` (params.yaml's schema) sits low, so every stage can check its params without torch.
"""

import ast
import subprocess
import sys

import pytest

from tests.support.imports import PACKAGE, SRC, imported_modules

LAYERS = [
    {"core"},  # the error types, safe files and checkpoints, batches, the torch runtime, dotted keys
    {"results"},  # what the studies conclude, as typed records: the report reads only these
    {"stats"},  # bootstrap intervals and metrics; nothing else of the package
    {"config"},  # the params schema and the constants it checks against; only `core.errors` below it
    {"data"},
    {"model"},
    {"style"},
    {"training"},
    {"scoring"},
    {"evaluation"},  # what the studies share: generation, the judge's reference, setup, comparison, cost
    {"studies"},  # one module per study (one stage, one question of the report)
    {"plotting"},  # figures the stages draw
    {"report"},
    {"generate"},
    {"tracking"},
    {"stage"},
    {"cli"},
]
Graph = dict[str, set[str]]


def _node(module: str) -> str | None:
    """fashion_diffusion.a.b -> "a"; None for the package itself."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[0] == PACKAGE else None


def package_graph() -> tuple[Graph, dict[tuple[str, str], str]]:
    """Node -> the other nodes it imports, and for each edge one file that makes it (for messages)."""
    graph: Graph = {}
    witness: dict[tuple[str, str], str] = {}
    root = SRC / PACKAGE
    for path in sorted(root.rglob("*.py")):
        relative = path.relative_to(root)
        if relative.parts == ("__init__.py",):
            continue  # fashion_diffusion/__init__.py: the package, not a layer
        here = relative.parts[0].removesuffix(".py")
        graph.setdefault(here, set())
        for module in imported_modules(path):
            there = _node(module)
            if there and there != here:
                graph[here].add(there)
                witness.setdefault((here, there), f"{relative} imports {module}")
    return graph, witness


def find_cycle(graph: Graph) -> list[str] | None:
    """One cycle [a, b, ..., a] of the directed graph, or None when it has none (depth-first search)."""
    state: dict[str, str] = {}  # "open" while on the DFS path, "done" once all its descendants are explored
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = "open"
        path.append(node)
        for neighbour in sorted(graph.get(node, ())):
            if state.get(neighbour) == "open":
                return path[path.index(neighbour) :] + [neighbour]
            if neighbour not in state and (cycle := visit(neighbour)):
                return cycle
        state[node] = "done"
        path.pop()
        return None

    for start in sorted(graph):
        if start not in state and (cycle := visit(start)):
            return cycle
    return None


def reachable(graph: Graph, start: str) -> set[str]:
    seen, todo = set(), list(graph.get(start, ()))
    while todo:
        node = todo.pop()
        if node not in seen:
            seen.add(node)
            todo += graph.get(node, ())
    return seen


@pytest.fixture(scope="module")
def graph_and_witness() -> tuple[Graph, dict[tuple[str, str], str]]:
    return package_graph()


def _explain(edges: list[tuple[str, str]], witness: dict[tuple[str, str], str]) -> str:
    return "; ".join(f"{a} -> {b} ({witness[a, b]})" for a, b in edges)


@pytest.mark.parametrize(
    "graph, expected",
    [
        ({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}, ["a", "b", "c", "a"]),
        (
            {"scoring": {"evaluation"}, "evaluation": {"scoring", "model"}, "model": set()},
            ["evaluation", "scoring", "evaluation"],
        ),
        ({"a": {"b", "c"}, "b": {"c"}, "c": set()}, None),  # a diamond is not a cycle
        ({}, None),
    ],
)
def test_find_cycle_on_synthetic_graphs(graph, expected):
    assert find_cycle(graph) == expected


def test_the_graph_sees_the_package():
    graph, witness = package_graph()
    assert {"config", "stats", "studies", "evaluation", "cli", "core"} <= set(graph)
    assert "tracking" in graph["cli"] and "stats" in graph["studies"]
    assert witness["studies", "stats"].startswith("studies/")


def test_no_import_cycle_between_packages(graph_and_witness):
    graph, witness = graph_and_witness
    cycle = find_cycle(graph)
    assert cycle is None, f"import cycle between packages: {' -> '.join(cycle)}: " + _explain(
        list(zip(cycle, cycle[1:])), witness
    )


def test_every_import_points_down_the_layers(graph_and_witness):
    graph, witness = graph_and_witness
    layer = {node: i for i, nodes in enumerate(LAYERS) for node in nodes}
    unplaced = sorted(set(graph) - set(layer))
    assert not unplaced, f"not in tests/test_layers.py LAYERS (place each in a layer): {unplaced}"
    upward = sorted((a, b) for a, targets in graph.items() for b in targets if layer[b] > layer[a])
    assert not upward, "imports of a higher layer: " + _explain(upward, witness)


def test_config_imports_nothing_of_the_package_but_the_error_types():
    imported = set()
    for path in (SRC / PACKAGE / "config").rglob("*.py"):
        imported |= {m for m in imported_modules(path) if not m.startswith(f"{PACKAGE}.config")}
    assert imported <= {f"{PACKAGE}.core", f"{PACKAGE}.core.errors"}, sorted(imported)
    assert imported_modules(SRC / PACKAGE / "core" / "errors.py") == set()


def test_config_loads_without_torch():
    code = "import sys, fashion_diffusion.config; print(sorted(m for m in sys.modules if m.split('.')[0] == 'torch'))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"


def test_report_does_not_import_tracking(graph_and_witness):
    graph, witness = graph_and_witness
    assert "tracking" not in reachable(graph, "report"), _explain(
        [("report", b) for b in sorted(graph["report"])], witness
    )


def test_stats_imports_nothing_of_the_package_but_the_result_types(graph_and_witness):
    """stats computes; it builds the plain, typed records of `results` (a Comparison) and nothing else."""
    graph, witness = graph_and_witness
    extra = graph["stats"] - {"results"}
    assert not extra, "stats imports " + _explain([("stats", b) for b in sorted(extra)], witness)


REPORT_MAY_NOT_IMPORT = {"numpy", "pandas", "scipy", "torch"} | {
    f"{PACKAGE}.{node}" for node in ("stats", "evaluation", "studies", "training", "model", "scoring")
}


def _imports_of(path) -> set[str]:
    """Every module the file imports (third-party and the package's), at module level or inside a function."""
    found = set(imported_modules(path))
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
            found.add(node.module)
    return found


def _forbidden(module: str) -> bool:
    return any(module == name or module.startswith(name + ".") for name in REPORT_MAY_NOT_IMPORT)


@pytest.mark.parametrize("name", [path.name for path in sorted((SRC / PACKAGE / "report").glob("*.py"))])
def test_the_report_formats_and_computes_nothing(name):
    """report/ reads typed results and formats them: it imports no numerical library and none of the
    packages that compute statistics or verdicts (stats, evaluation, studies) or touch models."""
    imported = _imports_of(SRC / PACKAGE / "report" / name)
    assert not sorted(filter(_forbidden, imported)), f"report/{name} imports {sorted(filter(_forbidden, imported))}"


def test_the_report_import_check_sees_a_forbidden_import(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text("import numpy as np\nfrom scipy.stats import norm\n\ndef f():\n    import pandas\n")
    assert sorted(filter(_forbidden, _imports_of(sample))) == ["numpy", "pandas", "scipy.stats"]
