import json

import numpy as np
import pytest
import torch

from fashion_diffusion.config.style_names import StyleRequestError
from fashion_diffusion.model.checkpoint import ModelInfo
from fashion_diffusion.model.samplers import Sampling
from fashion_diffusion.model.unet import UNet
from fashion_diffusion.results.base import NOT_RESOLVED
from fashion_diffusion.studies.style_control import (
    attribute_verdict,
    control_columns,
    control_requests,
    headline,
    level_table,
    sample_columns,
    style_control,
    within_class_z,
)
from fashion_diffusion.style.attributes import compute_attributes
from fashion_diffusion.style.bins import (
    StyleBins,
    assign_levels,
    fit_bins,
    fit_style_bins,
    labels_for,
    null_labels,
    parse_style_requests,
)

ATTRIBUTES = ["ink", "area", "slant"]


def bar(kind: str, size: int = 28, half_width: int = 1) -> np.ndarray:
    """A white bar on black, uint8 (size, size): '/', '\\', '|' or '-'."""
    image = np.zeros((size, size), dtype=np.uint8)
    for t in range(4, size - 4):  # t walks down the rows (or along the columns for '-')
        for offset in range(-half_width, half_width + 1):
            row, col = {
                "/": (t, size - 1 - t + offset),
                "\\": (t, t + offset),
                "|": (t, size // 2 + offset),
                "-": (size // 2 + offset, t),
            }[kind]
            image[row, col] = 255
    return image


def toy_bins(levels: int = 3) -> StyleBins:
    rng = np.random.default_rng(0)
    images = (rng.random((60, 28, 28)) ** rng.uniform(0.5, 8, (60, 1, 1)) * 255).astype(np.uint8)
    return fit_style_bins(images, np.arange(60) % 2, ATTRIBUTES, levels, area_threshold=0.2)


def flat_images(intensities) -> np.ndarray:
    """Uniform grey images, uint8 (N, 28, 28): ink = intensity / 255."""
    return np.stack([np.full((28, 28), v, np.uint8) for v in intensities])


def two_class_bins() -> StyleBins:
    """ink edges [0.3, 0.6] for class 0 and [0.5, 0.7] for class 1."""
    return StyleBins(
        attributes=["ink", "slant"],
        edges={"ink": [[0.3, 0.6], [0.5, 0.7]], "slant": [[-5.0, 5.0], [10.0, 30.0]]},
        level_names={"ink": ["light", "medium", "bold"], "slant": ["left", "upright", "right"]},
        train_fractions={"ink": [[0.5, 0.3, 0.2], [0.1, 0.3, 0.6]], "slant": [[0.3, 0.4, 0.3], [0.3, 0.4, 0.3]]},
        area_threshold=0.2,
    )


def test_slant_sign_follows_the_top_of_the_bar():
    images = np.stack([bar("/"), bar("\\"), bar("|"), bar("-")])
    slant = compute_attributes(images, ["slant"], area_threshold=0.2)["slant"]
    assert slant[0] == pytest.approx(45.0, abs=1.0)
    assert slant[1] == pytest.approx(-45.0, abs=1.0)
    assert slant[2] == pytest.approx(0.0, abs=1e-9)
    assert slant[3] == pytest.approx(0.0, abs=1e-9)  # a horizontal bar does not lean


def test_ink_and_area_grow_with_brightness_and_size():
    dim, bright = np.full((28, 28), 60, np.uint8), np.full((28, 28), 200, np.uint8)
    small, large = np.zeros((28, 28), np.uint8), np.zeros((28, 28), np.uint8)
    small[10:14, 10:14], large[4:24, 4:24] = 255, 255
    values = compute_attributes(np.stack([dim, bright, small, large]), ["ink", "area"], area_threshold=0.2)
    assert values["ink"][1] > values["ink"][0]
    assert values["ink"][1] == pytest.approx(200 / 255)
    assert values["area"][2] == pytest.approx(16 / 784)
    assert values["area"][3] == pytest.approx(400 / 784)


def test_blank_image_has_zero_attributes():
    values = compute_attributes(np.zeros((1, 28, 28), np.uint8), ATTRIBUTES, area_threshold=0.2)
    assert [values[name][0] for name in ATTRIBUTES] == [0.0, 0.0, 0.0]


def test_fit_bins_gives_quantile_edges_and_levels():
    values = np.arange(9.0)
    edges = fit_bins(values, 3)
    np.testing.assert_allclose(edges, [8 / 3, 16 / 3])
    assert assign_levels(values, edges).tolist() == [0, 0, 0, 1, 1, 1, 2, 2, 2]
    assert assign_levels(np.array([1.0, 3.0]), np.array([1.0, 3.0])).tolist() == [1, 2]  # edge goes up
    per_value_edges = np.array([[1.0, 2.0], [10.0, 20.0]])  # one row of edges per value
    assert assign_levels(np.array([5.0, 5.0]), per_value_edges).tolist() == [2, 0]


def test_bins_are_fitted_per_class():
    # class 0: intensities 10..90, class 1: 100..180 (interleaved); ink = intensity / 255
    intensities = np.array([10, 100, 20, 110, 30, 120, 40, 130, 50, 140, 60, 150, 70, 160, 80, 170, 90, 180])
    bins = fit_style_bins(flat_images(intensities), np.arange(18) % 2, ["ink"], 3, area_threshold=0.2)
    np.testing.assert_allclose(bins.edges["ink"], [[110 / 3 / 255, 190 / 3 / 255], [380 / 3 / 255, 460 / 3 / 255]])
    np.testing.assert_allclose(bins.train_fractions["ink"], np.full((2, 3), 1 / 3))
    assert bins.num_classes == 2


def test_labels_for_uses_the_edges_of_each_images_class():
    bins = two_class_bins()
    images = flat_images([77, 77, 166, 166])  # ink 0.302, 0.302, 0.651, 0.651
    labels = labels_for(images, np.array([0, 1, 0, 1]), bins)
    assert labels[:, 0].tolist() == [1, 0, 2, 1]  # medium/light for ink 0.302, bold/medium for 0.651
    with pytest.raises(ValueError, match="class label 2 outside the 2 classes"):
        labels_for(images, np.array([0, 1, 2, 1]), bins)


def test_fit_style_bins_rejects_a_missing_class():
    with pytest.raises(ValueError, match=r"class counts \[2, 0, 1\]"):
        fit_style_bins(flat_images([10, 20, 30]), np.array([0, 0, 2]), ["ink"], 3, area_threshold=0.2)


def test_bins_reject_edges_that_are_not_per_class():
    fields = json.loads(two_class_bins().to_json())
    fields["edges"]["ink"] = [0.3, 0.6]  # one global set of edges (the old format)
    with pytest.raises(ValueError, match=r"edges\['ink'\] has shape \(2,\), expected .* \(2, 2\)"):
        StyleBins(**fields)


def test_bins_round_trip_through_json_and_label_identically():
    bins = toy_bins()
    restored = StyleBins.from_json(bins.to_json())
    assert restored == bins
    images = np.random.default_rng(1).integers(0, 256, (20, 28, 28), dtype=np.uint8)
    assert restored.edges["slant"] == bins.edges["slant"]  # exact floats, per class
    classes = np.arange(20) % 2
    np.testing.assert_array_equal(labels_for(images, classes, restored), labels_for(images, classes, bins))
    assert labels_for(images, classes, bins).shape == (20, 3)
    assert np.shape(bins.edges["ink"]) == (2, 2)
    assert bins.edges["ink"][0] != bins.edges["ink"][1]
    assert bins.level_names["slant"] == ["left", "upright", "right"]
    np.testing.assert_allclose(np.sum(bins.train_fractions["ink"], axis=1), [1.0, 1.0])


def test_null_level_is_one_past_the_last_level():
    for levels in (3, 5):
        bins = toy_bins(levels)
        assert bins.null_level == levels
        assert null_labels(4, bins).tolist() == [[levels] * 3] * 4
    assert toy_bins(5).level_names["ink"] == ["level0", "level1", "level2", "level3", "level4"]


def test_parse_style_requests():
    bins = toy_bins()
    assert parse_style_requests(["ink=bold", "slant=left"], bins).tolist() == [2, 3, 0]
    assert parse_style_requests([], bins).tolist() == [3, 3, 3]
    for bad in (["ink=heavy"], ["colour=red"], ["inkbold"]):
        with pytest.raises(StyleRequestError) as error:
            parse_style_requests(bad, bins)
        assert str(error.value) == (
            f"unknown style {bad[0]!r}; valid: ink=light|medium|bold, area=thin|medium|wide, slant=left|upright|right"
        )
    with pytest.raises(StyleRequestError, match="twice"):
        parse_style_requests(["ink=bold", "ink=light"], bins)


def test_style_control_hand_example():
    bins = two_class_bins()
    # ink requested light, light, bold, bold for classes 0, 1, 0, 1; slant never requested (null 3).
    requested = np.array([[0, 3], [0, 3], [2, 3], [2, 3]])
    classes = np.array([0, 1, 0, 1])
    values = {"ink": np.array([0.25, 0.375, 0.75, 0.625]), "slant": np.zeros(4)}
    control = style_control(requested, values, classes, bins, per_level=1, resamples=200, seed=0)
    assert [a.name for a in control.attributes] == ["ink"]  # slant was not requested
    ink = control.attributes[0]
    light, bold = ink.levels
    assert (light.name, light.level, bold.name, bold.level) == ("light", 0, "bold", 2)
    # 0.375 is light for class 1 (medium for class 0); 0.625 is medium for class 1 (bold for class 0)
    assert (light.hit_rate.value, bold.hit_rate.value) == (1.0, 0.5)
    # one image per class: resampled over the level's images (within a class every resample would be the
    # sample itself, a zero standard error and a verdict from nothing)
    assert light.hit_rate.degenerate and (bold.hit_rate.low, bold.hit_rate.high) == (0.0, 1.0)
    assert bold.versus_chance.se_sampling > 0 and bold.versus_chance.verdict == NOT_RESOLVED
    assert light.chance_train == pytest.approx((0.5 + 0.1) / 2) and bold.chance_train == pytest.approx((0.2 + 0.6) / 2)
    assert (light.mean_value, bold.mean_value) == pytest.approx((0.3125, 0.6875))
    assert (light.mean_z, bold.mean_z) == (-1.0, 1.0)  # z within class: (0.25, 0.75), (0.375, 0.625)
    assert ink.hit_rate.value == 0.75 and ink.chance == pytest.approx(1 / 3)
    assert 0.5 <= ink.hit_rate.low <= 0.75 <= ink.hit_rate.high == 1.0  # light always hits, bold half the time
    assert ink.spearman == pytest.approx(2 / np.sqrt(5))  # ranks of values fully follow the two levels
    assert ink.spearman_within_class == pytest.approx(1.0)
    assert headline(control) == {"ink_hit_rate": 0.75}
    table = level_table(control)
    assert table["level_name"].tolist() == ["light", "bold"] and table["hit_rate"].tolist() == [1.0, 0.5]


def test_a_level_below_chance_shows_beside_a_pooled_hit_rate_above_it():
    """light always hits, medium 2 of 60 times, bold 30 of 60: pooled 51% lies above chance (1/3), medium
    alone lies below it; the attribute's verdict names it."""
    values = np.array([0.1] * 60 + [0.45] * 2 + [0.1] * 58 + [0.8] * 30 + [0.45] * 30)
    requested = np.stack([np.repeat([0, 1, 2], 60), np.full(180, 3)], axis=1)
    control = style_control(requested, {"ink": values}, np.zeros(180), two_class_bins(), 60, resamples=1000, seed=0)
    ink = control.attributes[0]
    assert [lv.hit_rate.value for lv in ink.levels] == pytest.approx([1.0, 2 / 60, 0.5])
    assert all(lv.hit_rate.low <= lv.hit_rate.value <= lv.hit_rate.high for lv in ink.levels)
    assert [lv.versus_chance.verdict for lv in ink.levels] == ["above chance", "below chance", "above chance"]
    assert {lv.versus_chance.family for lv in ink.levels} == {control.family} == {"style levels"}
    assert ink.levels[1].versus_chance.p_holm >= ink.levels[1].versus_chance.p  # Holm over the levels
    assert ink.versus_chance.verdict == "above chance" and ink.hit_rate.value == pytest.approx(92 / 180)
    assert ink.verdict == "controlled except at medium"
    json.loads(control.model_dump_json())  # what the stage writes


def test_the_attribute_verdict_never_hides_a_level_below_chance():
    from tests.support.fixtures.applications import compared

    def c(value: float, verdict: str):
        return compared("style", value, 0.02, verdict)

    above, below, unresolved = c(0.3, "above chance"), c(-0.2, "below chance"), c(0.01, NOT_RESOLVED)
    assert attribute_verdict(above, {"a": above, "b": above}) == "controlled well"
    # far above chance when pooled, but one level not resolved from chance: never "well", and named
    assert (
        attribute_verdict(above, {"a": above, "b": unresolved}) == "controlled except at b (not resolved from chance)"
    )
    assert attribute_verdict(c(0.1, "above chance"), {"a": above, "b": unresolved}) == "controlled, weakly"
    assert attribute_verdict(above, {"a": above, "b": below}) == "controlled except at b"
    assert attribute_verdict(unresolved, {"a": below, "b": above, "c": below}) == "not controlled at a and c"
    assert attribute_verdict(below, {"a": below, "b": below}) == "not controlled at any level"
    assert attribute_verdict(unresolved, {"a": unresolved, "b": unresolved}) == "not resolved from chance"


def test_within_class_monotonicity_ignores_class_offsets():
    # class 1 is much inkier and asked "light" more often: pooled means fall, within-class z rises.
    requested = np.array([[0, 3], [2, 3], [0, 3], [0, 3], [2, 3]])
    classes = np.array([0, 0, 1, 1, 1])
    values = {"ink": np.array([0.05, 0.15, 0.8, 0.8, 0.9]), "slant": np.zeros(5)}
    ink = style_control(requested, values, classes, two_class_bins(), 1, resamples=200, seed=0).attributes[0]
    light, bold = ink.levels
    assert light.mean_value > bold.mean_value and light.mean_z < bold.mean_z
    assert ink.spearman_within_class > 0.8 > ink.spearman


def test_within_class_z():
    z = within_class_z(np.array([1.0, 3.0, 10.0, 10.0, 7.0]), np.array([0, 0, 1, 1, 2]))
    np.testing.assert_allclose(z, [-1.0, 1.0, 0.0, 0.0, 0.0])  # constant or single-image class -> 0


def test_control_requests_cover_every_class_attribute_and_level():
    bins = toy_bins()
    labels, styles = control_requests(bins, classes=2, per_level=2)
    assert len(labels) == 2 * 3 * 3 * 2
    assert ((styles != bins.null_level).sum(axis=1) == 1).all()  # exactly one attribute requested
    for c in range(2):
        for a in range(3):
            asked = styles[(labels == c) & (styles[:, a] != bins.null_level), a]
            assert sorted(asked.tolist()) == [0, 0, 1, 1, 2, 2]


def test_every_style_block_starts_from_the_same_noise(tiny_config):
    bins = toy_bins()
    torch.manual_seed(0)
    model = UNet(tiny_config.__class__(**{**tiny_config.to_dict(), "style_levels": [bins.levels] * 3})).eval()
    info = ModelInfo(
        model.config,
        {"timesteps": 20, "cosine_s": 0.008, "prediction": "epsilon"},
        (1, 8, 8),
        ["a", "b", "c"],
        bins.attributes,
        0,
    )
    columns = control_columns(bins, classes=3, per_level=2)
    assert all((labels == columns[0][0]).all() for labels, _ in columns)
    sampling = Sampling("ddim", 3, 1.0, 1.0, bf16=False, batch_size=0)
    images = sample_columns(model, info, columns, sampling, seed=5).reshape(len(columns), 6, 8, 8)
    assert not (images[0] == images[-1]).all()  # the style request changes the image...
    for table in model.conditioning.style_embeddings:
        torch.nn.init.zeros_(table.weight)  # ...and nothing else does: without style embeddings all blocks agree
    images = sample_columns(model, info, columns, sampling, seed=5).reshape(len(columns), 6, 8, 8)
    assert all((block == images[0]).all() for block in images)


def test_the_report_states_the_margin_the_study_uses():
    """The style section names the "well" margin of the study as a number: the two must not drift apart."""
    from pathlib import Path

    from fashion_diffusion.report.render import TEMPLATES
    from fashion_diffusion.studies.style_control import WELL_MARGIN

    text = (Path(TEMPLATES) / "sections" / "bonus_style.md.j2").read_text()
    assert f"({WELL_MARGIN:g}: {100 * WELL_MARGIN:g} percentage points)" in text
