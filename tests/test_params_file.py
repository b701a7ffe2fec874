"""params.yaml keeps the shape DVC's own writer leaves alone.

`dvc exp run -S key=value` (`--set-param`) writes the value with BaseStashQueue._update_params ->
dvc.utils.hydra.apply_overrides: it parses the file with ruamel round-trip (dvc.utils.serialize.modify_yaml),
replaces every list and scalar by a plain value and dumps at ruamel's defaults (80 columns, block lists).
A long flow mapping gets re-wrapped, a flow list becomes a block list, and a comment or blank line after a
list's last item is lost (DVC issue 8720). These tests call that function, so one experiment changes one line.
"""

import difflib
import json
import shutil

import pytest
import yaml
from dvc.utils.hydra import apply_overrides

from tests.support.tiny import ROOT

PARAMS = ROOT / "params.yaml"


def changed_lines(tmp_path, *overrides: str) -> list[str]:
    """The lines (-old, +new) that `dvc exp run -S override ...` changes in a copy of params.yaml."""
    path = tmp_path / "params.yaml"
    shutil.copyfile(PARAMS, path)
    before = path.read_text().splitlines()
    apply_overrides(path, list(overrides))
    after = path.read_text().splitlines()
    return [
        line
        for line in difflib.unified_diff(before, after, lineterm="", n=0)
        if line[:1] in "+-" and not line.startswith(("+++", "---"))
    ]


@pytest.mark.parametrize(
    "override, old, new",
    [
        ("train.seed=1", "  seed: 0", "  seed: 1"),
        (
            "sample.guidance_scale=2",
            "  guidance_scale: 0.5  # 0 = conditional prediction only",
            "  guidance_scale: 2    # 0 = conditional prediction only",
        ),
        ("clip.spread_seeds=[2]", "  - 1", "  - 2"),
        ("model.archs.large.blocks_per_level=2", "      blocks_per_level: 1", "      blocks_per_level: 2"),
        ("model.archs.basic.channels=[24,48,256]", "      - 96", "      - 256"),
        ("evaluate.samplers.0.steps=11", "    steps: 10", "    steps: 11"),
        (
            "select.weights.blurry=-2.0",
            "  weights: {clear: 1.0, blurry: -1.0, noisy: -1.0, class_prob: 1.0}",
            "  weights: {clear: 1.0, blurry: -2.0, noisy: -1.0, class_prob: 1.0}",
        ),
    ],
)
def test_dvc_set_param_changes_exactly_one_line(tmp_path, override, old, new):
    assert changed_lines(tmp_path, override) == [f"-{old}", f"+{new}"]


def test_dvc_set_param_to_the_same_value_changes_nothing(tmp_path):
    assert changed_lines(tmp_path, "train.seed=0") == []


def _leaves(node, prefix=""):
    """(dotted key, value) of every scalar and scalar list; lists of mappings by index (evaluate.samplers.0.eta)."""
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _leaves(value, f"{prefix}{key}.")
    elif isinstance(node, list) and node and all(isinstance(item, dict) for item in node):
        for index, item in enumerate(node):
            yield from _leaves(item, f"{prefix}{index}.")
    else:
        yield prefix[:-1], node


def _other(value) -> str | None:
    """A Hydra override value differing from value in one line (a list: its first item); None for []."""
    if isinstance(value, bool):
        return str(not value).lower()
    if isinstance(value, int | float):
        return repr(value + 1)
    if isinstance(value, str):
        return "changed"
    if value:
        return "[" + ",".join([_other(value[0]), *(json.dumps(item) for item in value[1:])]) + "]"
    return None


def _key(line: str) -> str:
    """'  seed' of '  seed: 0', '  - sampler' of '  - sampler: ddim', '  -' of '  - 0.25'."""
    return line.split(":")[0] if ":" in line else line[: line.index("- ") + 1]


def test_every_value_set_by_dvc_changes_only_its_own_line(tmp_path):
    """All values at once (one write is as good as one per value: every write replaces every list and scalar)."""
    overrides = [
        f"{key}={other}"
        for key, value in _leaves(yaml.safe_load(PARAMS.read_text()))
        if (other := _other(value)) is not None
    ]
    assert len(overrides) > 150
    path = tmp_path / "params.yaml"
    shutil.copyfile(PARAMS, path)
    apply_overrides(path, overrides)
    before, after = PARAMS.read_text().splitlines(), path.read_text().splitlines()
    assert len(after) == len(before), "\n".join(difflib.unified_diff(before, after, lineterm="", n=0))
    changed = [(old, new) for old, new in zip(before, after, strict=True) if old != new]
    assert len(changed) > 150  # every value's line (select.weights holds four values in one line)
    for old, new in changed:  # the same key (or list item) with its comment, only the value differs
        assert not old.lstrip().startswith("#") and _key(old) == _key(new), (old, new)
        assert old.partition(" #")[2] == new.partition(" #")[2], (old, new)


def test_every_line_fits_the_writers_80_columns():
    assert [line for line in PARAMS.read_text().splitlines() if len(line) > 80] == []
