"""The sampler study and quality over training on a 4-8 channel denoiser and an untrained tiny judge:
which runs pair with the default, that each run is timed after its warm-up, and that every row carries
its intervals, its floor at its own n and (where it pairs) its paired differences."""

import numpy as np
import pytest
import torch

from fashion_diffusion.core.artifacts import save_atomic
from fashion_diffusion.data.prepared import Dataset, to_model_range
from fashion_diffusion.evaluation.reference import Reference
from fashion_diffusion.evaluation.setup import EvaluationSetup
from fashion_diffusion.model.checkpoint import ModelInfo
from fashion_diffusion.model.samplers import Sampling
from fashion_diffusion.model.unet import build_denoiser
from fashion_diffusion.scoring.judge.net import JudgeNet, JudgeNetConfig
from fashion_diffusion.studies import sampler_study
from fashion_diffusion.studies.sampler_study import StudyRun, sampler_tradeoff, with_default
from fashion_diffusion.studies.training_quality import list_snapshots, quality_over_training

from .conftest import denoiser_config

CLASSES = ["t-shirt", "trouser", "sandal"]
TIMESTEPS = 20
RESAMPLES = 50
DEFAULT = Sampling("dpmpp_2m_sde", 3, 0.0, 1.0, bf16=False, batch_size=0)


@pytest.fixture(scope="module")
def setup() -> EvaluationSetup:
    torch.manual_seed(0)
    config = denoiser_config(num_classes=len(CLASSES))
    model = build_denoiser(config).eval()
    info = ModelInfo(
        config, {"timesteps": TIMESTEPS, "cosine_s": 0.008, "prediction": "epsilon"}, (1, 28, 28), CLASSES, [], 0
    )
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, size=(120, 28, 28), dtype=np.uint8)
    labels = np.arange(120) % len(CLASSES)
    data = Dataset(images[:80], labels[:80], images[80:], labels[80:], CLASSES)
    judge = JudgeNet(JudgeNetConfig([4, 8], 16, len(CLASSES), 28)).eval()
    reference = Reference.build(judge, to_model_range(data.test_images), len(CLASSES))
    return EvaluationSetup(data, reference, torch.device("cpu"), model, info)


def test_the_default_run_is_found_by_its_resolved_settings_or_added_first():
    default = StudyRun(DEFAULT, 4)
    ddim = StudyRun(DEFAULT.replace(sampler="ddim", steps=3, eta=0.0), 4)
    same = StudyRun(DEFAULT.replace(eta=1.0), 4)  # DPM-Solver++ has no eta: the same run as the default
    assert with_default([ddim, same], default, TIMESTEPS) == ([ddim, same], 1)
    smaller = StudyRun(DEFAULT, 2)  # the default's settings on another n: not the default run
    assert with_default([ddim, smaller], default, TIMESTEPS) == ([default, ddim, smaller], 0)
    ddpm = StudyRun(DEFAULT.replace(sampler="ddpm", steps=1, eta=0.0), 4)  # all T steps, eta 1, whatever asked
    as_ddpm = StudyRun(DEFAULT.replace(sampler="ddpm", steps=TIMESTEPS, eta=1.0), 4)
    assert with_default([ddim, ddpm], as_ddpm, TIMESTEPS) == ([ddim, ddpm], 1)


def test_each_run_is_timed_after_a_warm_up_and_pairs_with_the_default_only_at_its_n(setup, monkeypatch):
    calls = []
    real_generate = sampler_study.generate

    def recording(model, info, per_class, sampling, seed):
        calls.append((sampling.sampler, per_class))
        return real_generate(model, info, per_class, sampling, seed)

    monkeypatch.setattr(sampler_study, "generate", recording)
    runs = [
        StudyRun(DEFAULT, 4),
        StudyRun(DEFAULT.replace(sampler="ddim", steps=2, eta=0.0), 4),
        StudyRun(DEFAULT.replace(sampler="ddpm", steps=1, eta=1.0), 2),
    ]
    table = sampler_tradeoff(setup, runs, 0, RESAMPLES, seed=3)
    # one untimed call of one image per class before every timed run, with the same sampler
    assert calls == [("dpmpp_2m_sde", 1), ("dpmpp_2m_sde", 4), ("ddim", 1), ("ddim", 4), ("ddpm", 1), ("ddpm", 2)]
    assert table["default"].tolist() == [True, False, False]
    assert table["paired"].tolist() == [False, True, False]
    assert table["samples"].tolist() == [12, 12, 6] and table["steps"].tolist() == [3, 2, TIMESTEPS]
    assert table["fid_floor"].iloc[0] == table["fid_floor"].iloc[1] != table["fid_floor"].iloc[2]  # floor at its n
    for metric in ("fid", "accuracy"):
        assert (table[f"{metric}_low"] <= table[f"{metric}_high"]).all()
    assert np.allclose(table["seconds_per_1000"], 1000 * table["seconds"] / table["samples"])
    paired = table.iloc[1]
    assert paired["fid_difference"] == pytest.approx(paired["fid"] - table["fid"].iloc[0])
    assert paired["accuracy_difference"] == pytest.approx(paired["accuracy"] - table["accuracy"].iloc[0])
    assert paired["fid_difference_low"] <= paired["fid_difference_high"]
    assert table.loc[[0, 2], ["fid_difference", "accuracy_difference"]].isna().all().all()  # nothing to pair with


def test_quality_over_training_judges_each_snapshot_against_the_one_before(setup, tmp_path):
    for step in (10, 20, 30):
        torch.manual_seed(step)
        weights = build_denoiser(setup.info.config).state_dict()
        save_atomic({"step": step, "ema": weights}, tmp_path / f"step_{step:07d}.pt")
    quality, strip = quality_over_training(list_snapshots(tmp_path), setup, 2, DEFAULT, RESAMPLES, seed=1)
    assert quality["step"].tolist() == [10, 20, 30] and (quality["samples"] == 6).all()
    assert strip.shape == (3, len(CLASSES), 28, 28)
    assert quality["fid_floor"].nunique() == 1 and (quality["fid_low"] <= quality["fid_high"]).all()
    assert quality.loc[0, ["fid_change", "accuracy_change"]].isna().all()
    for i in (1, 2):
        assert quality["fid_change"].iloc[i] == pytest.approx(quality["fid"].iloc[i] - quality["fid"].iloc[i - 1])
        assert quality["accuracy_change"].iloc[i] == pytest.approx(
            quality["accuracy"].iloc[i] - quality["accuracy"].iloc[i - 1]
        )
        assert quality["fid_change_low"].iloc[i] <= quality["fid_change_high"].iloc[i]
