"""The studies that compare sample sets of one trained model (the sampler study, the guidance sweep,
quality over training, one step against gradual), on a 4-8 channel denoiser and an untrained tiny
judge, or on judge scores built by hand where a test needs a known verdict: which sets pair, that every
comparison is the paired difference of its two sets within one family, that an off-scale set draws no
verdict, and what each study concludes."""

import numpy as np
import pytest
import torch

from fashion_diffusion.core.artifacts import save_atomic
from fashion_diffusion.data.prepared import Dataset, to_model_range
from fashion_diffusion.evaluation.comparison import set_comparisons
from fashion_diffusion.evaluation.generation import Generated
from fashion_diffusion.evaluation.reference import Reference, Scores
from fashion_diffusion.evaluation.setup import EvaluationSetup
from fashion_diffusion.model.checkpoint import ModelInfo
from fashion_diffusion.model.samplers import Sampling
from fashion_diffusion.model.unet import build_denoiser
from fashion_diffusion.results.base import NOT_RESOLVED, OFF_SCALE
from fashion_diffusion.scoring.judge.net import JudgeNet, JudgeNetConfig
from fashion_diffusion.studies import sampler_study
from fashion_diffusion.studies.guidance_sweep import (
    Sweep,
    distribution_table,
    guidance_study,
    run_sweep,
    swept_scales,
)
from fashion_diffusion.studies.one_step import one_step, one_step_study
from fashion_diffusion.studies.sampler_study import StudyRun, sampler_tradeoff, with_default
from fashion_diffusion.studies.training_quality import (
    list_snapshots,
    loss_buckets,
    loss_table,
    sample_snapshots,
    snapshot_study,
    table,
)

from .conftest import denoiser_config

CLASSES = ["t-shirt", "trouser", "sandal"]
TIMESTEPS = 20
RESAMPLES = 100
DEFAULT = Sampling("dpmpp_2m_sde", 3, 0.0, 1.0, bf16=False, batch_size=0)
BUCKETS = loss_buckets(np.array([0, 10, 20]), np.array([[0.3, 0.5, 0.4], [0.002, 0.001, 0.003]]), RESAMPLES, 0)


@pytest.fixture(scope="module")
def setup() -> EvaluationSetup:
    torch.manual_seed(0)
    config = denoiser_config(num_classes=len(CLASSES))
    model = build_denoiser(config).eval()
    info = ModelInfo(
        config, {"timesteps": TIMESTEPS, "cosine_s": 0.008, "prediction": "epsilon"}, (1, 28, 28), CLASSES, [], 0
    )
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, size=(240, 28, 28), dtype=np.uint8)
    labels = np.arange(240) % len(CLASSES)
    data = Dataset(images[:120], labels[:120], images[120:], labels[120:], CLASSES)
    judge = JudgeNet(JudgeNetConfig([4, 8], 16, len(CLASSES), 28)).eval()
    reference = Reference.build(judge, to_model_range(data.test_images), data.test_labels, len(CLASSES), 0)
    return EvaluationSetup(data, reference, torch.device("cpu"), RESAMPLES, 0, model, info)


def scores(setup: EvaluationSetup, shift: float, readable: bool = True, per_class: int = 10, seed: int = 0) -> Scores:
    """A hand-made set: the reference's test features moved by `shift` (0: as close to the real data as
    the test set itself), judged right every time when readable, else all judged as class 0 (off scale)."""
    labels = np.repeat(np.arange(len(CLASSES)), per_class)
    test = setup.reference.test_features
    rng = np.random.default_rng(seed)
    rows = np.concatenate([rng.choice(np.flatnonzero(setup.reference.test_labels == c), per_class) for c in range(3)])
    features = test[rows] + shift * test.std(axis=0) + 0.01 * rng.normal(size=test[rows].shape)
    probs = np.eye(len(CLASSES))[labels if readable else np.zeros_like(labels)]
    return Scores(probs, features.astype(np.float32), labels)


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
    study = sampler_tradeoff(setup, runs, 0, seed=3)
    # one untimed call of one image per class before every timed run, with the same sampler
    assert calls == [("dpmpp_2m_sde", 1), ("dpmpp_2m_sde", 4), ("ddim", 1), ("ddim", 4), ("ddpm", 1), ("ddpm", 2)]
    default, ddim, ddpm = study.runs
    assert study.default is default and [r.default for r in study.runs] == [True, False, False]
    assert [r.judged.n for r in study.runs] == [12, 12, 6] and [r.steps for r in study.runs] == [3, 2, TIMESTEPS]
    assert default.versus_default is None and ddpm.versus_default is None  # the base; its own n pairs with none
    assert default.judged.real == ddim.judged.real != ddpm.judged.real  # the real values at each set's own n
    assert ddim.seconds_per_1000 == pytest.approx(1000 * ddim.seconds / 12)
    versus = ddim.versus_default
    for measure in ("accuracy", "coverage", "kid"):
        difference = getattr(ddim.judged, measure).value - getattr(default.judged, measure).value
        compared = getattr(versus, measure)
        assert compared.value == pytest.approx(difference) and compared.family == study.family
        assert compared.low <= compared.value <= compared.high
    assert sampler_study.table(study)["samples"].tolist() == [12, 12, 6]


def test_a_set_minus_itself_is_zero_and_a_changed_set_differs_by_its_changed_pairs(setup):
    base = scores(setup, 0.0, per_class=20)
    worse_probs = base.probs.copy()
    worse_probs[::5] = np.roll(worse_probs[::5], 1, axis=1)  # every 5th image now judged wrong
    others = {
        "same": Scores(base.probs, base.features, base.labels),
        "worse": Scores(worse_probs, base.features + 2.0, base.labels),
    }
    compared = set_comparisons("test", setup, base, others)
    same, worse = compared["same"], compared["worse"]
    assert (same.kid.value, same.kid.low, same.kid.high) == (0.0, 0.0, 0.0)  # the pairs share everything
    assert same.accuracy.verdict == NOT_RESOLVED
    assert worse.accuracy.value == pytest.approx(-12 / 60) and worse.accuracy.verdict == "lower"
    assert worse.kid.value > 0 and worse.kid.verdict == "worse"
    assert all(c.p_holm >= c.p for c in (worse.accuracy, worse.coverage, worse.kid))
    with pytest.raises(ValueError, match="does not pair"):
        set_comparisons("test", setup, base, {"x": Scores(base.probs, base.features, base.labels[::-1])})


def test_quality_over_training_compares_each_snapshot_with_the_one_before(setup, tmp_path):
    for step in (10, 20, 30):
        torch.manual_seed(step)
        weights = build_denoiser(setup.info.config).state_dict()
        save_atomic({"step": step, "ema": weights}, tmp_path / f"step_{step:07d}.pt")
    steps, judged, strip = sample_snapshots(list_snapshots(tmp_path), setup, 2, DEFAULT, seed=1)
    assert steps == [10, 20, 30] and strip.shape == (3, len(CLASSES), 28, 28)
    study = snapshot_study(setup, steps, judged, 2, BUCKETS, images=32)
    first, second, third = study.snapshots
    assert first.versus_previous is None and all(s.judged.n == 6 for s in study.snapshots)
    for before, after in ((first, second), (second, third)):
        assert after.versus_previous.kid.value == pytest.approx(after.judged.kid.value - before.judged.kid.value)
    assert {c.family for s in (second, third) for c in s.versus_previous.__dict__.values()} == {study.family}
    assert (study.hardest.t_low, study.easiest.t_low) == (0, 10) and study.hardest_over_easiest == pytest.approx(200)
    assert table(study)["step"].tolist() == [10, 20, 30]


def test_the_held_out_loss_buckets_carry_their_interval_over_the_images():
    hardest, easiest = BUCKETS
    assert (hardest.t_low, hardest.t_high, easiest.t_low) == (0, 10, 10)
    assert hardest.mse.value == pytest.approx(0.4) and hardest.mse.low < 0.4 < hardest.mse.high
    assert loss_table(BUCKETS).columns.tolist() == ["t_low", "t_high", "mse", "mse_low", "mse_high"]


def test_training_is_still_improving_only_when_the_last_snapshot_is_resolved_better_by_kid(setup):
    far, near, nearer = scores(setup, 3.0), scores(setup, 1.0), scores(setup, 0.0)
    improving = snapshot_study(setup, [1, 2, 3], [far, near, nearer], 10, BUCKETS, 32)
    assert improving.snapshots[2].versus_previous.kid.verdict == "better" and improving.still_improving
    flat = snapshot_study(setup, [1, 2, 3], [far, nearer, nearer], 10, BUCKETS, 32)
    assert flat.snapshots[2].versus_previous.kid.verdict == NOT_RESOLVED and not flat.still_improving
    unreadable = snapshot_study(setup, [1, 2], [far, scores(setup, 0.0, readable=False)], 10, BUCKETS, 32)
    assert unreadable.snapshots[1].versus_previous.off_scale and not unreadable.still_improving


def sweep_of(scales: list[float], sets: list[Scores], null: Scores) -> Sweep:
    generated = [Generated(np.zeros((len(s.labels), 28, 28), np.uint8), s.labels, 1.0 + i) for i, s in enumerate(sets)]
    return Sweep(
        scales, generated, sets, Generated(np.zeros((len(null.labels), 28, 28), np.uint8), null.labels, 0.5), null
    )


def test_the_guidance_sweep_concludes_from_kid_among_readable_scales(setup):
    sets = [scores(setup, 2.0), scores(setup, 1.0), scores(setup, 0.0), scores(setup, 0.0, readable=False, seed=1)]
    null = Scores(np.eye(3)[[0, 0, 0, 1, 2, 2]], sets[0].features[:6], np.full(6, 3))
    study = guidance_study(setup, sweep_of([0.0, 0.5, 1.0, 2.0], sets, null), 0.5, CLASSES)
    zero, default, one, two = study.scales
    assert study.default is default and default.versus_default is None
    assert zero.versus_default.kid.verdict == "worse" and one.versus_default.kid.verdict == "better"
    assert two.versus_default.off_scale and two.versus_default.kid.verdict == OFF_SCALE
    assert study.best_kid_scale == 1.0  # scale 2 is as close to the data, but the judge cannot read it
    assert study.better_than_default == [1.0]
    assert study.accuracy_at_zero == zero.judged.accuracy and study.accuracy_at_default == default.judged.accuracy
    assert np.allclose(zero.class_distribution, np.eye(3)) and np.allclose(np.array(two.class_distribution)[:, 0], 1)
    assert [s.name for s in study.unconditional] == ["t-shirt", "sandal", "trouser"]  # largest share first
    assert study.unconditional[0].share.value == pytest.approx(0.5)
    assert study.null_samples == 6 and study.per_class == 10
    distribution = distribution_table(study)
    assert len(distribution) == 4 * 9 + 3 and distribution["fraction"].iloc[-3:].sum() == pytest.approx(1)


def test_the_sweep_samples_the_default_scale_and_the_null_class_from_one_seed(setup):
    scales = swept_scales([0.0, 2.0], 1.0)
    assert scales == [0.0, 1.0, 2.0] and swept_scales([0.0, 1.0], 1.0) == [0.0, 1.0]
    sweep = run_sweep(setup, scales, per_class=2, null_samples=3, sampling=DEFAULT, seed=5)
    assert all(np.array_equal(s.labels, sweep.sets[0].labels) for s in sweep.sets)
    assert sweep.null_set.labels.tolist() == [setup.model.null_class] * 3 and sweep.null_scores.probs.shape == (3, 3)
    study = guidance_study(setup, sweep, 1.0, CLASSES)
    assert [s.scale for s in study.scales] == scales and study.default.scale == 1.0


def test_one_step_and_gradual_sets_are_compared_pair_by_pair(setup):
    labels = torch.arange(3).repeat_interleave(2)
    single = one_step(setup.model, setup.info, labels, None, DEFAULT, seed=2)
    gradual = np.random.default_rng(0).integers(0, 256, size=single.images.shape, dtype=np.uint8)
    study = one_step_study(setup, single, gradual)
    assert study.timestep == TIMESTEPS - 1 and study.seconds == single.seconds
    assert study.one_step.n == study.gradual.n == 6
    difference = study.gradual_minus_one_step
    assert difference.kid.value == pytest.approx(study.gradual.kid.value - study.one_step.kid.value)
    assert difference.kid.family == study.family == "one step"
