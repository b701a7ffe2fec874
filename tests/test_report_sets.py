"""The report sections of the studies that compare sample sets of one model (1.2, 2.3, 3.2 and the
sampler table of 5.2), rendered from the fixture results: each result reads back from its file, and the
tables say "off scale", "the default" and "not compared" where the results say so, with no verdict word the
results do not hold."""

import re

import pytest

from fashion_diffusion.config import load_params
from fashion_diffusion.report.render import environment
from fashion_diffusion.results.base import read_result, write_result
from fashion_diffusion.results.registry import STUDIES as RESULTS
from tests.support.fixtures.sets import results

SECTIONS = ["q1_2_one_step", "q2_3_conditioning", "q3_2_snapshots", "samplers"]


@pytest.fixture(scope="module")
def rendered() -> dict[str, str]:
    context = {**results(), "params": load_params()}
    return {name: environment().get_template(f"sections/{name}.md.j2").render(**context) for name in SECTIONS}


def rows(text: str, first_cell: str) -> list[list[str]]:
    """The cells of the table rows whose first cell is `first_cell`."""
    return [
        [cell.strip() for cell in line.strip("|").split("|")]
        for line in text.splitlines()
        if line.startswith(f"| {first_cell} |")
    ]


def test_each_result_reads_back_from_the_file_the_report_reads(tmp_path):
    for name, result in results().items():
        path, kind = RESULTS[name]
        write_result(tmp_path / "result.json", result)
        assert read_result(tmp_path / "result.json", kind) == result, path


def test_the_sections_render_every_row_with_no_missing_value(rendered):
    for name, text in rendered.items():
        assert not re.search(r"\bNone\b|\bnan\b|n/a", text), name
    assert len(rows(rendered["samplers"], "`dpmpp_2m_sde` 10 steps")) == 2  # its levels and comparison rows
    assert len(rows(rendered["q3_2_snapshots"], "410 (off scale)")) == 1
    assert len(rows(rendered["q2_3_conditioning"], "0.5")) == 1  # the default: levels, and no comparison row


def test_off_scale_and_unpaired_sets_draw_no_verdict(rendered):
    snapshots = rendered["q3_2_snapshots"]
    assert rows(snapshots, "819")[1][1:] == ["off scale"] * 3  # against the off-scale first snapshot
    assert rows(rendered["samplers"], "`ddpm` 1000 steps, eta 1")[1][1] == "not compared: 50 images, no paired default"
    assert rows(rendered["samplers"], "`dpmpp_2m_sde` 10 steps")[1][1] == "the default"
    assert "not resolved from the one before" in snapshots and "not converged" not in snapshots


def test_accuracy_and_coverage_say_higher_or_lower_and_only_kid_says_better(rendered):
    words = re.compile(r"\] (higher|lower|better|worse|not resolved)$")
    compared = [
        [cell.strip() for cell in line.strip("|").split("|")]
        for text in rendered.values()
        for line in text.splitlines()
        if any(words.search(cell.strip()) for cell in line.split("|"))
    ]
    assert len(compared) == 11  # 3 paired sampler runs, 4 scales, 3 readable snapshot pairs, gradual
    for _, accuracy, coverage, kid in compared:
        assert not re.search(r"better|worse", accuracy + coverage) and not re.search(r"higher|lower", kid)


def test_the_guidance_conclusions_come_from_the_result(rendered):
    text = rendered["q2_3_conditioning"]
    assert "lowest KID point value is at scale 0.5, the default" in text
    assert "no scale is resolved better than the default by KID" in text
    assert "**pullover**" in text and "**trouser**" in text  # the largest and smallest unconditional shares
    assert f"{load_params().model.embedding_dim}-dimensional" in text
