"""dvc.yaml must match the code: each stage's deps hold exactly its script and the library folders its
outputs depend on (or DVC misses a change, or re-runs for nothing; tests.support.imports), and its outputs
are exactly what it writes.
A `foreach` stage (stages/<name>.py KEY) is checked through its `do` template, `${key}` (over a dict)
or `${item}` (over a list) standing for the `{key}` slot of the script's OUTPUTS."""

import ast
from pathlib import Path

import yaml

from tests.support.imports import code_deps

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
            path, options = next(iter(entry.items())) if isinstance(entry, dict) else (entry, {})
            slot = path.replace("${key}", "{key}").replace("${item}", "{key}")
            (persistent if (options or {}).get("persist") else removed).add(slot)
    return removed, persistent


def _written_outputs(script: Path) -> set[str]:
    """The module-level OUTPUTS list of a stage script."""
    for node in ast.parse(script.read_text()).body:
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") == "OUTPUTS":
            return set(ast.literal_eval(node.value))
    return set()


def test_every_stage_declares_exactly_its_script_and_library_folders():
    problems = []
    for name, stage in STAGES.items():
        body = _body(stage)
        command = f"python stages/{name}.py"
        expected = {f"{command} ${{key}}", f"{command} ${{item}}"} if "foreach" in stage else {command}
        if body["cmd"] not in expected:
            problems.append(f"{name}: cmd")
        declared = [d for d in body["deps"] if d.startswith(("src/", "stages/"))]
        expected = code_deps(ROOT / "stages" / f"{name}.py")
        problems += [f"{name}: missing {d}" for d in expected if d not in declared]
        problems += [f"{name}: needless {d}" for d in declared if d not in expected]
    assert not problems, (
        "dvc.yaml deps differ from the imports (`python -m tests.support.imports --write` "
        "rewrites them): " + ", ".join(problems)
    )


def test_no_stage_but_the_logging_one_depends_on_the_runner_or_tracking():
    for name, stage in STAGES.items():
        recording = {d for d in _body(stage)["deps"] if d.endswith(("/stage.py", "/tracking"))}
        assert recording == (
            set() if name != "render_report" else {"src/fashion_diffusion/tracking", "src/fashion_diffusion/stage.py"}
        ), name


def test_the_report_depends_on_its_templates():
    assert "src/fashion_diffusion/report" in STAGES["render_report"]["deps"]
    assert (ROOT / "src/fashion_diffusion/report/templates/assessment.md.j2").is_file()


def test_dvc_metrics_are_the_short_headline_files():
    metrics = [
        next(iter(m)) if isinstance(m, dict) else m for s in STAGES.values() for m in _body(s).get("metrics", [])
    ]
    assert metrics and all(path.startswith("reports/headline/") for path in metrics), metrics


def test_every_stage_writes_exactly_what_it_declares():
    """OUTPUTS (written through stage.Outputs) holds every output DVC removes before a run, and
    nothing undeclared; a persistent output may also be written in place (resume checkpoints)."""
    problems = []
    for name, stage in STAGES.items():
        removed, persistent = _declared_outputs(stage)
        written = _written_outputs(ROOT / "stages" / f"{name}.py")
        if not removed <= written <= removed | persistent:
            problems.append(
                f"{name}: dvc.yaml {sorted(removed)} (+ persistent {sorted(persistent)}) vs OUTPUTS {sorted(written)}"
            )
    assert not problems, "; ".join(problems)


def _upstream(name: str) -> set[str]:
    """The stages whose outputs this stage's deps name (a folder dep covers what lies under it)."""
    produced = {
        path: other
        for other, stage in STAGES.items()
        for path in _declared_outputs(stage)[0]
        | _declared_outputs(stage)[1]
        | {next(iter(p)) if isinstance(p, dict) else p for p in _body(stage).get("plots", [])}
    }
    deps = _body(STAGES[name])["deps"]
    return {
        other
        for path, other in produced.items()
        for dep in deps
        if other != name and (path.startswith(dep + "/") or dep == path or dep.startswith(path + "/"))
    }


def test_every_stage_runs_after_the_params_check():
    """Directly or through an upstream stage, so DVC runs check_params first and a bad value stops `dvc repro`
    before DVC removes any other stage's outputs."""

    def reaches(name: str, seen: set[str]) -> bool:
        upstream = _upstream(name) - seen
        return "check_params" in upstream or any(reaches(other, seen | upstream) for other in upstream)

    assert [name for name in STAGES if name != "check_params" and not reaches(name, {name})] == []


def test_the_ablation_summary_reads_every_variant_in_params():
    """One stage trains every variant into models/ablations/<name>; the summary (the judging) depends on the folder."""
    assert "models/ablations" in STAGES["ablation_summary"]["deps"]
    assert STAGES["ablation_training"]["outs"] == ["models/ablations"]
    assert "models/clip_scorer.pt" in STAGES["ablation_training"]["deps"]  # the clip_alignment variant's term
    params = STAGES["ablation_training"]["params"]
    assert {"ablations.variants", "ablations.clip_alignment", "ablations.workers", "model.archs"} <= set(params)


def test_ablation_training_reads_only_what_changes_its_weights():
    """Sampling, judging and statistics keys are the summary's: changing them re-judges without retraining."""
    stage = STAGES["ablation_training"]
    assert not [key for key in stage["params"] if key.split(".")[0] in ("sample", "statistics", "evaluate", "judge")]
    assert not [key for key in stage["params"] if key in ("ablations", "ablations.per_class", "ablations.seed")]
    assert "models/judge.pt" not in stage["deps"]
    assert "src/fashion_diffusion/studies/ablation.py" not in stage["deps"]  # the judging half
    assert {"sample.guidance_scale", "statistics"} <= set(STAGES["ablation_summary"]["params"])


def test_the_clip_verdicts_read_every_clip_seed_in_params():
    seeds = PARAMS["clip"]["spread_seeds"]
    assert STAGES["clip_seed"]["foreach"] == "${clip.spread_seeds}"
    assert next(iter(STAGES["clip_seed"]["do"]["outs"][0])) == "models/clip_seeds/seed_${item}.json" and seeds
    assert {"models/clip_seeds", "models/clip_scorer_metrics.json"} <= set(STAGES["clip_eval"]["deps"])


def test_no_file_git_tracks_lies_inside_an_output_dvc_caches():
    """DVC refuses to cache an output that holds a file git tracks ("already tracked by SCM"), at the end
    of the stage that wrote it: e.g. a .gitignore DVC once wrote inside a folder that is now one output."""
    import subprocess

    cached = []
    for stage in STAGES.values():
        for out in stage.get("do", stage).get("outs", []):
            path, options = next(iter(out.items())) if isinstance(out, dict) else (out, {})
            if "${" not in path and options.get("cache", True):
                cached.append(path)
    tracked = subprocess.run(["git", "ls-files", "--", *cached], cwd=ROOT, capture_output=True, text=True, check=True)
    assert cached and tracked.stdout.split() == []
