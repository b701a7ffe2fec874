import dataclasses
import typing
from pathlib import Path

import pytest
import yaml

from fashion_diffusion.config import Params, ParamsError, load_params

ROOT = Path(__file__).resolve().parents[1]


def _fields(cls, prefix=""):
    hints = typing.get_type_hints(cls)
    for f in dataclasses.fields(cls):
        if dataclasses.is_dataclass(hints[f.name]):
            yield from _fields(hints[f.name], f"{prefix}{f.name}.")
        else:
            yield f"{prefix}{f.name}"


def _keys(tree, prefix=""):
    for key, value in tree.items():
        if isinstance(value, dict) and key not in ("archs", "prompts", "captions", "weights"):
            yield from _keys(value, f"{prefix}{key}.")
        else:
            yield f"{prefix}{key}"


def test_params_yaml_holds_every_knob():
    assert set(_keys(yaml.safe_load((ROOT / "params.yaml").read_text()))) == set(_fields(Params))


def test_params_yaml_parses_into_typed_sections():
    p = load_params(ROOT / "params.yaml")
    assert p.model.arch in p.model.archs
    assert isinstance(p.train.lr, float) and isinstance(p.model.archs["basic"].channels, list)


def _write(tmp_path, text):
    path = tmp_path / "params.yaml"
    path.write_text(text)
    return path


@pytest.mark.parametrize("text, message", [
    ("train:\n  lrr: 0.1\n", "unknown key train.lrr"),
    ("train:\n  lr: fast\n", "train.lr must be a number, got 'fast'"),
    ("train:\n  epochs: 1.5\n", "train.epochs must be an integer"),
    ("model:\n  arch: huge\n", "model.arch is 'huge'; valid: basic"),
    ("sample:\n  sampler: euler\n", "sample.sampler is 'euler'; valid: ddim, ddpm"),
    ("select:\n  k: 11\n", "select.k must be between 1 and sample.per_class"),
    ("style:\n  attributes: ink\n", "style.attributes must be a list"),
])
def test_bad_params_name_the_key(tmp_path, text, message):
    with pytest.raises(ParamsError) as error:
        load_params(_write(tmp_path, text))
    assert message in str(error.value)
    assert "\n" not in str(error.value)
