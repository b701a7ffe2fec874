"""The measurements behind the seed's questions: ablation budgets, paired comparisons, one-step
denoising, the wrong timestep, class difficulty, generated training data, the guidance sweep's
class distribution and the ranking of improvements (small arrays and the tiny U-Net; no data files)."""

import numpy as np
import pandas as pd
import pytest
import torch

from fashion_diffusion.config.constants import total_steps
from fashion_diffusion.core.errors import InputError
from fashion_diffusion.data.prepared import Dataset
from fashion_diffusion.evaluation.comparison import paired_differences
from fashion_diffusion.evaluation.loss_by_timestep import noise_prediction_errors
from fashion_diffusion.evaluation.reference import Scores
from fashion_diffusion.model.checkpoint import load_denoiser
from fashion_diffusion.model.samplers import sample
from fashion_diffusion.model.schedule import cosine_schedule, to_x0
from fashion_diffusion.report import improvements
from fashion_diffusion.stats import metrics
from fashion_diffusion.studies.ablation import crossings
from fashion_diffusion.studies.ablation_training import budget_steps, curve_recipe, snapshot_path, train_variant
from fashion_diffusion.studies.augmentation import BOTH, GENERATED, REAL, summarise, training_sets
from fashion_diffusion.studies.class_difficulty import edge_density, failing_classes, rank_correlations
from fashion_diffusion.studies.guidance_sweep import class_distribution
from fashion_diffusion.studies.wrong_timestep import (
    RANDOM,
    TRUE,
    by_true_timestep,
    told_timesteps,
    wrong_timestep_errors,
)
from fashion_diffusion.style.bins import fit_style_bins, labels_for
from tests.support.tiny import tiny_params


def test_equal_compute_budget_gives_fewer_steps_to_a_costlier_model():
    assert budget_steps(3000, 0.27e9, 128) == 87  # 3000e9 / (0.27e9 * 128) = 86.8
    assert budget_steps(3000, 2.0e9, 128) == 12
    assert budget_steps(1e-6, 1e9, 128) == 1  # never zero steps


def test_the_curve_recipe_trains_exactly_its_steps_with_its_own_warm_up_and_schedule():
    recipe = tiny_params(train__epochs=3, train__batch_size=100, train__warmup_steps=40, train__max_steps=0).train
    short = curve_recipe(recipe, steps=45, warmup_steps=7, lr_schedule="warmup_constant", n_images=2000)
    assert total_steps(short.epochs, short.max_steps, 2000, short.batch_size) == 45
    assert short.warmup_steps == 7 and short.snapshots == 0 and short.lr == recipe.lr
    assert short.lr_schedule == "warmup_constant" and recipe.lr_schedule == "warmup_cosine"


def test_curves_cross_where_the_difference_changes_sign():
    budgets = [1.0, 2.0, 4.0, 8.0]
    assert crossings(budgets, [3.0, 1.0, -2.0, -1.0]) == [[2.0, 4.0]]
    assert crossings(budgets, [-1.0, 2.0, -2.0, -1.0]) == [[1.0, 2.0], [2.0, 4.0]]
    assert crossings(budgets, [3.0, 1.0, 2.0, 0.5]) == []


def test_gaussian_reference_fid_matches_the_two_set_formula():
    rng = np.random.default_rng(0)
    reference, sample_set = rng.normal(size=(400, 6)), rng.normal(0.3, 1.2, size=(200, 6))
    assert metrics.GaussianReference.of(reference).fid(sample_set) == pytest.approx(
        metrics.fid(sample_set, reference), rel=1e-9
    )


def test_paired_differences_cancel_what_the_pairs_share():
    rng = np.random.default_rng(1)
    labels = np.repeat(np.arange(4), 50)
    probs = np.eye(4)[np.where(rng.random(200) < 0.7, labels, (labels + 1) % 4)]  # 70% judged right
    base = Scores(probs, rng.normal(size=(200, 5)), labels)
    worse_probs = probs.copy()
    worse_probs[::10] = np.eye(4)[(labels[::10] + 2) % 4]  # every 10th image now judged wrong
    others = {"same": Scores(probs, base.features, labels), "worse": Scores(worse_probs, base.features + 0.5, labels)}
    gaussian = metrics.GaussianReference.of(rng.normal(size=(1000, 5)))
    differences = paired_differences(base, others, gaussian, resamples=200, seed=0)
    same, worse = differences["same"], differences["worse"]
    assert (same["accuracy_difference"].low, same["accuracy_difference"].high) == (0.0, 0.0)
    assert (same["fid_difference"].low, same["fid_difference"].high) == (0.0, 0.0)
    expected = -(base.correct[::10]).sum() / 200  # the pairs differ only in the changed images
    assert worse["accuracy_difference"].value == pytest.approx(expected)
    assert worse["accuracy_difference"].high < 0 and worse["fid_difference"].low > 0
    assert worse["fid_difference"].low <= worse["fid_difference"].value <= worse["fid_difference"].high  # shifted
    with pytest.raises(ValueError, match="does not pair"):
        paired_differences(base, {"x": Scores(probs, base.features, labels[::-1])}, gaussian, 10, 0)


def test_one_step_ddim_is_the_x0_prediction_from_pure_noise(tiny_model):
    schedule, labels = cosine_schedule(20), torch.tensor([0, 1, 2])
    out, _ = sample(
        tiny_model,
        schedule,
        labels,
        steps=1,
        eta=0.0,
        guidance_scale=0.0,
        generator=torch.Generator().manual_seed(3),
        image_shape=(1, 8, 8),
        progress=False,
        sampler="ddim",
        prediction="epsilon",
    )
    noise = torch.randn((3, 1, 8, 8), generator=torch.Generator().manual_seed(3))
    t = torch.full((3,), 19)
    with torch.no_grad():
        expected = to_x0(schedule, noise, t, tiny_model(noise, t, labels), "epsilon").clamp(-1, 1)
    torch.testing.assert_close(out, expected)


def test_told_timesteps_are_shifted_within_range_and_random():
    t = torch.tensor([0, 10, 49])
    told = told_timesteps(t, [-5, 20], 50, torch.Generator().manual_seed(0))
    assert told[TRUE].tolist() == [0, 10, 49]
    assert told["t -5"].tolist() == [0, 5, 44] and told["t +20"].tolist() == [20, 30, 49]
    assert set(told) == {TRUE, "t -5", "t +20", RANDOM} and ((told[RANDOM] >= 0) & (told[RANDOM] < 50)).all()


def test_wrong_timestep_errors_share_inputs_and_the_true_column_is_the_plain_error(tiny_model):
    schedule = cosine_schedule(20)
    images = torch.rand(6, 1, 8, 8, generator=torch.Generator().manual_seed(0)) * 2 - 1
    labels = torch.tensor([0, 1, 2, 0, 1, 2])
    errors = wrong_timestep_errors(tiny_model, schedule, "epsilon", images, labels, [5], seed=4)
    generator = torch.Generator().manual_seed(4)
    t = torch.randint(0, 20, (6,), generator=generator)
    noise = torch.randn(images.shape, generator=generator)
    plain = noise_prediction_errors(tiny_model, schedule, "epsilon", images, labels, t, noise)
    np.testing.assert_allclose(errors[TRUE].to_numpy(), plain.numpy(), rtol=1e-6)
    assert list(errors.columns) == ["t", TRUE, "t +5", RANDOM]
    table = by_true_timestep(pd.DataFrame({"t": [0, 4, 15], TRUE: [1.0, 3.0, 5.0]}), buckets=2, timesteps=20)
    assert table["t_low"].tolist() == [0, 10] and table[TRUE].tolist() == [2.0, 5.0]


def test_edge_density_counts_the_pixels_beside_a_step():
    image = np.zeros((1, 6, 6), dtype=np.uint8)
    image[:, :, 3:] = 255  # a vertical step between columns 2 and 3
    density = edge_density(image, threshold=1.0)  # interior 4x4: columns 2 and 3 see the step (magnitude 4)
    assert density.tolist() == [0.5]


def test_rank_correlations_and_failing_classes():
    table = pd.DataFrame(
        {
            "class": list("abcdef"),
            "pixel_variance": [1, 2, 3, 4, 5, 6.0],
            "real_accuracy": [0.99, 0.9, 0.95, 0.8, 0.85, 0.7],
            "edge_density": [0.1, 0.3, 0.2, 0.5, 0.4, 0.6],
            "generated_accuracy": [0.9, 0.8, 0.7, 0.6, 0.5, 0.4],
            "fid": [1, 2, 3, 4, 5, 6.0],
            "generated_accuracy_high": [0.95, 0.95, 0.8, 0.7, 0.6, 0.5],
        }
    )
    rows = rank_correlations(table, resamples=200, seed=0).set_index(["property", "measure"])
    assert rows.loc[("pixel_variance", "generated_accuracy"), "rho"] == pytest.approx(-1.0)
    assert rows.loc[("pixel_variance", "fid"), "rho"] == pytest.approx(1.0)
    assert rows.loc[("pixel_variance", "generated_accuracy"), "expected_sign"] == -1
    assert failing_classes(table) == ["a", "c", "d", "e", "f"]  # high below real: b (0.95 > 0.9) is not
    constant = rank_correlations(table.assign(real_accuracy=0.9), resamples=50, seed=0).set_index("property")
    assert np.isnan(constant.loc["real_accuracy", "rho_low"]).all()  # undefined, not an error


def test_class_distribution_rows_are_shares_of_each_request():
    judged = np.array([0, 0, 1, 2, 2, 2])
    requested = np.array([0, 0, 0, 3, 3, 3])  # 3 = the null class
    matrix = class_distribution(judged, requested, [0, 3], num_classes=3)
    np.testing.assert_allclose(matrix, [[2 / 3, 1 / 3, 0], [0, 0, 1]])


def test_augmentation_sets_and_paired_differences():
    generated_labels = np.repeat(np.arange(2), 5)
    sets = training_sets(
        np.arange(10)[:, None, None].astype(np.uint8) * np.ones((1, 2, 2), np.uint8),
        generated_labels,
        np.zeros((40, 2, 2), np.uint8),
        np.repeat(np.arange(2), 20),
        per_class=3,
        seed=0,
    )
    assert [len(sets[name][1]) for name in (GENERATED, REAL, BOTH)] == [6, 6, 12]
    assert sets[GENERATED][0][:, 0, 0].tolist() == [0, 1, 2, 5, 6, 7]  # the first 3 of each class
    correct = {REAL: np.array([[1, 1, 1, 0]] * 2, bool), GENERATED: np.array([[1, 0, 1, 0], [1, 0, 0, 0]], bool)}
    table = summarise(correct, resamples=100, seed=0).set_index("set")
    assert table.loc[GENERATED, "accuracy"] == pytest.approx(0.375)
    assert table.loc[GENERATED, "difference_from_real"] == pytest.approx(-0.375)
    assert table.loc[GENERATED, "seed_min"] == 0.25 and table.loc[GENERATED, "seed_max"] == 0.5


def test_improvements_rank_resolved_gaps_first_then_by_size():
    gaps = [
        improvements.Gap("a", 0.9, False, {}),
        improvements.Gap("b", 0.2, True, {}),
        None,
        improvements.Gap("c", 0.5, True, {}),
        improvements.Gap("d", 0.1, False, {}),
    ]
    assert [g.key for g in improvements.ranked(gaps)] == ["c", "b", "a"]
    ablations = {
        "reference": "r",
        "train_gflop": 1.0,
        "variants": {
            "r": {"fid": 50.0},
            "big": {"fid": 40.0, "fid_difference": -10.0, "fid_difference_low": -15.0, "fid_difference_high": -5.0},
            "worse": {"fid": 60.0, "fid_difference": 10.0},
        },
    }
    gap = improvements.variant_gap(ablations, "big", "capacity")
    assert gap.size == pytest.approx(0.2) and gap.resolved
    assert improvements.variant_gap(ablations, "worse", "capacity") is None


def _random_dataset(n: int = 320) -> Dataset:
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (n, 28, 28), dtype=np.uint8)
    labels = np.arange(n) % 10
    return Dataset(images, labels, images[:40], labels[:40], [f"class {c}" for c in range(10)])


def test_a_learning_curve_point_is_the_run_that_stops_there(tmp_path):
    """The weights kept at a budget on the way to a larger one equal those of a run to that budget alone:
    with warmup_constant the learning rate at a step does not depend on where the run ends."""
    data = _random_dataset()
    bins = fit_style_bins(data.train_images, data.train_labels, ["ink"], 2, 0.2)
    data.train_styles = labels_for(data.train_images, data.train_labels, bins)
    params = tiny_params(
        **{"style.attributes": ["ink"], "style.levels": 2, "ablations.budgets_gflop": [0.2, 0.6, 1.0]},
        ablations__warmup_gflop=0.15,
        train__batch_size=16,
    )
    long_run = train_variant(params, "basic", bins, data, torch.device("cpu"), tmp_path / "long")
    short = params.model_copy(update={"ablations": params.ablations.model_copy(update={"budgets_gflop": [0.6]})})
    short_run = train_variant(short, "basic", bins, data, torch.device("cpu"), tmp_path / "short")
    steps = [budget["steps"] for budget in long_run["budgets"]]
    assert steps == sorted(set(steps)) and short_run["budgets"][0]["steps"] == steps[1]
    assert long_run["lr_schedule"] == "warmup_constant" and long_run["warmup_steps"] >= 1
    cpu = torch.device("cpu")
    on_the_way, _ = load_denoiser(snapshot_path(tmp_path / "long", 0.6), cpu)
    alone, info = load_denoiser(snapshot_path(tmp_path / "short", 0.6), cpu)
    assert info.steps == steps[1]
    for (name, a), b in zip(on_the_way.state_dict().items(), alone.state_dict().values()):
        torch.testing.assert_close(a, b, rtol=0, atol=0, msg=name)
    last, _ = load_denoiser(snapshot_path(tmp_path / "long", 1.0), cpu)
    assert any(not torch.equal(a, b) for a, b in zip(last.state_dict().values(), alone.state_dict().values()))


def test_budgets_that_share_a_step_count_are_refused(tmp_path):
    data = _random_dataset()
    bins = fit_style_bins(data.train_images, data.train_labels, ["ink"], 2, 0.2)
    data.train_styles = labels_for(data.train_images, data.train_labels, bins)
    params = tiny_params(**{"style.attributes": ["ink"], "style.levels": 2, "ablations.budgets_gflop": [0.2, 0.2001]})
    with pytest.raises(InputError, match="ablations.budgets_gflop: .* share a step count"):
        train_variant(params, "basic", bins, data, torch.device("cpu"), tmp_path)
