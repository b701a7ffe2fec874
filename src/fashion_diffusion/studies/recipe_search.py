"""The recipe search: training recipes of the default model compared at equal training compute.

A row is params.yaml with a few dotted keys changed (`set`; keys under `model.archs.<name>` may
name a new architecture). Every row trains for the same forward GFLOPs (the search's `budget_gflop`,
`studies.ablation_training.budget_steps`: a cheaper net sees more images), with its own learning-rate
schedule ending at the budget and a warm-up of `warmup_gflop`, then its EMA weights are sampled with
the row's sampler (`per_class` per class) and judged like the default model: FID / floor at that n,
judge accuracy, and the worst class's gap to the judge's accuracy on real test images of that class.

A row with `from: <row>` trains nothing: it samples that row's kept weights with its own `sample.*`
settings (the sampler re-checked on a trained recipe). Rows are kept in a results file by name with
the settings they ran under, so a search file can grow and be re-run: only new or changed rows run
(`run_search`). Outside the DVC pipeline: each row costs
a default training run (minutes on a CPU), so the search is run by hand and its results committed.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

import yaml

from ..config import Params
from ..config.constants import steps_per_epoch
from ..config.loading import ParamsError, set_dotted, validate
from ..core.artifacts import write_json
from ..core.runtime import resolve_device
from ..data.prepared import load_prepared
from ..evaluation.cost import flops_per_image
from ..evaluation.generation import generate
from ..evaluation.setup import EvaluationSetup, load_setup
from ..model.checkpoint import load_denoiser
from ..model.samplers import Sampling
from ..model.unet import build_denoiser
from ..style.bins import load_style_bins
from .ablation_training import snapshot_path, train_variant, variant_info

SEARCH_KEYS = {"budget_gflop", "warmup_gflop", "per_class", "seed", "rows"}
SETTINGS = ["budget_gflop", "warmup_gflop", "per_class", "seed"]  # a row may set its own warmup_gflop
BUDGET_KEYS = ["budget_gflop", "steps", "images_seen", "train_gflop"]


def row_params(base: dict, changes: dict[str, object]) -> Params:
    """params.yaml (`base`, parsed) with a row's dotted changes, validated: every key must exist
    (config.loading.set_dotted), except that `model.archs.<name>` may add a new architecture."""
    raw = copy.deepcopy(base)
    archs = raw["model"]["archs"]
    for dotted, value in changes.items():
        name = dotted.removeprefix("model.archs.")
        if dotted.startswith("model.archs.") and "." not in name and name not in archs:
            archs[name] = value
        else:
            set_dotted(raw, dotted, value, source="recipe search row")
    return validate(raw, "params.yaml + recipe search row")


def search_params(p: Params, budget_gflop: float, warmup_gflop: float, per_class: int, seed: int) -> Params:
    """A row's params with the ablation machinery pointed at the search: one budget, the row's own
    learning-rate schedule (ending at the budget), the search's warm-up (in GFLOPs, so in steps of the
    row's own net), sample count and seed."""
    info = variant_info(p, p.model.arch, load_style_bins(), load_prepared())
    flops = flops_per_image(build_denoiser(info.config), info.image_shape)
    ablations = p.ablations.model_copy(
        update={
            "budgets_gflop": [budget_gflop],
            "warmup_steps": round(warmup_gflop * 1e9 / (flops * p.train.batch_size)),
            "lr_schedule": p.train.lr_schedule,
            "per_class": per_class,
            "seed": seed,
        }
    )
    return p.model_copy(update={"ablations": ablations})


def judge_snapshot(folder: Path, budget: dict, setup: EvaluationSetup, p: Params) -> dict:
    """The EMA weights of one budget (a record of `train_variant`) sampled (ablations.per_class per class,
    the row's sampler, ablations.seed) and judged: the budget's keys, the judged set's flat keys, FID /
    floor and the accuracy per class."""
    model, info = load_denoiser(snapshot_path(folder, budget["budget_gflop"]), setup.device)
    generated = generate(model, info, p.ablations.per_class, Sampling.of(p.sample), p.ablations.seed)
    judged = setup.judged(setup.judge(generated.images, generated.labels))
    return {
        **budget,
        "sample_seconds": generated.seconds,
        **judged.flat(),
        "fid_over_floor": judged.fid_over_floor,
        "per_class_accuracy": judged.per_class_accuracy,
    }


def worst_class(per_class_accuracy: list[float], real_accuracy: dict[str, float]) -> dict:
    """The class whose generated images the judge recognises least, and the class furthest below
    the judge's accuracy on that class's real test images (`largest_gap`, in accuracy points)."""
    names = list(real_accuracy)
    gaps = [real_accuracy[name] - acc for name, acc in zip(names, per_class_accuracy)]
    worst = min(range(len(names)), key=lambda i: per_class_accuracy[i])
    gap = max(range(len(names)), key=lambda i: gaps[i])
    return {
        "worst_class": names[worst],
        "worst_class_accuracy": per_class_accuracy[worst],
        "largest_gap_class": names[gap],
        "largest_gap": gaps[gap],
    }


def run_row(
    row: dict, settings: dict, base: dict, judge_metrics: dict, weights: Path, results: dict, setup: EvaluationSetup
) -> dict:
    """Train one row to the search's budget (its EMA weights kept in `weights`/<name>) and judge it, or
    judge the kept weights of the row it names in `from`; the record kept in the results file."""
    name, changes, source = row["name"], row.get("set") or {}, row.get("from")
    trained_with = results[source]["set"] if source else {}
    p = search_params(row_params(base, {**trained_with, **changes}), **settings)
    folder = Path(weights) / (source or name)
    if source:
        training = results[source]["training"]
        budget = {k: results[source][k] for k in BUDGET_KEYS}
    else:
        device = resolve_device(p.train.device, "train.device")
        training = train_variant(p, p.model.arch, load_style_bins(), load_prepared(), device, folder)
        budget = training.pop("budgets")[0]
    point = judge_snapshot(folder, budget, setup, p)
    metrics = {k: v for k, v in point.items() if k != "per_class_accuracy"}
    real = judge_metrics["per_class_test_accuracy"]
    return {
        "name": name,
        "from": source,
        "set": changes,
        "search": settings,
        "training": training,
        **metrics,
        "per_class_accuracy": dict(zip(real, point["per_class_accuracy"])),
        **worst_class(point["per_class_accuracy"], real),
    }


def load_search(path: Path) -> dict:
    """The search file: budget_gflop, warmup_gflop, per_class, seed and rows [{name, set, from,
    warmup_gflop}]; a `from` row names an earlier training row and changes only sample.* keys."""
    search = yaml.safe_load(Path(path).read_text())
    if not isinstance(search, dict) or set(search) != SEARCH_KEYS:
        raise ParamsError(f"{path}: needs exactly the keys {', '.join(sorted(SEARCH_KEYS))}")
    seen: dict[str, dict] = {}
    for row in search["rows"]:
        name = row.get("name")
        if not isinstance(name, str) or not name or name in seen:
            raise ParamsError(f"{path}: every row needs a name of its own ({name!r})")
        if set(row) - {"name", "set", "from", "warmup_gflop"}:
            raise ParamsError(
                f"{path}: row {name}: unknown keys {sorted(set(row) - {'name', 'set', 'from', 'warmup_gflop'})}"
            )
        source = row.get("from")
        if source is not None:
            if source not in seen or seen[source].get("from"):
                raise ParamsError(f"{path}: row {name}: `from: {source}` names no earlier training row")
            outside = [k for k in row.get("set") or {} if not k.startswith("sample.")]
            if outside or "warmup_gflop" in row:
                raise ParamsError(f"{path}: row {name}: a `from` row changes only sample.* keys ({outside})")
        seen[name] = row
    return search


def run_search(
    search_file: Path, results_file: Path, params_file: Path, judge_file: Path, weights: Path, only: list[str]
) -> dict:
    """Run the rows of `search_file` (those named in `only`, else all) whose settings differ from
    their record in `results_file`; write the results after each row. Returns the results."""
    search = load_search(search_file)
    base = yaml.safe_load(Path(params_file).read_text())
    judge_metrics = json.loads(Path(judge_file).read_text())
    results = json.loads(results_file.read_text()) if results_file.is_file() else {}
    setup = None
    for row in search["rows"]:
        name, changes, source = row["name"], row.get("set") or {}, row.get("from")
        settings = {
            **{k: search[k] for k in SETTINGS},
            **({"warmup_gflop": row["warmup_gflop"]} if "warmup_gflop" in row else {}),
        }
        row_params(base, {**(results.get(source, {}).get("set") or {}), **changes})  # a bad row fails before any run
        kept = results.get(name)
        fresh = kept and kept["set"] == changes and kept["search"] == settings and kept.get("from") == source
        if (only and name not in only) or fresh:
            continue
        if source and source not in results:
            raise ParamsError(f"row {name}: row {source} has no result yet (run it first)")
        print(f"row {name}: {changes or 'params.yaml as is'}" + (f", weights of {source}" if source else ""))
        setup = setup or load_setup(validate(base), with_model=False)  # the judge, once, when a row runs
        results[name] = r = run_row(row, settings, base, judge_metrics, weights, results, setup)
        print(
            f"row {name}: FID {r['fid']:.2f} ({r['fid_over_floor']:.2f}x floor), accuracy {r['accuracy']:.3f}, "
            f"{r['training']['train_seconds']:.0f} s"
        )
        write_json(results_file, results)
    return results


def run_profile(profile_file: Path, results_file: Path, params_file: Path, judge_file: Path, weights: Path) -> dict:
    """The long profile: params.yaml with the profile's `set` changes trained for `epochs` epochs in one
    run (its learning-rate schedule spans them all), the EMA weights judged after every epoch
    (`per_class` per class, seed `seed`). Writes and returns {settings, training, epochs: [...]}."""
    profile = yaml.safe_load(Path(profile_file).read_text())
    keys = {"set", "epochs", "per_class", "seed"}
    if not isinstance(profile, dict) or set(profile) != keys:
        raise ParamsError(f"{profile_file}: needs exactly the keys {', '.join(sorted(keys))}")
    base = yaml.safe_load(Path(params_file).read_text())
    p = row_params(base, profile["set"] or {})
    data, bins = load_prepared(), load_style_bins()
    info = variant_info(p, p.model.arch, bins, data)
    flops = flops_per_image(build_denoiser(info.config), info.image_shape)
    per_epoch = steps_per_epoch(len(data.train_images), p.train.batch_size)
    budgets = [epoch * per_epoch * p.train.batch_size * flops / 1e9 for epoch in range(1, profile["epochs"] + 1)]
    warmup = p.train.warmup_steps * p.train.batch_size * flops / 1e9
    p = search_params(p, budgets[-1], warmup, profile["per_class"], profile["seed"])
    p = p.model_copy(update={"ablations": p.ablations.model_copy(update={"budgets_gflop": budgets})})
    training = train_variant(p, p.model.arch, bins, data, resolve_device(p.train.device, "train.device"), Path(weights))
    real = json.loads(Path(judge_file).read_text())["per_class_test_accuracy"]
    epochs, setup = [], load_setup(p, with_model=False)
    for epoch, budget in enumerate(training.pop("budgets"), start=1):
        point = judge_snapshot(Path(weights), budget, setup, p)
        metrics = {k: v for k, v in point.items() if k != "per_class_accuracy"}
        epochs.append({"epoch": epoch, **metrics, **worst_class(point["per_class_accuracy"], real)})
        print(
            f"epoch {epoch}: FID {metrics['fid']:.2f} ({metrics['fid_over_floor']:.2f}x floor), accuracy {metrics['accuracy']:.3f}"
        )
    results = {"profile": profile, "training": training, "epochs": epochs}
    write_json(results_file, results)
    return results
