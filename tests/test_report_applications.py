"""The report sections of the CLIP scorer (4, 4.1), class difficulty (4.2), generated training data (5.1),
CLIP-guided selection and style control (bonus 3 and 4), rendered from the fixture results: each result reads
back from its file, every verdict shown is the result's own, no interval is degenerate or misses its value,
and the sections follow the run (a pretrained scorer, one training seed, a constant class property)."""

import re

import pytest

from fashion_diffusion.config import load_params
from fashion_diffusion.report.render import environment
from fashion_diffusion.results.base import read_result, write_result
from fashion_diffusion.results.registry import STUDIES
from tests.support.fixtures.applications import results
from tests.support.intervals import intervals_missing_their_value
from tests.support.tiny import ROOT

SECTIONS = ["q4_clip", "q4_2_difficulty", "q5_1_augmentation", "bonus_selection", "bonus_style"]


def render(context: dict) -> dict[str, str]:
    context = {**context, "params": load_params(ROOT / "params.yaml"), "run": None}
    return {name: environment().get_template(f"sections/{name}.md.j2").render(**context) for name in SECTIONS}


@pytest.fixture(scope="module")
def rendered() -> dict[str, str]:
    return render(results())


def rows(text: str, first_cell: str) -> list[list[str]]:
    """The cells of the table rows whose first cell is `first_cell`."""
    return [
        [cell.strip() for cell in line.strip("|").split("|")]
        for line in text.splitlines()
        if line.startswith(f"| {first_cell} |")
    ]


def test_each_result_reads_back_from_the_file_the_report_reads(tmp_path):
    for name, result in results().items():
        path, kind = STUDIES[name]
        write_result(tmp_path / "result.json", result)
        assert read_result(tmp_path / "result.json", kind) == result, path


def test_every_value_is_shown_and_every_interval_holds_its_value(rendered):
    for name, text in rendered.items():
        assert not re.search(r"\bNone\b|\bnan\b|n/a|<built-in", text), name
        shown, missing = intervals_missing_their_value(text)
        assert shown and not missing, (name, missing)
        assert not re.search(r"\[([^,\]]+), \1\]", text), name  # no degenerate interval
    assert "100.0% [" not in rows(rendered["bonus_selection"], "kept (top 3)")[0][2]  # all right: no interval


def test_the_verdicts_are_the_results_own(rendered):
    clip = rendered["q4_clip"]
    assert rows(clip, "in-domain, all seeds")[0][2:4] == ["**detects**", "**not resolved across training seeds**"]
    assert "0.507 [0.495, 0.519] (not resolved)" in rows(clip, "in-domain, seed 1")[0][3]
    assert "**shirt** (0.597), **coat** (0.777), **pullover** (0.825)" in clip
    difficulty = rendered["q4_2_difficulty"]
    assert rows(difficulty, "judge accuracy on real images")[1][-1] == "contradicted"
    assert "1 supported, 1 contradicted, 4 not resolved" in difficulty
    assert rows(rendered["q5_1_augmentation"], "real + generated")[0][-1] == "not resolved"
    assert rows(rendered["q5_1_augmentation"], "generated")[0][-2:] == ["0.36% / 0.50%", "lower"]
    selection = rendered["bonus_selection"]
    assert [row[-1] for row in rows(selection, "coverage (variety)") + rows(selection, "KID x 1000 (distance)")] == [
        "lower",
        "not resolved",
    ]
    assert "**higher accuracy, lower coverage: a trade (KID not resolved)**" in selection
    style = rendered["bonus_style"]
    assert rows(style, "slant")[0][2] == "**controlled except at upright**"
    assert [row[4] for row in rows(style, "slant")[1:]] == ["above chance", "below chance", "not resolved"]


def test_the_sections_follow_the_run():
    context = results()
    clip, augmentation = context["clip"], context["augmentation"]
    pretrained = clip.validation.model_copy(update={"training_seed": None})
    context["clip"] = clip.model_copy(update={"scorer": "ViT-B-32", "pretrained": "openai", "validation": pretrained})
    one_seed = [s.model_copy(update={"seed_accuracies": s.seed_accuracies[:1]}) for s in augmentation.sets]
    context["augmentation"] = augmentation.model_copy(
        update={"seeds": [0], "seed_sd": None, "seed_dof": 0.0, "sets": one_seed}
    )
    difficulty = context["difficulty"]
    undefined = difficulty.hypotheses[0].model_copy(update={"rho": None, "versus_zero": None})
    context["difficulty"] = difficulty.model_copy(update={"hypotheses": [undefined, *difficulty.hypotheses[1:]]})
    shown = render(context)
    assert rows(shown["q4_2_difficulty"], "pixel variance")[0][3:] == [
        "-",
        "-",
        "-",
        "undefined (constant over the classes)",
    ]
    assert len(rows(shown["q4_clip"], "ViT-B-32 `openai` (used)")) == 1
    assert not any("(used)" in line for line in shown["q4_clip"].splitlines() if line.startswith("| in-domain"))
    assert "with one training seed no interval carries the training randomness" in shown["q5_1_augmentation"]
    assert "per seed" not in shown["q5_1_augmentation"] and " / seeds" not in shown["q5_1_augmentation"]
