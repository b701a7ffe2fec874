"""Hostile input, proven harmless: a bad value in every params section, broken params files,
corrupt and truncated data and model files, checkpoints that would run code, a stage killed
half-way, and a resume that must not trust another run's checkpoint.

Every case checks the exit status, the single line that names the key or file (and the allowed
range), and that every earlier output is byte for byte what it was. Fast tests call the library
in-process; the slow ones run the real stage scripts in a scratch folder that plays the
repository root (tests/support/stage_process.py, tests/support/hostile.py), and once `dvc repro`.
"""

import ast
import copy
import json
import re
import signal
from pathlib import Path

import numpy as np
import pytest
import torch
import yaml

from fashion_diffusion.config import DiffusionParams, ParamsError, TrainParams, load_params
from fashion_diffusion.config.loading import set_dotted
from fashion_diffusion.core.artifacts import ArtifactError, load_arrays, load_checkpoint
from fashion_diffusion.core.errors import InputError
from fashion_diffusion.data.fashion_mnist import IDX_MD5
from fashion_diffusion.data.prepared import load_prepared, load_raw
from fashion_diffusion.model.checkpoint import load_denoiser
from fashion_diffusion.model.unet import DenoiserConfig
from fashion_diffusion.scoring.clip.loading import ScorerError, load_scorer
from fashion_diffusion.scoring.judge.inference import load_judge
from fashion_diffusion.studies.training_quality import load_snapshot
from fashion_diffusion.style.bins import load_style_bins
from fashion_diffusion.training import resume
from tests.conftest import denoiser_config
from tests.support import tiny_pipeline
from tests.support.hostile import (
    build_tiny_artifacts,
    copy_folder,
    file_hashes,
    flip_byte,
    regzip_other_content,
    truncate,
    write_garbage,
    write_malicious_checkpoint,
    write_malicious_npz,
    write_params,
    write_placeholder_outputs,
)
from tests.support.stage_process import PAUSED, ROOT, run_stage, start_paused, wait_until_paused
from tests.support.tiny import tiny_params

DATASET = Path("/usr/share/datasets/fashion-mnist")

# --- bad values: (dotted key, value, the stage that reads it, what its one line must say) --------
BAD_VALUES = [
    ("statistics.bootstrap_resamples", 0, "evaluate", "Input should be greater than or equal to 100"),
    ("data.train_limit", -5, "prepare", "Input should be greater than or equal to 0"),
    ("data.train_limit", 50, "prepare", "must be 0 (all) or at least 100 (so that every class is present)"),
    ("data.test_limit", 20_000, "prepare", "Input should be less than or equal to 10000"),
    ("style.levels", 1, "prepare", "Input should be greater than or equal to 2"),
    ("style.attributes", ["colour"], "prepare", "Input should be 'ink', 'area' or 'slant'"),
    ("style.attributes", ["ink", "ink"], "prepare", "names an attribute twice"),
    ("model.arch", "huge", "train", "model.arch is 'huge'; valid: basic, large"),
    ("model.archs.basic.channels", [], "train", "List should have at least 1 item"),
    ("model.norm_groups", 3, "train", "model.norm_groups (3) must divide every channel count"),
    ("model.embedding_dim", 7, "train", "Input should be a multiple of 2"),
    ("model.archs.basic.attention_levels", [5], "train", "level 5 does not exist (levels 0..1)"),
    ("diffusion.timesteps", 0, "train", "Input should be greater than or equal to 2"),
    ("diffusion.cosine_s", -1, "train", "Input should be greater than 0"),
    ("train.epochs", -1, "train", "Input should be greater than 0"),
    ("train.epochs", 1.5, "train", "Input should be a valid integer"),
    ("train.batch_size", 0, "train", "Input should be greater than 0"),
    ("train.lr", -0.1, "train", "Input should be greater than 0"),
    ("train.lr", "fast", "train", "Input should be a valid number"),
    ("train.ema_decay", 1.5, "train", "Input should be less than 1"),
    ("train.p_uncond", 2, "train", "Input should be less than 1"),
    ("train.warmup_steps", 1000, "train", "must be less than the training steps (24)"),
    ("train.snapshots", 0, "train", "Input should be greater than 0"),
    ("train.device", "tpu", "train", "Input should be 'auto', 'cpu' or 'cuda'"),
    ("sample.eta", -1, "sample", "Input should be greater than or equal to 0"),
    ("sample.guidance_scale", -3, "sample", "Input should be greater than or equal to 0"),
    ("sample.steps", 0, "sample", "Input should be greater than 0"),
    ("sample.steps", 5000, "sample", "must be at most diffusion.timesteps (50)"),
    ("sample.sampler", "euler", "sample", "Input should be 'ddim', 'ddpm', 'dpmpp_2m' or 'dpmpp_2m_sde'"),
    ("sample.styles", ["colour=red"], "sample", "unknown style 'colour=red'; valid: ink=light|medium|bold"),
    ("sample.trajectory_every", 50, "sample", "must be at most sample.trajectory_steps (10)"),
    ("sample.per_class", 400, "sample", "must be at most the training images per class (80)"),
    ("sample.denoise_fractions", [0.5, 0.2], "sample", "must be strictly increasing"),
    ("clip.pretrained", "laion2b_s34b_b79k", "clip_eval", "must be empty when clip.model is 'trained'"),
    ("clip.model", "NoSuchArch", "clip_eval", "must be 'trained' or an open_clip architecture"),
    ("clip.prompts.good", "a photo", "clip_eval", "must contain {label}"),
    ("clip.train.batch_size", 1, "train_clip", "Input should be greater than or equal to 2"),
    ("clip.train.patch_size", 29, "train_clip", "Input should be less than or equal to 28"),
    ("clip.train.patch_size", 5, "train_clip", "clip.train.patch_size (5) must divide the image side"),
    ("clip.train.blur_sigma", [2.0, 1.0], "train_clip", "must be [low, high] with 0 < low <= high"),
    ("clip.train.warmup_steps", 500, "train_clip", "must be less than clip.train.steps (10)"),
    ("judge.batch_size", 5000, "train_judge", "must be at most the training images (800)"),
    ("judge.channels", [], "train_judge", "List should have at least 1 item"),
    ("select.k", 5, "select_topk", "select.k must be at most select.group_size (2)"),
    ("select.group_size", 3, "select_topk", "select.group_size (3) must divide sample.per_class (4)"),
    ("select.weights", {"good": 0.0}, "select_topk", "must give at least one score a non-zero weight"),
    (
        "evaluate.samplers",
        [{"sampler": "ddim", "steps": 2000, "eta": 1.0, "per_class": 0}],
        "sampler_study",
        "must be at most diffusion.timesteps (50)",
    ),
    (
        "evaluate.samplers",
        [{"sampler": "plms", "steps": 5, "eta": 1.0, "per_class": 0}],
        "sampler_study",
        "evaluate.samplers.0.sampler",
    ),
    ("evaluate.loss_by_t_buckets", 0, "training_quality", "Input should be greater than or equal to 1"),
    ("evaluate.snapshot_per_class", 300, "training_quality", "must be at most the training images per class (80)"),
    (
        "evaluate.samplers",
        [{"sampler": "ddpm", "steps": 5, "eta": 1.0, "per_class": 300}],
        "sampler_study",
        "evaluate.samplers.0.per_class must be at most the training images per class (80)",
    ),
    ("clip.spread_seeds", [0], "clip_eval", "must be distinct and differ from clip.train.seed (0)"),
    ("ablations.budgets_gflop", [0], "ablation_training", "Input should be greater than 0"),
    ("ablations.budgets_gflop", [500, 200], "ablation_training", "ablations.budgets_gflop must be strictly increasing"),
    ("ablations.lr_schedule", "linear", "ablation_training", "ablations.lr_schedule: Input should be 'warmup_cosine'"),
    ("ablations.reference", "baseline", "ablation_training", "ablations.reference is 'baseline'; valid: reference"),
    (
        "ablations.variants",
        {"reference": "huge"},
        "ablation_training",
        "ablations.variants.reference is 'huge'; valid:",
    ),
    ("ablations.clip_alignment.arch", "huge", "ablation_training", "is 'huge'; valid: basic"),
    ("ablations.workers", 0, "ablation_training", "Input should be greater than 0"),
    ("guidance.scales", [2.0, 1.0], "guidance_sweep", "must be strictly increasing"),
    ("guidance.scales", [25.0], "guidance_sweep", "Input should be less than or equal to 20"),
    ("probes.timestep_shifts", [5000], "wrong_timestep", "must be at most diffusion.timesteps - 1 (49)"),
    ("probes.resolutions", [4], "sampling_cost", "Input should be greater than or equal to 8"),
    ("difficulty.edge_threshold", 0, "class_difficulty", "Input should be greater than 0"),
    ("augmentation.per_class", 1000, "augmentation", "must be at most sample.per_class"),
    ("augmentation.seeds", [], "augmentation", "List should have at least 1 item"),
]
BAD_VALUE_IDS = [f"{key}={value}" for key, value, *_ in BAD_VALUES]

# --- params files that are not params: (what is wrong, edit of the file's text, the line) ------
BROKEN_PARAMS_FILES = [
    ("unknown section", lambda text: text + "extras: {a: 1}\n", "unknown key extras"),
    ("missing key", lambda text: text.replace("  grad_clip: 1.0\n", ""), "train.grad_clip: missing"),
    ("not YAML", lambda text: text + "train: [\n", "params.yaml: not valid YAML at line"),
    ("not a mapping", lambda text: "- just\n- a list\n", "the top level must be a mapping of sections"),
]


def assert_one_line(stderr: str, *expected: str) -> str:
    """stderr is exactly one `error: ...` line holding every expected text; returns it."""
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, f"expected one line, got {len(lines)}:\n{stderr[-3000:]}"
    assert lines[0].startswith("error: "), lines[0]
    for text in expected:
        assert text in lines[0], f"{text!r} not in {lines[0]!r}"
    return lines[0]


def test_the_table_covers_every_params_section():
    assert {key.split(".")[0] for key, *_ in BAD_VALUES} == set(yaml.safe_load((ROOT / "params.yaml").read_text()))
    assert len(BAD_VALUES) + len(BROKEN_PARAMS_FILES) >= 30


@pytest.mark.parametrize("key, value, stage_name, message", BAD_VALUES, ids=BAD_VALUE_IDS)
def test_a_bad_value_is_one_line_naming_the_key_when_params_load(tmp_path, key, value, stage_name, message):
    with pytest.raises(ParamsError) as error:
        load_params(write_params(tmp_path, {key: value}))
    assert_one_line(f"error: {error.value}", key, message)


@pytest.mark.parametrize("problem, edit, message", BROKEN_PARAMS_FILES, ids=[c[0] for c in BROKEN_PARAMS_FILES])
def test_a_broken_params_file_is_one_line(tmp_path, problem, edit, message):
    path = write_params(tmp_path, {})
    path.write_text(edit(path.read_text()))
    with pytest.raises(ParamsError) as error:
        load_params(path)
    assert_one_line(f"error: {error.value}", message)


def test_every_stage_reads_params_before_anything_else():
    """Why one stage process stands for every bad value below: each stage runs under `stage.run` (a bad
    value: one line, status 1) and its main() calls load_params, which checks the whole file, in its first
    statement, before it reads or writes anything."""
    readers = []
    for script in sorted((ROOT / "stages").glob("*.py")):
        text = script.read_text()
        assert "stage.run(main)" in text, script.name
        main = next(n for n in ast.parse(text).body if isinstance(n, ast.FunctionDef) and n.name == "main")
        if "load_params" not in text:
            continue  # a stage that does not read params.yaml
        first = next(n for n in main.body if not (isinstance(n, ast.Expr) and isinstance(n.value, ast.Constant)))
        calls = [ast.unparse(n.func) for n in ast.walk(first) if isinstance(n, ast.Call)]
        assert "load_params" in calls, f"{script.name}: main() starts with {ast.unparse(first)!r}, not load_params()"
        readers.append(script.stem)
    assert len(readers) >= 20 and {stage for _, _, stage, _ in BAD_VALUES} <= set(readers)


@pytest.mark.slow
def test_a_bad_value_stops_the_stage_before_it_touches_any_output(tmp_path):
    """The stage process for one value; every value's line is checked in-process above, and every stage
    reads params.yaml first (test_every_stage_reads_params_before_anything_else)."""
    key, value, stage_name, message = BAD_VALUES[BAD_VALUE_IDS.index("train.epochs=-1")]
    write_params(tmp_path, {key: value})
    write_placeholder_outputs(tmp_path)
    before = file_hashes(tmp_path)
    result = run_stage(tmp_path, stage_name)
    assert result.returncode == 1
    assert_one_line(result.stderr, "error: params.yaml: ", key, message)
    assert file_hashes(tmp_path) == before


@pytest.mark.slow
def test_a_broken_params_file_stops_the_stage_before_it_touches_any_output(tmp_path):
    """The stage process for one broken file; every file's line is checked in-process above."""
    problem, edit, message = next(case for case in BROKEN_PARAMS_FILES if case[0] == "not YAML")
    path = write_params(tmp_path, {})
    path.write_text(edit(path.read_text()))
    write_placeholder_outputs(tmp_path)
    before = file_hashes(tmp_path)
    result = run_stage(tmp_path, "train")
    assert result.returncode == 1
    assert_one_line(result.stderr, message)
    assert file_hashes(tmp_path) == before


# --- a data.source that prepare cannot read: a valid string, so check_params checks the folder ---
# The stage process for one folder; check_source's lines (no folder, not a folder, missing files) are
# checked in-process in test_data.py, and a folder without the files by BAD_VALUES above.
BAD_SOURCES = [  # (overrides, what its one line must say)
    (
        {"data.source": "no/such/folder", "data.download_fallback": False},
        "data.source: no/such/folder: folder not found (install Debian's dataset-fashion-mnist or set "
        "data.download_fallback: true)",
    ),
    (  # an existing file, download on: prepare would say "not found" and download
        {"data.source": "params.yaml", "data.download_fallback": True},
        "data.source: params.yaml: not a folder (name the folder holding the four Fashion-MNIST idx files, or a "
        "path where nothing is, to download them)",
    ),
]


@pytest.mark.slow
@pytest.mark.parametrize("overrides, message", BAD_SOURCES, ids=["absent-without-download", "a-file"])
def test_a_bad_data_source_stops_check_params_before_it_touches_any_output(tmp_path, overrides, message):
    write_params(tmp_path, overrides)
    write_placeholder_outputs(tmp_path)
    before = file_hashes(tmp_path)
    result = run_stage(tmp_path, "check_params")
    assert result.returncode == 1
    assert_one_line(result.stderr, f"error: params.yaml: {message}")
    assert file_hashes(tmp_path) == before


# --- the same through `dvc repro`: the check_params stage stops it before DVC removes anything ---


@pytest.fixture(scope="module")
def trained_repo(tmp_path_factory) -> Path:
    """A tiny pipeline copy in which `dvc repro train` has run (check_params, prepare, train)."""
    repo = tiny_pipeline.make_copy(tmp_path_factory.mktemp("dvc") / "repo")
    result = tiny_pipeline.run(repo, "repro", "train")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return repo


def _pipeline_outputs(repo: Path) -> dict[str, str]:
    return file_hashes(repo, within=("data", "models", "reports", "dvc.lock"))


@pytest.mark.slow
@pytest.mark.parametrize(
    "key, value, message",
    # One value: the path is the same for every value (check_params fails first), whose lines are checked
    # in-process above.
    [("train.epochs", -1, "train.epochs: Input should be greater than 0 (got -1)")],
    ids=["train.epochs=-1"],
)
def test_dvc_repro_with_a_bad_value_touches_no_output(trained_repo, key, value, message):
    params = trained_repo / "params.yaml"
    good = params.read_text()
    before = _pipeline_outputs(trained_repo)
    raw = yaml.safe_load(good)
    set_dotted(raw, key, value)
    params.write_text(yaml.safe_dump(raw, sort_keys=False))
    try:
        result = tiny_pipeline.run(trained_repo, "repro")
    finally:
        params.write_text(good)
    output = result.stdout + result.stderr
    assert result.returncode != 0
    errors = [line for line in output.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1 and errors[0].startswith(f"error: params.yaml: {message}"), output[-3000:]
    assert re.findall(r"Running stage '(\w+)'", output) == ["check_params"]
    assert _pipeline_outputs(trained_repo) == before


# --- corrupt inputs: (file in the working folder, damage, the stage that reads it, its one line) -

DAMAGE = {
    "flipped-byte": lambda path: flip_byte(path, len(path.read_bytes()) // 2),
    "flipped-crc": lambda path: flip_byte(path, -8),  # the gzip trailer: CRC32, then the size
    "truncated": truncate,
    "garbage": write_garbage,
    "valid-gzip-wrong-data": regzip_other_content,
    "judge-weights": lambda path: path.write_bytes((path.parents[1] / "models/judge.pt").read_bytes()),
}
CORRUPT_INPUTS = [
    ("raw/train-images-idx3-ubyte.gz", "flipped-byte", "prepare", "corrupt or truncated gzip"),
    ("raw/train-labels-idx1-ubyte.gz", "flipped-crc", "prepare", "corrupt or truncated gzip (CRC check failed"),
    ("raw/t10k-images-idx3-ubyte.gz", "truncated", "prepare", "corrupt or truncated gzip"),
    ("raw/t10k-labels-idx1-ubyte.gz", "valid-gzip-wrong-data", "prepare", "md5 of the decompressed data is"),
    ("data/prepared/fashion_mnist.npz", "truncated", "train_judge", "corrupt or truncated array file"),
    ("data/prepared/style_bins.json", "truncated", "sample", "corrupt style bins"),
    ("models/diffusion.pt", "truncated", "sample", "corrupt or truncated checkpoint"),
    ("models/diffusion.pt", "garbage", "sample", "corrupt or truncated checkpoint"),
    ("models/diffusion.pt", "judge-weights", "sample", "not a checkpoint of this kind"),
    ("models/judge.pt", "truncated", "recognition", "corrupt or truncated checkpoint"),
    ("models/clip_scorer.pt", "truncated", "clip_eval", "corrupt or truncated checkpoint"),
    ("models/checkpoints/last.pt", "truncated", "train", "corrupt or truncated checkpoint"),
    ("models/snapshots/step_0000012.pt", "garbage", "training_quality", "corrupt or truncated checkpoint"),
    ("data/samples/samples.npz", "truncated", "evaluate", "corrupt or truncated array file"),
    ("data/samples/trajectory.npz", "flipped-byte", "recognition", "corrupt or truncated array file"),
]


@pytest.fixture(scope="module")
def tiny_folder(tmp_path_factory) -> Path:
    """Real outputs of prepare, train_judge, train_clip, train and sample on tiny params (a minute)."""
    if not DATASET.is_dir():
        pytest.skip("Fashion-MNIST not installed (apt-get install dataset-fashion-mnist)")
    return build_tiny_artifacts(tmp_path_factory.mktemp("tiny") / "work")


@pytest.fixture
def work(tiny_folder, tmp_path) -> Path:
    """A private copy of the tiny folder."""
    return copy_folder(tiny_folder, tmp_path / "work")


CPU = torch.device("cpu")
READERS = {  # what the stage that CORRUPT_INPUTS names calls to read the file, in the working folder
    **{f"raw/{stem}.gz": lambda: load_raw(Path("raw")) for stem in IDX_MD5},  # prepare, data.source: raw
    "data/prepared/fashion_mnist.npz": load_prepared,
    "data/prepared/style_bins.json": load_style_bins,
    "models/diffusion.pt": lambda: load_denoiser("models/diffusion.pt", CPU),
    "models/judge.pt": load_judge,
    "models/clip_scorer.pt": lambda: load_scorer("trained", "", CPU),
    "models/checkpoints/last.pt": lambda: resume.load_state(Path("models/checkpoints/last.pt"), "fingerprint", CPU),
    "models/snapshots/step_0000012.pt": lambda: load_snapshot(Path("models/snapshots/step_0000012.pt"), CPU),
    "data/samples/samples.npz": lambda: load_arrays("data/samples/samples.npz", ["images", "labels"], made_by="sample"),
    "data/samples/trajectory.npz": lambda: load_arrays(
        "data/samples/trajectory.npz", ["x0_pred", "labels", "fractions"], made_by="sample"
    ),
}


@pytest.mark.slow  # the tiny working folder; each case then reads one file in this process
@pytest.mark.parametrize(
    "name, damage, stage_name, message", CORRUPT_INPUTS, ids=[f"{name}-{damage}" for name, damage, *_ in CORRUPT_INPUTS]
)
def test_a_corrupt_input_is_one_line_naming_the_file(work, monkeypatch, name, damage, stage_name, message):
    if name.startswith("raw/"):  # a private copy of the dataset files to damage
        copy_folder(DATASET, work / "raw")
    DAMAGE[damage](work / name)
    monkeypatch.chdir(work)
    with pytest.raises(InputError) as error:
        READERS[name]()
    assert_one_line(f"error: {error.value}", f"{name}: {message}")


REPRESENTATIVE = ("models/diffusion.pt", "truncated")


@pytest.mark.slow
def test_a_corrupt_input_stops_the_stage_and_changes_nothing(work):
    """The stage process for one damaged file; every file's line is checked in-process above."""
    name, damage, stage_name, message = CORRUPT_INPUTS[[case[:2] for case in CORRUPT_INPUTS].index(REPRESENTATIVE)]
    DAMAGE[damage](work / name)
    before = file_hashes(work)
    result = run_stage(work, stage_name)
    assert result.returncode == 1
    assert_one_line(result.stderr, f"{name}: {message}")
    assert file_hashes(work) == before


@pytest.mark.parametrize("damage", [truncate, write_garbage])
def test_damaged_checkpoints_and_array_files_are_one_line(tmp_path, damage):
    checkpoint, arrays = tmp_path / "model.pt", tmp_path / "arrays.npz"
    torch.save({"weight": torch.ones(64, 64)}, checkpoint)
    np.savez_compressed(arrays, images=np.ones((64, 28, 28), dtype=np.uint8))
    for path, load in ((checkpoint, load_checkpoint), (arrays, lambda p: load_arrays(p, ["images"]))):
        damage(path)
        with pytest.raises(ArtifactError) as error:
            load(path)
        assert_one_line(f"error: {error.value}", f"{path}: corrupt")


# --- checkpoints that would run code: refused by every loader, unread ------------------------

LOADERS = {  # how each library loader reads a file that could hold a malicious pickle
    "load_checkpoint": load_checkpoint,
    "diffusion model": lambda path: load_denoiser(path, torch.device("cpu")),
    "judge": load_judge,
    "in-domain CLIP": lambda path: load_scorer("trained", "", "cpu", trained_path=path),
    "resume checkpoint": lambda path: resume.load_state(path, "fingerprint", torch.device("cpu")),
    "snapshot": lambda path: load_snapshot(path, torch.device("cpu")),
}


def test_the_bait_works_when_loaded_with_pickle(tmp_path):
    """Without weights_only the planted file runs its command: the tests below can fail."""
    for legacy in (False, True):
        path, marker = tmp_path / f"bait{legacy}.pt", tmp_path / f"ran{legacy}"
        write_malicious_checkpoint(path, marker, legacy=legacy)
        torch.load(path, weights_only=False)
        assert marker.exists()


@pytest.mark.parametrize("legacy", [False, True], ids=["zip-format", "legacy-format"])
@pytest.mark.parametrize("loader", LOADERS)
def test_every_loader_refuses_a_checkpoint_that_would_run_code(tmp_path, loader, legacy):
    path, marker = tmp_path / "evil.pt", tmp_path / "code-ran"
    write_malicious_checkpoint(path, marker, legacy=legacy)
    with pytest.raises(ArtifactError) as error:
        LOADERS[loader](path)
    assert_one_line(f"error: {error.value}", f"{path}: refused to load")
    assert not marker.exists()


def test_an_open_clip_weights_file_that_would_run_code_is_refused(tiny_arch, tmp_path):
    path, marker = tmp_path / "evil.pt", tmp_path / "code-ran"
    write_malicious_checkpoint(path, marker)
    with pytest.raises(ScorerError) as error:
        load_scorer(tiny_arch, str(path), "cpu")
    assert_one_line(f"error: {error.value}", f"clip.pretrained: {path}: refused to load")
    assert not marker.exists()


def test_an_npz_holding_pickled_objects_is_refused(tmp_path):
    path, marker = tmp_path / "samples.npz", tmp_path / "code-ran"
    write_malicious_npz(path, marker)
    with pytest.raises(ArtifactError) as error:
        load_arrays(path, ["images"])
    assert_one_line(f"error: {error.value}", f"{path}: refused to load")
    assert not marker.exists()


UNPICKLING_CALLS = {
    "torch.load",
    "torch.jit.load",
    "np.load",
    "numpy.load",
    "pickle.load",
    "pickle.loads",
    "pd.read_pickle",
    "joblib.load",
}


def test_every_load_of_a_file_goes_through_the_safe_loaders():
    """torch.load and np.load are called only in artifacts.py, with pickle off; nothing else unpickles."""
    calls = set()
    for path in sorted((ROOT / "src").rglob("*.py")) + sorted((ROOT / "stages").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and ast.unparse(node.func) in UNPICKLING_CALLS:
                calls.add((str(path.relative_to(ROOT)), ast.unparse(node)))
    assert calls == {
        ("src/fashion_diffusion/core/artifacts.py", "torch.load(path, map_location=map_location, weights_only=True)"),
        ("src/fashion_diffusion/core/artifacts.py", "np.load(path, allow_pickle=False)"),
    }


# The stage process for one file; every loader is checked in-process above (LOADERS, the open_clip
# weights, the npz), each refusing both checkpoint formats.
MALICIOUS_FILES = [  # (file, the stage that loads it, params it needs)
    ("models/diffusion.pt", "sample", {}),
]


@pytest.mark.slow
@pytest.mark.parametrize(
    "name, stage_name, overrides", MALICIOUS_FILES, ids=[f[0].split("/")[-1] for f in MALICIOUS_FILES]
)
def test_a_stage_refuses_a_checkpoint_that_would_run_code(work, name, stage_name, overrides):
    marker = work / "code-ran"
    write_malicious_checkpoint(work / name, marker)
    write_params(work, overrides)
    before = file_hashes(work)
    result = run_stage(work, stage_name)
    assert result.returncode == 1
    assert_one_line(result.stderr, f"{name}: refused to load")
    assert not marker.exists()
    assert file_hashes(work) == before


# --- a stage killed part-way leaves the previous outputs; a full run replaces them all ---------

SAMPLE_OUTPUTS = [
    "data/samples/samples.npz",
    "data/samples/trajectory.npz",
    "data/samples/sample_metrics.json",
    "reports/figures/sample",
]


@pytest.mark.slow
# One point, every output staged and none moved yet: killed earlier (pause_stage's first_output), the
# stage's outputs are as safe, which test_stage.py checks in-process (a stage failing after its first output).
@pytest.mark.parametrize("point", ["commit"])
def test_a_stage_killed_part_way_leaves_every_output_as_it_was(work, point):
    write_params(work, {"sample.seed": 7})  # new outputs would differ from the old
    old_images = load_arrays(work / "data/samples/samples.npz", ["images"])["images"]
    before = file_hashes(work)
    process = start_paused(work, "sample", point)
    wait_until_paused(work, process)
    staged = [p for p in (work / ".staging/sample").rglob("*") if p.is_file()]
    assert staged, "the stage should have written real outputs to staging by now"
    process.send_signal(signal.SIGKILL)
    assert process.wait(timeout=60) == -signal.SIGKILL
    (work / PAUSED).unlink()
    after = {path: digest for path, digest in file_hashes(work).items() if not path.startswith(".staging/")}
    assert after == before

    result = run_stage(work, "sample")
    assert result.returncode == 0, result.stderr[-3000:]
    assert not (work / ".staging/sample").exists()
    changed = {
        path for path, digest in file_hashes(work, within=("data", "reports")).items() if before.get(path) != digest
    }
    for output in SAMPLE_OUTPUTS:
        assert any(path == output or path.startswith(output + "/") for path in changed), f"{output} not rewritten"
    new_images = load_arrays(work / "data/samples/samples.npz", ["images", "labels", "class_names"])["images"]
    assert new_images.shape == old_images.shape and not np.array_equal(new_images, old_images)
    assert {p.name for p in (work / "reports/figures/sample").iterdir()} == {
        "samples.png",
        "denoising_xt.png",
        "denoising_x0.png",
    }


# --- resume: a checkpoint is resumed only by the run that wrote it ----------------------------


def _fingerprint_inputs() -> dict:
    p = tiny_params()
    config = denoiser_config()
    return {
        "denoiser": config.to_dict(),
        "diffusion": p.diffusion.model_dump(),
        "train": {**p.train.model_dump(), "alignment_weight": 0.0},
        "data_identity": "data-a",
    }


def _another_value(value):
    """A different value of the same type (what a user might change a key to)."""
    if isinstance(value, bool):
        return not value
    if isinstance(value, int):
        return value + 1
    if isinstance(value, float):
        return value / 2 if value else 0.5
    if isinstance(value, list):
        return [*value, value[-1]] if value else [1]
    return f"other-{value}"


WEIGHT_KEYS = (
    [("denoiser", key) for key in DenoiserConfig.__dataclass_fields__]
    + [("diffusion", key) for key in DiffusionParams.model_fields]
    + [
        ("train", key)
        for key in [*TrainParams.model_fields, "alignment_weight"]
        if key not in resume.NOT_IN_FINGERPRINT
    ]
)


@pytest.mark.parametrize("part, key", WEIGHT_KEYS, ids=[f"{part}.{key}" for part, key in WEIGHT_KEYS])
def test_changing_what_determines_the_weights_changes_the_fingerprint(part, key):
    base = _fingerprint_inputs()
    changed = copy.deepcopy(base)
    changed[part][key] = _another_value(changed[part][key])
    assert resume.fingerprint(**changed) != resume.fingerprint(**base)


def test_other_training_data_changes_the_fingerprint():
    base = _fingerprint_inputs()
    assert resume.fingerprint(**{**base, "data_identity": "data-b"}) != resume.fingerprint(**base)


@pytest.mark.parametrize("key", ["device", "processes", "threads", "log_every", "checkpoint_every", "snapshots"])
def test_logging_and_machine_keys_keep_the_fingerprint(key):
    base = _fingerprint_inputs()
    changed = copy.deepcopy(base)
    changed["train"][key] = _another_value(changed["train"][key])
    assert resume.fingerprint(**changed) == resume.fingerprint(**base)
    assert set(resume.NOT_IN_FINGERPRINT) == {
        "device",
        "processes",
        "threads",
        "log_every",
        "checkpoint_every",
        "snapshots",
    }


def _weights(path: Path) -> dict:
    return load_checkpoint(path)["ema"]


@pytest.mark.slow
def test_a_finished_run_is_resumed_only_with_the_same_weights_settings(work):
    before = _weights(work / "models/diffusion.pt")
    write_params(work, {"train.log_every": 3, "train.checkpoint_every": 6, "train.threads": 2})
    kept = run_stage(work, "train")
    assert kept.returncode == 0, kept.stderr[-3000:]
    assert "resuming from models/checkpoints/last.pt at step 24/24" in kept.stdout
    for name, value in _weights(work / "models/diffusion.pt").items():
        torch.testing.assert_close(value, before[name], rtol=0, atol=0)

    write_params(work, {"diffusion.cosine_s": 0.02})
    changed = run_stage(work, "train")
    assert changed.returncode == 0, changed.stderr[-3000:]
    assert "belongs to other settings; training from scratch" in changed.stdout
    assert "resuming" not in changed.stdout
    retrained = load_checkpoint(work / "models/diffusion.pt")
    assert retrained["diffusion"]["cosine_s"] == 0.02
    assert any(not torch.equal(value, before[name]) for name, value in retrained["ema"].items())


@pytest.mark.slow
def test_an_error_in_an_ablation_worker_is_one_line_and_keeps_no_partial_output(work):
    """The variants train in worker processes (ablations.workers: 2); an input error raised inside one (two
    budgets that give a variant the same step count are found only when its FLOPs are counted) ends the
    stage with that one line, status 1, and leaves no output of the other variants behind."""
    write_params(work, {"ablations.budgets_gflop": [0.5, 0.5001], "ablations.workers": 2})
    result = run_stage(work, "ablation_training")
    assert result.returncode == 1, result.stdout[-3000:] + result.stderr[-3000:]
    assert_one_line(result.stderr, "ablations.budgets_gflop: [0.5, 0.5001] give", "share a step count")
    assert not (work / "models/ablations").exists()


@pytest.mark.slow
def test_ablation_workers_change_the_schedule_not_the_weights(work, tmp_path):
    """Two variants at a time in spawned processes train exactly the weights that one process training them
    one after another does, at the same thread count (train.threads)."""
    weights = {}
    for workers in (1, 2):
        write_params(work, {"ablations.workers": workers, "train.threads": 1})
        result = run_stage(work, "ablation_training")
        assert result.returncode == 0, result.stderr[-3000:]
        folder = copy_folder(work / "models/ablations", tmp_path / f"workers_{workers}")
        record = json.loads((folder / "reference/seed_0/training.json").read_text())
        assert (record["workers"], record["threads"]) == (workers, 1)
        weights[workers] = {
            path.relative_to(folder): load_denoiser(path, CPU)[0].state_dict()
            for path in sorted(folder.rglob("gflop_*.pt"))
        }
    runs = 6 + 2  # six variants at seed 0, two of them (ablations.replicated) again at seed 1
    assert len(weights[1]) == runs * 2 and weights[1].keys() == weights[2].keys()  # two budgets each
    for path, one in weights[1].items():
        for name, value in one.items():
            torch.testing.assert_close(weights[2][path][name], value, rtol=0, atol=0, msg=f"{path}: {name}")
