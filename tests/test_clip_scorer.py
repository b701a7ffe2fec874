"""CLIP scorer: loading (trained and open_clip files), clear errors, AUC, gradients, a tiny trained scorer."""

from pathlib import Path

import numpy as np
import open_clip
import pandas as pd
import pytest
import torch

from fashion_diffusion.config.constants import CLASS_NAMES
from fashion_diffusion.core.artifacts import ArtifactError
from fashion_diffusion.data.prepared import load_raw, to_model_range
from fashion_diffusion.results.base import NOT_RESOLVED
from fashion_diffusion.results.clip import NOT_AGREED
from fashion_diffusion.scoring.clip.in_domain import (
    CAPTION_ROLES,
    architecture,
    build_model,
    caption_batch,
    save_scorer,
    train_scorer,
)
from fashion_diffusion.scoring.clip.loading import ScorerError, load_scorer
from fashion_diffusion.scoring.clip.scorer import Scorer
from fashion_diffusion.scoring.clip.scores import (
    prompt_meaning,
    prompt_probabilities,
    score_samples,
    validation_metrics,
)
from fashion_diffusion.scoring.corruptions import gaussian_blur
from fashion_diffusion.studies.clip_scorer import same_meaning, sample_scores, seed_agreement, validation
from tests.conftest import TINY_OPEN_CLIP_ARCH
from tests.support.tiny import tiny_params

DATASET = Path("/usr/share/datasets/fashion-mnist")
CLEAR, BLURRY, NOISY = "a clear photo of a {label}", "a blurry photo of a {label}", "a noisy photo of a {label}"
PROMPTS = {"good": "a photo of a {label}", "clear": CLEAR, "blurry": BLURRY, "noisy": NOISY}
TINY = tiny_params(
    clip__train__steps=800,
    clip__train__batch_size=64,
    clip__train__lr=1e-3,
    clip__train__warmup_steps=10,
    clip__train__embed_dim=32,
    clip__train__width=32,
    clip__train__text_width=32,
    clip__train__vision_layers=2,
    clip__train__text_layers=1,
    clip__train__patch_size=7,
    clip__train__context_length=12,
).clip.train
TINY_28 = architecture(TINY, 28)


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """A tiny scorer trained for 800 steps on 2000 real images (about 15 s; at 400 it has not yet told
    "clear" from "blurry", which it must learn beside "noisy" and the quality-free plain caption).

    One thread: a model this small gains nothing from more, and several threads on a busy
    machine slow its many small ops down tenfold.
    """
    if not DATASET.is_dir():
        pytest.skip("Fashion-MNIST not installed (apt-get install dataset-fashion-mnist)")
    dataset = load_raw(DATASET, train_limit=2000, test_limit=200)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        model = train_scorer(dataset.train_images, dataset.train_labels, CLASS_NAMES, TINY, torch.device("cpu"))
    finally:
        torch.set_num_threads(threads)
    path = tmp_path_factory.mktemp("clip") / "clip_scorer.pt"
    save_scorer(model, TINY_28, path)
    return load_scorer("trained", "", "cpu", trained_path=path), dataset


@pytest.fixture(scope="module")
def untrained(tmp_path_factory):
    """An untrained in-domain scorer, saved and loaded as `trained`'s is, and 20 real test images: for
    checks that do not depend on what the scorer learned (no training: fast)."""
    if not DATASET.is_dir():
        pytest.skip("Fashion-MNIST not installed (apt-get install dataset-fashion-mnist)")
    torch.manual_seed(0)
    path = tmp_path_factory.mktemp("clip-untrained") / "clip_scorer.pt"
    save_scorer(build_model(TINY_28), TINY_28, path)
    return load_scorer("trained", "", "cpu", trained_path=path), load_raw(DATASET, train_limit=100, test_limit=20)


def test_open_clip_file_loads_with_identical_scores(tiny_arch, tmp_path):
    torch.manual_seed(0)
    original = open_clip.create_model(tiny_arch)
    path = tmp_path / "weights.pt"
    torch.save(original.state_dict(), path)
    images = torch.rand(4, 1, 28, 28) * 2 - 1
    prompts = ["a photo of a bag", "a blurry photo of a bag"]
    expected = Scorer(original, open_clip.get_tokenizer(tiny_arch), "cpu").prompt_probabilities(images, prompts)
    loaded = load_scorer(tiny_arch, str(path), "cpu")
    assert loaded.preprocess["size"] == (32, 32)
    torch.testing.assert_close(loaded.prompt_probabilities(images, prompts), expected, rtol=0, atol=0)


def test_missing_weights_file_is_one_clear_line(tiny_arch, tmp_path):
    with pytest.raises(ScorerError) as error:
        load_scorer(tiny_arch, str(tmp_path / "absent.pt"), "cpu")
    message = str(error.value)
    assert "\n" not in message
    assert "absent.pt" in message and "set clip.pretrained: /path/to/file.pt" in message


def test_weights_of_another_architecture_are_a_clear_error(tiny_arch, tmp_path):
    path = tmp_path / "other.pt"
    torch.save(build_model(TINY_28).state_dict(), path)
    with pytest.raises(ScorerError, match=r"other\.pt does not hold fd-tiny-test weights .*set clip.pretrained"):
        load_scorer(tiny_arch, str(path), "cpu")


def test_unknown_tag_and_unknown_arch_are_clear(tiny_arch):
    with pytest.raises(
        ScorerError,
        match=r"clip.pretrained must be a tag for fd-tiny-test \(none\) or an existing "
        r"checkpoint file, got 'no-such-tag'; .*set clip.pretrained",
    ):
        load_scorer(tiny_arch, "no-such-tag", "cpu")
    with pytest.raises(ScorerError, match=r"clip.model must be 'trained' or an open_clip architecture .*'ViT-Nope'"):
        load_scorer("ViT-Nope", "openai", "cpu")


def test_missing_trained_checkpoint_names_the_file(tmp_path):
    with pytest.raises(ArtifactError, match=r"absent\.pt: not found \(run `dvc repro train_clip` first\)"):
        load_scorer("trained", "", "cpu", trained_path=tmp_path / "absent.pt")


def test_gaussian_blur_keeps_mass_and_constants():
    images = torch.rand(3, 1, 28, 28)
    blurred = gaussian_blur(images, torch.tensor([0.5, 1.0, 2.0]))
    assert blurred.shape == images.shape
    torch.testing.assert_close(blurred.mean(dim=(1, 2, 3)), images.mean(dim=(1, 2, 3)), atol=0.02, rtol=0)
    flat = gaussian_blur(torch.full((1, 1, 8, 8), 0.3), torch.tensor([1.5]))
    torch.testing.assert_close(flat, torch.full((1, 1, 8, 8), 0.3))


@pytest.mark.parametrize("arch", ["trained", "resized"])
def test_image_features_are_differentiable(arch, tiny_arch):
    torch.manual_seed(0)
    if arch == "trained":
        model, tokenizer = build_model(TINY_28), open_clip.tokenizer.SimpleTokenizer(context_length=12)
    else:
        model, tokenizer = open_clip.create_model(tiny_arch), open_clip.get_tokenizer(tiny_arch)
    scorer = Scorer(model, tokenizer, "cpu")
    images = (torch.rand(2, 1, 28, 28) * 2 - 1).requires_grad_(True)
    features = scorer.image_features(images)
    assert features.shape == (2, TINY.embed_dim if arch == "trained" else TINY_OPEN_CLIP_ARCH["embed_dim"])
    torch.testing.assert_close(features.norm(dim=1), torch.ones(2))
    scorer.prompt_probabilities(images, ["a photo of a bag", "a photo of a coat"])[:, 0].sum().backward()
    assert images.grad is not None and images.grad.abs().sum() > 0
    assert all(p.grad is None for p in scorer.model.parameters())


@pytest.mark.slow  # the `trained` fixture: 800 training steps (about 15 s)
def test_blurred_image_scores_more_blurry_than_its_original(trained):
    scorer, dataset = trained
    images, labels = to_model_range(dataset.test_images[:64]), torch.as_tensor(dataset.test_labels[:64])
    blurred = gaussian_blur(images, torch.full((64,), 1.5))
    clean_p, blurred_p = [
        prompt_probabilities(scorer, x, labels, CLASS_NAMES, PROMPTS)[:, 1] for x in (images, blurred)
    ]
    assert (blurred_p < clean_p).float().mean() >= 0.9


def test_score_samples_columns_and_ranges(untrained):
    scorer, dataset = untrained
    images, labels = to_model_range(dataset.test_images[:20]), torch.as_tensor(dataset.test_labels[:20])
    scores = score_samples(scorer, images, labels, CLASS_NAMES, PROMPTS, "a photo of a {label}")
    assert list(scores.columns) == ["label", "class", *PROMPTS, "class_prob"]
    values = scores[[*PROMPTS, "class_prob"]].to_numpy()
    assert len(scores) == 20 and values.min() >= 0 and values.max() <= 1
    assert scores["class"].tolist() == [CLASS_NAMES[c] for c in dataset.test_labels[:20]]
    np.testing.assert_allclose(scores[list(PROMPTS)].sum(axis=1), 1.0, atol=1e-5)


def test_captions_say_what_the_image_shows():
    """clear: the image untouched; blurry / noisy: corrupted; plain: any of the three, so the plain
    caption (the class prompt) means the class and nothing about quality."""
    images = np.random.default_rng(0).integers(0, 256, (50, 28, 28), dtype=np.uint8)
    labels = torch.arange(50) % 10
    config = TINY.model_copy(update={"batch_size": 4000})
    x, caption_ids = caption_batch(images, labels, 10, config, torch.Generator().manual_seed(0))
    index = torch.randint(50, (4000,), generator=torch.Generator().manual_seed(0))  # the batch's first draw
    assert (caption_ids % 10 == labels[index]).all()
    untouched = (x == to_model_range(images[index.numpy()])).flatten(1).all(dim=1)
    role = caption_ids // 10
    by_role = {name: untouched[role == i].float().mean().item() for i, name in enumerate(CAPTION_ROLES)}
    assert by_role["clear"] == 1.0 and by_role["blurry"] == 0.0 and by_role["noisy"] == 0.0
    assert 0.25 < by_role["plain"] < 0.42  # one plain image in three left clean


def test_prompt_meaning_of_known_probabilities():
    probabilities = {
        "clean": torch.tensor([[0.2, 0.8, 0.0], [0.4, 0.6, 0.0]]),
        "blurred": torch.tensor([[0.1, 0.4, 0.5], [0.3, 0.6, 0.1]]),
    }
    meaning = prompt_meaning(probabilities, ["good", "clear", "blurry"])
    assert meaning["prompt_means"]["clean"] == pytest.approx({"good": 0.3, "clear": 0.7, "blurry": 0.0})
    assert meaning["prompt_means"]["blurred"] == pytest.approx({"good": 0.2, "clear": 0.5, "blurry": 0.3})
    pooled = torch.cat(list(probabilities.values())).double().numpy()
    expected = np.corrcoef(pooled.T)
    assert set(meaning["prompt_correlations"]) == {"good", "clear"}
    assert meaning["prompt_correlations"]["good"]["blurry"] == pytest.approx(expected[0, 2])
    assert meaning["prompt_correlations"]["clear"] == pytest.approx({"blurry": expected[1, 2]})


@pytest.mark.slow  # the `trained` fixture
def test_trained_scorer_beats_chance_and_separates_blur(trained):
    scorer, dataset = trained
    metrics = validation_metrics(
        scorer,
        dataset.test_images,
        dataset.test_labels,
        CLASS_NAMES,
        "a photo of a {label}",
        PROMPTS,
        TINY.blur_sigma,
        TINY.noise_std,
        corruption_seed=0,
        resamples=200,
        bootstrap_seed=0,
    )
    assert set(metrics) == {"zero_shot_accuracy", "prompt_means", "prompt_correlations"} | {
        f"auc_clear_vs_{c}{end}" for c in ("blurred", "noised") for end in ("", "_low", "_high", "_se")
    }
    assert set(metrics["prompt_means"]) == {"clean", "blurred", "noised"}
    assert metrics["prompt_means"]["blurred"]["blurry"] > metrics["prompt_means"]["clean"]["blurry"]
    assert metrics["zero_shot_accuracy"] > 0.3
    assert metrics["auc_clear_vs_blurred_low"] > 0.9
    assert (
        metrics["auc_clear_vs_blurred_low"] <= metrics["auc_clear_vs_blurred"] <= metrics["auc_clear_vs_blurred_high"]
    )
    assert validation({**metrics, "validation_images": 200}, training_seed=0).blur.verdict == "detects"


def test_training_is_deterministic_under_the_seed():
    images = np.random.default_rng(0).integers(0, 256, (64, 28, 28), dtype=np.uint8)
    labels = np.arange(64) % 10
    config = TINY.model_copy(update={"steps": 3, "batch_size": 16})
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # as in `trained`: on a busy machine more threads slow these small ops down
    try:
        first, second = [train_scorer(images, labels, CLASS_NAMES, config, torch.device("cpu")) for _ in range(2)]
    finally:
        torch.set_num_threads(threads)
    for (name, a), b in zip(first.state_dict().items(), second.state_dict().values()):
        torch.testing.assert_close(a, b, rtol=0, atol=0, msg=name)


def test_validation_metrics_resample_each_image_with_its_copy(untrained):
    scorer, dataset = untrained
    arguments = (scorer, dataset.test_images, dataset.test_labels, CLASS_NAMES, "a photo of a {label}", PROMPTS)
    metrics = validation_metrics(*arguments, TINY.blur_sigma, TINY.noise_std, 0, resamples=100, bootstrap_seed=0)
    again = validation_metrics(*arguments, TINY.blur_sigma, TINY.noise_std, 0, resamples=100, bootstrap_seed=1)
    assert metrics["auc_clear_vs_noised"] == again["auc_clear_vs_noised"]  # same copies (corruption seed)
    assert metrics["auc_clear_vs_noised_low"] != again["auc_clear_vs_noised_low"]  # other resamples
    for kind in ("blurred", "noised"):
        low, high, se = (metrics[f"auc_clear_vs_{kind}{end}"] for end in ("_low", "_high", "_se"))
        assert 0 < se < high - low  # the 95% interval spans about four standard errors


def metrics_of(blur_auc: float, noise_auc: float, se: float, correlation: float = 0.1) -> dict:
    """What validation_metrics (and train_clip) writes, for a scorer of known AUCs."""
    return {
        "validation_images": 1000,
        "zero_shot_accuracy": 0.8,
        **{
            f"auc_clear_vs_{kind}{end}": value
            for kind, auc in (("blurred", blur_auc), ("noised", noise_auc))
            for end, value in (("", auc), ("_low", auc - 2 * se), ("_high", auc + 2 * se), ("_se", se))
        },
        "prompt_means": {"clean": {"good": 0.3, "clear": 0.7}},
        "prompt_correlations": {"good": {"clear": correlation, "blurry": None}, "clear": {"blurry": float("nan")}},
    }


def test_each_auc_is_tested_against_chance_and_the_seeds_must_agree():
    sure = validation(metrics_of(0.99, 0.97, 0.002), training_seed=0)
    assert (sure.blur.verdict, sure.noise.verdict) == ("detects", "detects")
    assert sure.noise.value == pytest.approx(0.47) and sure.noise.p_holm >= sure.noise.p
    assert sure.auc_noised.value == 0.97 and sure.most_alike.correlation == 0.1  # None and NaN are not measured
    unsure = validation(metrics_of(0.99, 0.503, 0.004), training_seed=1)
    assert unsure.noise.verdict == NOT_RESOLVED
    below = validation(metrics_of(0.3, 0.96, 0.01), training_seed=2)
    assert below.blur.verdict == "ranks below chance"
    seeds = seed_agreement([sure, unsure])
    assert (seeds.blur, seeds.noise) == ("detects", NOT_AGREED)
    assert [run.training_seed for run in seeds.runs] == [0, 1]


def test_prompts_mean_the_same_from_a_correlation_of_0_9():
    assert same_meaning(metrics_of(0.9, 0.9, 0.01, correlation=0.89)["prompt_correlations"]) == []
    [pair] = same_meaning(metrics_of(0.9, 0.9, 0.01, correlation=0.95)["prompt_correlations"])
    assert (pair.first, pair.second, pair.correlation) == ("good", "clear", 0.95)


def test_sample_scores_name_the_hardest_and_easiest_classes():
    scores = pd.DataFrame(
        {
            "class": ["bag", "bag", "coat", "shirt", "shirt", "sandal"],
            "good": [0.2, 0.4, 0.3, 0.1, 0.3, 0.5],
            "class_prob": [0.9, 1.0, 0.5, 0.2, 0.4, 0.8],
        }
    )
    summary = sample_scores(scores, ["good"])
    assert summary.n == 6 and summary.mean == pytest.approx({"good": 0.3, "class_prob": 3.8 / 6})
    assert [c.name for c in summary.per_class] == ["bag", "coat", "shirt", "sandal"]
    assert summary.of("shirt").scores == pytest.approx({"good": 0.2, "class_prob": 0.3})
    assert summary.hardest == ["shirt", "coat", "sandal"] and summary.easiest == "bag"
