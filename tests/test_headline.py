"""The headline set class by class against the real images, and the typed results of the main run and its
probes: the training run's facts, recognition, the architectures' geometry, the wrong timestep; on judge
scores built by hand where a test needs a known verdict."""

import math

import numpy as np
import pandas as pd
import pytest
import torch

from fashion_diffusion.data.prepared import Dataset, to_model_range
from fashion_diffusion.evaluation.cost import coarsest_side, time_frequencies
from fashion_diffusion.evaluation.recognition import recognition_result
from fashion_diffusion.evaluation.reference import Reference, Scores
from fashion_diffusion.evaluation.setup import EvaluationSetup
from fashion_diffusion.model.schedule import cosine_schedule
from fashion_diffusion.model.unet import build_denoiser
from fashion_diffusion.results.base import NOT_RESOLVED, OFF_SCALE
from fashion_diffusion.scoring.judge.net import JudgeNet, JudgeNetConfig
from fashion_diffusion.studies.headline import binomial_se, class_accuracy_resamples, headline, versus_real
from fashion_diffusion.studies.wrong_timestep import RANDOM, TRUE, wrong_timestep_result
from fashion_diffusion.training.loop import TrainResult
from fashion_diffusion.training.outcome import first_loss, forward_process, training_result
from tests.support.tiny import tiny_params

from .conftest import denoiser_config

CLASSES = ["t-shirt", "trouser", "sandal"]
RESAMPLES = 200


@pytest.fixture(scope="module")
def setup() -> EvaluationSetup:
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, size=(240, 28, 28), dtype=np.uint8)
    labels = np.arange(240) % len(CLASSES)
    data = Dataset(images[:120], labels[:120], images[120:], labels[120:], CLASSES)
    torch.manual_seed(0)
    judge = JudgeNet(JudgeNetConfig([4, 8], 16, len(CLASSES), 28)).eval()
    reference = Reference.build(judge, to_model_range(data.test_images), data.test_labels, len(CLASSES), 0)
    return EvaluationSetup(data, reference, torch.device("cpu"), RESAMPLES, 0)


def scores(setup: EvaluationSetup, right: list[int], per_class: int = 40, readable: bool = True) -> Scores:
    """per_class images of each class, the first right[c] of class c judged right, the others judged as the
    next class; all judged as class 0 when not readable (off scale)."""
    labels = np.repeat(np.arange(len(CLASSES)), per_class)
    judged = np.where(np.arange(len(labels)) % per_class < np.repeat(right, per_class), labels, (labels + 1) % 3)
    probs = np.eye(len(CLASSES))[judged if readable else np.zeros_like(labels)]
    features = setup.reference.test_features[np.arange(len(labels)) % len(setup.reference.test_features)]
    return Scores(probs, features, labels)


def test_class_accuracies_resample_with_the_set_so_they_agree_with_its_accuracy(setup):
    set_scores = scores(setup, [40, 20, 36])
    values, resampled = class_accuracy_resamples(set_scores, 3, RESAMPLES, 0)
    np.testing.assert_allclose(values, [1.0, 0.5, 0.9])
    assert resampled.shape == (RESAMPLES, 3) and resampled[:, 0].std() == 0 and resampled[:, 1].std() > 0
    overall = setup.measure(set_scores).resampled["accuracy"]  # equal classes: the mean of the class means
    np.testing.assert_allclose(resampled.mean(axis=1), overall)


def test_a_class_at_100_percent_keeps_a_sampling_error():
    assert binomial_se(1.0, 100) == pytest.approx(math.sqrt((101 / 102) * (1 / 102) / 102))
    generated, resampled = np.array([1.0, 0.85]), np.tile([1.0, 0.85], (100, 1))  # resamples that never vary
    compared = versus_real(
        generated, resampled, np.array([100, 100]), np.array([0.987, 0.982]), np.array([1000] * 2), True
    )
    assert compared[0].verdict == NOT_RESOLVED and compared[0].se_sampling > 0.009
    assert compared[1].verdict == "lower" and compared[1].family == "classes against real images"


def test_the_weakest_class_above_real_is_not_failing_and_the_verdicts_are_one_family(setup):
    # t-shirt 100% against 60% real: above; trouser 50% against 95%: failing; sandal 90% against 88%: unresolved
    result = headline(setup, scores(setup, [40, 20, 36]), CLASSES, np.array([0.6, 0.95, 0.88]), np.array([1000] * 3))
    assert [c.versus_real.verdict for c in result.classes] == ["higher", "lower", NOT_RESOLVED]
    assert result.failing == ["trouser"] and result.above_real == ["t-shirt"] and result.weakest == "trouser"
    smallest = min((c.versus_real for c in result.classes), key=lambda c: c.p)
    assert smallest.p_holm == pytest.approx(min(1.0, 3 * smallest.p))  # Holm over the three classes
    above = headline(setup, scores(setup, [40, 20, 36]), CLASSES, np.array([0.6, 0.2, 0.88]), np.array([1000] * 3))
    assert above.weakest == "trouser" and above.weakest_class.above_real and above.failing == []
    assert result.judged.n == 120 and result.headline()["worst_class_accuracy"] == 0.5


def test_an_unreadable_set_draws_no_class_verdict(setup):
    result = headline(
        setup, scores(setup, [40, 20, 36], readable=False), CLASSES, np.array([0.9] * 3), np.array([1000] * 3)
    )
    assert not result.judged.readable and {c.versus_real.verdict for c in result.classes} == {OFF_SCALE}
    assert result.failing == [] and result.above_real == []


def test_the_forward_process_facts_and_the_first_loss():
    facts = forward_process(cosine_schedule(1000, 0.008), 0.008)
    assert (facts.half_signal_t, facts.tenth_signal_t) == (496, 793) and 0 < facts.last_alpha_bar < 1e-8
    assert first_loss([4.0, 2.0] + [1.0] * 38) == 3.0 and first_loss([4.0, 2.0] + [1.0] * 38, share=0.01) == 4.0


@pytest.mark.parametrize(("prediction", "weighting"), [("epsilon", "none"), ("v", "min_snr")])
def test_the_training_result_holds_the_loss_as_configured(prediction, weighting, tmp_path):
    p = tiny_params(diffusion__prediction=prediction, train__loss_weighting=weighting, train__max_steps=24)
    model = build_denoiser(denoiser_config())
    losses = {"loss": [1.0] * 10 + [0.5] * 10, "mse": [2.0] * 20}
    run = TrainResult(model, model, losses, seconds=2.0, steps=24, resumed_from=0, snapshot_dir=tmp_path)
    result = training_result(p, run, cosine_schedule(50), 2000, torch.device("cpu"), 1)
    assert result.loss.prediction == prediction and result.loss.weighting == weighting
    assert result.loss.min_snr_gamma == (p.train.min_snr_gamma if weighting == "min_snr" else None)
    assert (result.first_loss, result.final_loss, result.final_mse) == (1.0, 0.5, 2.0)
    assert result.capped and result.epochs == pytest.approx(24 / (2000 // 32)) and result.images_per_second == 384.0
    assert result.forward.timesteps == 50 and result.headline() == {
        "final_loss": 0.5,
        "train_seconds": 2.0,
        "images_per_second": 384.0,
    }


def test_recognition_summarises_points_by_class():
    points = pd.DataFrame({"label": [0, 0, 1, 1, 2, 2], "recognition_point": [0.1, 0.3, 0.6, np.nan, np.nan, np.nan]})
    result = recognition_result(points, CLASSES)
    assert (result.trajectories, result.unrecognised, result.median) == (6, 3, 0.3)
    assert (result.earliest, result.latest) == ("t-shirt", "trouser")
    assert result.of("t-shirt").median == pytest.approx(0.2) and result.of("sandal").median is None
    assert result.of("sandal").unrecognised == 2


def test_the_geometry_is_measured_on_the_built_model():
    assert coarsest_side(build_denoiser(denoiser_config(channels=[4, 8])), (1, 28, 28)) == 14
    assert coarsest_side(build_denoiser(denoiser_config(channels=[4, 4, 8, 8])), (1, 28, 28)) == 4  # 28, 14, 7, 4
    assert coarsest_side(build_denoiser(denoiser_config(kind="plain_cnn", channels=[4, 8])), (1, 28, 28)) == 28
    assert time_frequencies(denoiser_config(embedding_dim=8)) == 4
    assert time_frequencies(denoiser_config(time_embedding=False)) == 0


def test_wrong_timesteps_are_paired_over_images_in_one_family():
    rng = np.random.default_rng(0)
    true = rng.exponential(0.1, size=400)
    errors = pd.DataFrame({"t": np.arange(400), TRUE: true, "t +5": true + 0.05, "t -5": true, RANDOM: 3 * true})
    result = wrong_timestep_result(errors, [5, -5], RESAMPLES, seed=0)
    assert [c.name for c in result.conditions] == [TRUE, "t +5", "t -5", RANDOM]
    assert result.true.increase is None and result.true.times_true == 1.0
    shifted = result.conditions[1].increase
    # the same images in both conditions: a constant increase has no sampling error
    assert shifted.value == pytest.approx(0.05) and shifted.se_sampling < 1e-12 and shifted.verdict == "higher error"
    assert result.conditions[2].increase.verdict == NOT_RESOLVED and result.unresolved == ["t -5"]
    assert result.random.shift is None and result.random.times_true == pytest.approx(3.0)
    assert [c.shift for c in result.shifted] == [5, -5] and result.random.increase.family == "timestep told"
