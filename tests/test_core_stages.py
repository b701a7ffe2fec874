"""The stage scripts of the main run, the headline set and the probes, run on a 4-8 channel denoiser, an
untrained tiny judge and a few random images in tmp_path: each writes its typed result (and its headline
numbers), and the sample stage says which sampler settings applied."""

import json
import runpy
from pathlib import Path

import numpy as np
import pytest
import torch

from fashion_diffusion.data.prepared import Dataset, save_prepared
from fashion_diffusion.results.base import OFF_SCALE, read_result
from fashion_diffusion.results.headline import HeadlineResult, SampleRun
from fashion_diffusion.results.probes import ArchCostStudy, RecognitionResult, SamplingCost, WrongTimestep
from fashion_diffusion.results.training import TrainingResult
from fashion_diffusion.scoring.judge.inference import save_judge
from fashion_diffusion.scoring.judge.net import JudgeNet, JudgeNetConfig
from tests.support.tiny import write_tiny_params
from tests.support.tiny_model import CLASS_NAMES, TIMESTEPS, write_tiny_model

STAGES = Path(__file__).resolve().parents[1] / "stages"


@pytest.fixture(autouse=True)
def one_thread():
    before = torch.get_num_threads()
    yield
    torch.set_num_threads(before)


@pytest.fixture
def workspace(tmp_path, monkeypatch) -> Path:
    """A tiny denoiser, random prepared data of its three classes and an untrained judge, cwd in tmp_path."""
    write_tiny_model(tmp_path)
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, size=(180, 28, 28), dtype=np.uint8)
    labels = np.arange(180) % len(CLASS_NAMES)
    save_prepared(
        Dataset(images[:120], labels[:120], images[120:], labels[120:], CLASS_NAMES),
        tmp_path / "data/prepared/fashion_mnist.npz",
    )
    torch.manual_seed(0)
    save_judge(JudgeNet(JudgeNetConfig([4, 8], 16, len(CLASS_NAMES), 28)).eval(), tmp_path / "models/judge.pt")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def run_stage(name: str) -> None:
    runpy.run_path(str(STAGES / f"{name}.py"), run_name="__main__")


def test_the_headline_stages_write_their_typed_results(workspace):
    run_stage("sample")
    sampled = read_result("data/samples/sample_metrics.json", SampleRun)
    assert (sampled.sampler, sampled.steps, sampled.eta) == ("dpmpp_2m_sde", 5, None)  # no eta: DPM-Solver++
    assert sampled.samples == 3 * sampled.per_class and sampled.trajectories.eta == 1.0
    run_stage("evaluate")
    result = read_result("reports/metrics/evaluate.json", HeadlineResult)
    assert [c.name for c in result.classes] == CLASS_NAMES and result.judged.n == sampled.samples
    assert result.weakest in CLASS_NAMES and all(c.versus_real.family == result.family for c in result.classes)
    if not result.judged.readable:  # an untrained judge may well collapse onto one class
        assert {c.versus_real.verdict for c in result.classes} == {OFF_SCALE}
    headline = (workspace / "reports/headline/samples.json").read_text()
    assert '"worst_class_accuracy"' in headline and '"coverage_real"' in headline
    run_stage("recognition")
    recognised = read_result("reports/metrics/recognition.json", RecognitionResult)
    assert recognised.trajectories == 3 * sampled.trajectories.per_class and len(recognised.classes) == 3


def test_ddpm_runs_all_steps_with_eta_one_whatever_sample_eta_says(workspace):
    write_tiny_params(workspace, diffusion__timesteps=TIMESTEPS, sample__sampler="ddpm", sample__eta=0.3)
    run_stage("sample")
    sampled = read_result("data/samples/sample_metrics.json", SampleRun)
    assert (sampled.sampler, sampled.steps, sampled.eta) == ("ddpm", TIMESTEPS, 1.0)


def test_the_wrong_timestep_stage_writes_one_family(workspace):
    run_stage("wrong_timestep")
    result = read_result("reports/metrics/wrong_timestep.json", WrongTimestep)
    assert result.images == 32 and [c.shift for c in result.shifted] == [-10, 10]
    assert {c.increase.family for c in result.conditions if c.increase} == {"timestep told"}
    assert (workspace / "reports/figures/wrong_timestep/error_by_told_timestep.png").is_file()


@pytest.mark.slow  # a fresh process per architecture and per sampler: about two minutes on a busy 2-core CPU
def test_the_cost_stages_write_their_typed_results(workspace):
    run_stage("arch_cost")
    costs = read_result("reports/metrics/arch_cost.json", ArchCostStudy)
    assert costs.trained == "basic" and costs.trained_arch.coarsest_side == 14  # TINY's basic: two levels
    assert costs.of("plain_cnn").coarsest_side == 28 and costs.of("basic_no_time").time_frequencies == 0
    run_stage("sampling_cost")
    cost = read_result("reports/metrics/sampling_cost.json", SamplingCost)
    assert [r.side for r in cost.resolutions] == [28, 56] and cost.resolutions[0].times_native == 1.0
    assert {m.sampler: m.measured_as for m in cost.memory}["ddpm"] == "ddim"


def test_the_train_stage_writes_the_loss_as_configured_and_its_headline(workspace):
    rng = np.random.default_rng(1)
    images = rng.integers(0, 256, size=(180, 28, 28), dtype=np.uint8)
    labels, styles = np.arange(180) % len(CLASS_NAMES), rng.integers(0, 3, size=(120, 2))
    dataset = Dataset(images[:120], labels[:120], images[120:], labels[120:], CLASS_NAMES, styles)
    save_prepared(dataset, workspace / "data/prepared/fashion_mnist.npz")
    write_tiny_params(workspace, diffusion__timesteps=TIMESTEPS, train__max_steps=8, train__device="cpu")
    run_stage("train")
    result = read_result("models/train_metrics.json", TrainingResult)
    assert (result.steps, result.loss.prediction, result.loss.weighting) == (3, "v", "min_snr")  # 120 // 32 steps
    assert result.forward.timesteps == TIMESTEPS and result.first_loss > 0 and not result.capped
    headline = json.loads((workspace / "reports/headline/training.json").read_text())
    assert headline == result.headline()
