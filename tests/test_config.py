import pytest
import yaml

from fashion_diffusion.config import Params, ParamsError, load_params
from fashion_diffusion.config.loading import set_dotted
from tests.support.tiny import ROOT


def test_params_yaml_is_valid_and_holds_every_key():
    raw = yaml.safe_load((ROOT / "params.yaml").read_text())
    params = load_params(ROOT / "params.yaml")
    assert set(raw) == set(Params.model_fields)
    assert params.model_dump(mode="json") == raw  # every key present, none coerced, none defaulted


def test_no_schema_field_has_a_default():
    def fields(model):
        for name, info in model.model_fields.items():
            yield f"{model.__name__}.{name}", info
            annotation = info.annotation
            if isinstance(annotation, type) and hasattr(annotation, "model_fields"):
                yield from fields(annotation)

    with_defaults = [name for name, info in fields(Params) if not info.is_required()]
    assert not with_defaults


def _write(tmp_path, dotted: str, value) -> str:
    raw = yaml.safe_load((ROOT / "params.yaml").read_text())
    set_dotted(raw, dotted, value)
    path = tmp_path / "params.yaml"
    path.write_text(yaml.safe_dump(raw))
    return str(path)


@pytest.mark.parametrize(
    "dotted, value, message",
    [
        ("train.lr", "fast", "train.lr: Input should be a valid number"),
        ("train.epochs", 1.5, "train.epochs: Input should be a valid integer"),
        ("model.arch", "huge", "model.arch is 'huge'; valid: basic, basic_no_skip, basic_no_time, large, plain_cnn"),
        ("sample.sampler", "euler", "sample.sampler: Input should be 'ddim', 'ddpm', 'dpmpp_2m' or 'dpmpp_2m_sde'"),
        ("select.k", 11, "select.k must be at most select.group_size (10), got 11"),
        ("style.attributes", "ink", "style.attributes: Input should be a valid list"),
        ("ablations.variants", {"reference": "huge"}, "ablations.variants.reference is 'huge'; valid:"),
        ("ablations.reference", "other", "ablations.reference is 'other'; valid: large, no_skip_connections"),
        ("clip.spread_seeds", [0, 1], "clip.spread_seeds must be distinct and differ from clip.train.seed (0)"),
        ("clip.validation_noise_std", [0.0, 0.1], "clip.validation_noise_std must be [low, high] with 0 < low <= high"),
        ("clip.prompts", {"clear": "a clear {label}", "blurry": "a blurry {label}"}, "clip.prompts is missing 'noisy'"),
        (
            "select.weights",
            {"good": 1.0, "sharp": 1.0},
            "select.weights.sharp.[key]: Input should be 'good', 'clear', 'blurry', 'noisy' or 'class_prob'",
        ),
        ("augmentation.batch_size", 2000, "augmentation.batch_size must be at most the smallest training set"),
        ("guidance.scales", [2.0, 1.0], "guidance.scales must be strictly increasing"),
        (
            "ablations.questions.no_skip",
            "large",
            "ablations.questions.no_skip: variant 'large' (large) must differ from the reference's arch (basic) in "
            "only skip_connections: false; it differs in attention_levels, block, channels",
        ),
        ("ablations.questions.larger", "plain_cnn", "ablations.questions.larger: variant 'plain_cnn' (plain_cnn)"),
        (
            "ablations.questions.simpler",
            "nothing",
            "ablations.questions.simpler is 'nothing'; valid: large, no_skip_connections",
        ),
        (
            "ablations.questions",
            {"simpler": "plain_cnn", "no_skip": "no_skip_connections", "no_time": "no_time_embedding"},
            "ablations.questions is missing 'larger'",
        ),
        (
            "ablations.replicated",
            ["reference", "big"],
            "ablations.replicated names 'big'; valid: large, no_skip_connections",
        ),
        ("ablations.training_seeds", [1, 1], "ablations.training_seeds must be distinct"),
    ],
)
def test_bad_params_name_the_key_in_one_line(tmp_path, dotted, value, message):
    with pytest.raises(ParamsError) as error:
        load_params(_write(tmp_path, dotted, value))
    assert message in str(error.value)
    assert "\n" not in str(error.value)


def test_selection_weighs_only_scores_that_exist(tmp_path):
    _write(tmp_path, "select.weights", {"good": 1.0, "class_prob": 1.0})
    raw = yaml.safe_load((tmp_path / "params.yaml").read_text())
    del raw["clip"]["prompts"]["good"]
    (tmp_path / "params.yaml").write_text(yaml.safe_dump(raw))
    with pytest.raises(ParamsError, match="select.weights.good weighs a score that clip.prompts does not define"):
        load_params(tmp_path / "params.yaml")
    del raw["select"]["weights"]["good"]
    (tmp_path / "params.yaml").write_text(yaml.safe_dump(raw))
    assert "good" not in load_params(tmp_path / "params.yaml").clip.prompts  # "good" itself is optional


def test_a_clip_patch_size_must_divide_the_image_side(tmp_path):
    from fashion_diffusion.config.constants import IMAGE_SIDE

    divisors = [d for d in range(1, IMAGE_SIDE + 1) if IMAGE_SIDE % d == 0]
    for size in divisors:
        assert load_params(_write(tmp_path, "clip.train.patch_size", size)).clip.train.patch_size == size
    for size in sorted(set(range(2, IMAGE_SIDE)) - set(divisors)):
        with pytest.raises(ParamsError) as error:
            load_params(_write(tmp_path, "clip.train.patch_size", size))
        assert str(error.value) == (
            f"params.yaml: clip.train.patch_size ({size}) must divide the image side "
            f"({IMAGE_SIDE}): one of {', '.join(map(str, divisors))}"
        )


def test_unknown_and_missing_keys(tmp_path):
    raw = yaml.safe_load((ROOT / "params.yaml").read_text())
    raw["train"]["lrr"] = 0.1
    (tmp_path / "a.yaml").write_text(yaml.safe_dump(raw))
    with pytest.raises(ParamsError, match="unknown key train.lrr"):
        load_params(tmp_path / "a.yaml")
    del raw["train"]["lrr"], raw["train"]["lr"]
    (tmp_path / "b.yaml").write_text(yaml.safe_dump(raw))
    with pytest.raises(ParamsError, match=r"train.lr: missing"):
        load_params(tmp_path / "b.yaml")


def test_overrides_must_name_existing_keys():
    assert load_params(ROOT / "params.yaml", {"train.lr": 0.01}).train.lr == 0.01
    with pytest.raises(ParamsError, match="unknown key train.learning_rate"):
        load_params(ROOT / "params.yaml", {"train.learning_rate": 0.01})
