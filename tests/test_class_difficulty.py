"""Class difficulty (4.2): the edge measure, per-class KID of the samples against the class's test features,
and the hypotheses tested in one family, their words set by the predicted sign (small arrays)."""

import numpy as np
import pandas as pd
import pytest

from fashion_diffusion.evaluation.reference import Scores
from fashion_diffusion.results.base import NOT_RESOLVED, read_result, write_result
from fashion_diffusion.results.difficulty import FAILED, HELD, MIXED, UNDEFINED, ClassDifficulty
from fashion_diffusion.studies.class_difficulty import (
    EXPECTED,
    FAMILY,
    class_quality,
    conclusion,
    difficulty_study,
    edge_density,
    hypotheses,
)


def test_edge_density_counts_the_pixels_beside_a_step():
    image = np.zeros((1, 6, 6), dtype=np.uint8)
    image[:, :, 3:] = 255  # a vertical step between columns 2 and 3
    density = edge_density(image, threshold=1.0)  # interior 4x4: columns 2 and 3 see the step (magnitude 4)
    assert density.tolist() == [0.5]


def table(kid=(1, 2, 3, 4, 5, 6.0), real_accuracy=(0.7, 0.8, 0.85, 0.9, 0.95, 0.99)) -> pd.DataFrame:
    """Six classes: pixel variance, KID and (against the hypothesis) real accuracy rise with the class,
    generated accuracy falls."""
    accuracy = [0.9, 0.8, 0.7, 0.6, 0.5, 0.4]
    return pd.DataFrame(
        {
            "class": list("abcdef"),
            "pixel_variance": [1, 2, 3, 4, 5, 6.0],
            "real_accuracy": list(real_accuracy),
            "edge_density": [0.1, 0.3, 0.2, 0.5, 0.4, 0.6],
            "generated_accuracy": accuracy,
            "generated_accuracy_low": [a - 0.05 for a in accuracy],
            "generated_accuracy_high": [a + 0.05 for a in accuracy],
            "kid": list(kid),
            "kid_low": [k - 0.5 for k in kid],
            "kid_high": [k + 0.5 for k in kid],
            "kid_real": [0.1] * 6,
            "fid": [10.0] * 6,
            "fid_real": [5.0] * 6,
        }
    )


def test_a_prediction_is_supported_on_its_predicted_side_and_contradicted_on_the_other():
    tested = {(h.property, h.measure): h for h in hypotheses(table(), resamples=500, seed=0)}
    assert list(tested) == list(EXPECTED)
    variance_accuracy, variance_kid = tested["pixel_variance", "generated_accuracy"], tested["pixel_variance", "kid"]
    assert variance_accuracy.rho.value == pytest.approx(-1.0) and variance_accuracy.predicted_sign == -1
    assert variance_accuracy.versus_zero.verdict == "supported"  # predicted -, measured -
    assert variance_kid.rho.value == pytest.approx(1.0) and variance_kid.versus_zero.verdict == "supported"
    assert tested["real_accuracy", "kid"].versus_zero.verdict == "contradicted"  # predicted -, measured near +1
    assert {h.versus_zero.family for h in tested.values()} == {FAMILY}
    assert all(h.rho.low <= h.rho.value <= h.rho.high for h in tested.values())


def test_a_constant_column_draws_no_value_and_no_verdict_and_the_result_still_reads_back(tmp_path):
    study = difficulty_study(table().assign(real_accuracy=0.9), samples_per_class=4, resamples=50, seed=0)
    constant = [h for h in study.hypotheses if h.property == "real_accuracy"]
    assert [(h.rho, h.versus_zero, h.verdict) for h in constant] == [(None, None, UNDEFINED)] * 2
    assert study.unresolved >= 2
    write_result(tmp_path / "difficulty.json", study)
    assert read_result(tmp_path / "difficulty.json", ClassDifficulty) == study


def test_the_study_counts_the_verdicts_and_concludes():
    study = difficulty_study(table(), samples_per_class=100, resamples=500, seed=0)
    assert study.supported + study.contradicted + study.unresolved == len(EXPECTED)
    assert study.contradicted >= 1 and study.supported >= 1 and study.conclusion == MIXED
    assert [c.name for c in study.classes] == list("abcdef") and study.classes[0].kid.value == 1.0
    assert study.classes[2].generated_accuracy.low == pytest.approx(0.65)


@pytest.mark.parametrize(
    ("verdicts", "said"),
    [
        (["supported", NOT_RESOLVED], HELD),
        (["supported", "contradicted"], MIXED),
        (["contradicted", NOT_RESOLVED], FAILED),
        ([NOT_RESOLVED, NOT_RESOLVED], NOT_RESOLVED),
    ],
)
def test_the_conclusion_of_the_predictions(verdicts, said):
    from fashion_diffusion.results.base import Estimate
    from fashion_diffusion.results.difficulty import Hypothesis
    from tests.support.fixtures.applications import compared

    tested = [
        Hypothesis(
            property="p",
            measure="m",
            predicted_sign=1,
            rho=Estimate(value=0.5, low=0.1, high=0.9),
            versus_zero=compared(FAMILY, 0.5, 0.2, verdict),
        )  # fmt: skip
        for verdict in verdicts
    ]
    assert conclusion(tested) == said


def test_class_kid_is_measured_against_the_class_own_test_features():
    rng = np.random.default_rng(0)
    test_labels = np.repeat([0, 1], 200)
    test = rng.normal(size=(400, 4)) + 3.0 * test_labels[:, None]  # two classes far apart
    labels = np.repeat([0, 1], 40)
    near = test[np.r_[rng.integers(0, 200, 40), rng.integers(200, 400, 40)]] + 0.1 * rng.normal(size=(80, 4))
    features = near.copy()
    features[labels == 1] += 2.0  # class 1's samples are off their class
    correct = np.r_[np.ones(40), np.zeros(40)].astype(bool)
    scores = Scores(np.eye(2)[np.where(correct, labels, 1 - labels)], features, labels)
    real = rng.normal(size=(80, 4)) + 3.0 * labels[:, None]
    quality = class_quality(scores, test, test_labels, real, labels, resamples=200, seed=0)
    assert quality["generated_accuracy"].tolist() == [1.0, 0.0]
    assert quality.loc[1, "kid"] > 10 * quality.loc[0, "kid"] and quality.loc[1, "kid_low"] > 0
    assert (quality["kid_low"] <= quality["kid"]).all() and (quality["kid"] <= quality["kid_high"]).all()
    assert abs(quality.loc[0, "kid_real"]) < quality.loc[1, "kid"] / 10  # real images of the class: about 0
