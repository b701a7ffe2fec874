"""dvc.yaml must match the code: each stage's deps hold exactly its script and the library files it
runs (or DVC misses a change, or re-runs for nothing), and its outputs are exactly what it writes.
A `foreach` stage (stages/<name>.py KEY) is checked through its `do` template, `${key}` (over a dict)
or `${item}` (over a list) standing for the `{key}` slot of the script's OUTPUTS."""
import ast
from pathlib import Path

import yaml

from tests.support.imports import closure

ROOT = Path(__file__).resolve().parents[1]
STAGES = yaml.safe_load((ROOT / "dvc.yaml").read_text())["stages"]
PARAMS = yaml.safe_load((ROOT / "params.yaml").read_text())


def _body(stage: dict) -> dict:
    return stage.get("do", stage)


def _declared_outputs(stage: dict) -> tuple[set[str], set[str]]:
    """(outputs DVC removes before running the stage, persistent outputs it leaves in place)."""
    removed, persistent = set(), set()
    for kind in ("outs", "metrics", "plots"):
        for entry in _body(stage).get(kind, []):
            path, options = (next(iter(entry.items())) if isinstance(entry, dict) else (entry, {}))
            slot = path.replace("${key}", "{key}").replace("${item}", "{key}")
            (persistent if (options or {}).get("persist") else removed).add(slot)
    return removed, persistent


def _written_outputs(script: Path) -> set[str]:
    """The module-level OUTPUTS list of a stage script."""
    for node in ast.parse(script.read_text()).body:
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") == "OUTPUTS":
            return set(ast.literal_eval(node.value))
    return set()


def test_every_stage_declares_exactly_its_script_and_library_files():
    problems = []
    for name, stage in STAGES.items():
        script = ROOT / "stages" / f"{name}.py"
        body = _body(stage)
        command = f"python stages/{name}.py"
        expected = {f"{command} ${{key}}", f"{command} ${{item}}"} if "foreach" in stage else {command}
        if body["cmd"] not in expected:
            problems.append(f"{name}: cmd")
        code_deps = {d for d in body["deps"] if d.startswith(("src/", "stages/"))}
        expected = {f"stages/{name}.py", *closure(script)}
        problems += [f"{name}: missing {d}" for d in sorted(expected - code_deps)]
        problems += [f"{name}: needless {d}" for d in sorted(code_deps - expected)]
    assert not problems, "dvc.yaml deps differ from the imports (python -m tests.support.imports): " + ", ".join(problems)


def test_every_stage_writes_exactly_what_it_declares():
    """OUTPUTS (written through stage.Outputs) holds every output DVC removes before a run, and
    nothing undeclared; a persistent output may also be written in place (resume checkpoints)."""
    problems = []
    for name, stage in STAGES.items():
        removed, persistent = _declared_outputs(stage)
        written = _written_outputs(ROOT / "stages" / f"{name}.py")
        if not removed <= written <= removed | persistent:
            problems.append(f"{name}: dvc.yaml {sorted(removed)} (+ persistent {sorted(persistent)}) vs OUTPUTS "
                            f"{sorted(written)}")
    assert not problems, "; ".join(problems)


def test_every_stage_runs_after_the_params_check():
    assert all("data/params_checked.json" in _body(stage)["deps"] for name, stage in STAGES.items()
               if name != "check_params")


def test_the_ablation_summary_reads_every_variant_in_params():
    names = [*PARAMS["ablations"]["variants"], "clip_alignment"]
    expected = {f"data/ablations/{n}.npz" for n in names} | {f"reports/metrics/ablation_{n}.json" for n in names}
    declared = {d for d in STAGES["ablation_summary"]["deps"] if d.startswith(("data/ablations/", "reports/metrics/"))}
    assert declared == expected
    assert STAGES["ablation"]["foreach"] == "${ablations.variants}"
    assert "models/clip_scorer.pt" in STAGES["ablation_clip"]["deps"]
    assert "models/clip_scorer.pt" not in STAGES["ablation"]["do"]["deps"]


def test_the_report_reads_every_clip_seed_in_params():
    seeds = PARAMS["clip"]["spread_seeds"]
    assert STAGES["clip_seed"]["foreach"] == "${clip.spread_seeds}"
    declared = {d for d in STAGES["render_report"]["deps"] if d.startswith("models/clip_seeds/")}
    assert declared == {f"models/clip_seeds/seed_{s}.json" for s in seeds}
