"""The measurements behind the seed's questions: ablation budgets, paired comparisons, one-step
denoising, the wrong timestep, the guidance sweep's class distribution
(small arrays and the tiny U-Net; no data files)."""

import numpy as np
import pandas as pd
import pytest
import torch

from fashion_diffusion.config.constants import total_steps
from fashion_diffusion.core.errors import InputError
from fashion_diffusion.data.prepared import Dataset
from fashion_diffusion.evaluation.loss_by_timestep import noise_prediction_errors
from fashion_diffusion.model.checkpoint import load_denoiser
from fashion_diffusion.model.samplers import sample
from fashion_diffusion.model.schedule import cosine_schedule, to_x0
from fashion_diffusion.results.base import NOT_RESOLVED
from fashion_diffusion.stats import metrics
from fashion_diffusion.studies.ablation import reversals
from fashion_diffusion.studies.ablation_training import (
    ablation_variants,
    budget_steps,
    curve_recipe,
    snapshot_path,
    train_variant,
)
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


def test_a_verdict_that_changes_side_between_resolved_budgets_is_a_reversal():
    from tests.support.fixtures.ablations import ablations
    from tests.support.fixtures.sets import compared

    study = ablations()
    budgets = study.budgets_gflop
    family = study.error_family
    errors = {  # large's first error bucket: higher at the first budget, not resolved, then lower
        0: compared(family, 0.1, 0.02, "higher error"),
        1: compared(family, 0.0, 0.02, NOT_RESOLVED),
        2: compared(family, -0.1, 0.02, "lower error"),
    }
    changed = [
        c.model_copy(update={"held_out_mse": [errors[budgets.index(c.budget_gflop)], *c.held_out_mse[1:]]})
        if c.variant == "large"
        else c
        for c in study.comparisons
    ]
    found = [r for r in reversals(changed, budgets) if r.variant == "large" and r.measure == "held_out_mse_0"]
    assert [(r.from_budget, r.from_verdict, r.to_budget, r.to_verdict) for r in found] == [
        (budgets[0], "higher error", budgets[2], "lower error")
    ]
    assert not [r for r in reversals(study.comparisons, budgets) if r.measure == "held_out_mse_0"]


def test_every_variant_trains_with_the_first_seed_and_the_replicated_ones_with_each():
    params = tiny_params(
        **{"ablations.training_seeds": [3, 4, 5], "ablations.replicated": ["reference", "clip_alignment"]}
    )
    trainings = [(v.name, v.seed) for v in ablation_variants(params)]
    clip = [("clip_alignment", s) for s in (3, 4, 5)]  # the longest trainings first, at every seed
    assert trainings[:3] == clip
    assert trainings[3 : 3 + len(params.ablations.variants)] == [(name, 3) for name in params.ablations.variants]
    assert trainings[3 + len(params.ablations.variants) :] == [("reference", 4), ("reference", 5)]
    assert len(set(trainings)) == len(trainings)


def test_gaussian_reference_fid_matches_the_two_set_formula():
    rng = np.random.default_rng(0)
    reference, sample_set = rng.normal(size=(400, 6)), rng.normal(0.3, 1.2, size=(200, 6))
    assert metrics.GaussianReference.of(reference).fid(sample_set) == pytest.approx(
        metrics.fid(sample_set, reference), rel=1e-9
    )


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


def test_class_distribution_rows_are_shares_of_each_request():
    judged = np.array([0, 0, 1, 2, 2, 2])
    requested = np.array([0, 0, 0, 3, 3, 3])  # 3 = the null class
    matrix = class_distribution(judged, requested, [0, 3], num_classes=3)
    np.testing.assert_allclose(matrix, [[2 / 3, 1 / 3, 0], [0, 0, 1]])


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
        ablations__warmup_steps=2,
        train__batch_size=16,
    )
    long_run = train_variant(params, "basic", bins, data, torch.device("cpu"), tmp_path / "long")
    short = params.model_copy(update={"ablations": params.ablations.model_copy(update={"budgets_gflop": [0.6]})})
    short_run = train_variant(short, "basic", bins, data, torch.device("cpu"), tmp_path / "short")
    steps = [budget["steps"] for budget in long_run["budgets"]]
    assert steps == sorted(set(steps)) and short_run["budgets"][0]["steps"] == steps[1]
    assert long_run["lr_schedule"] == "warmup_constant" and long_run["warmup_steps"] == 2
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
