"""The report follows the data: rendered from two small fixture result sets, one where every measured
effect is clear and one where every interval includes no effect, its numbers and its comparative
sentences change accordingly (no pipeline run; the fixtures are JSON and CSV written here)."""
import re

import pytest

from fashion_diffusion.config import load_params, to_dict
from fashion_diffusion.report import context, verdicts
from fashion_diffusion.report.outputs import RunOutputs
from fashion_diffusion.report.render import render
from tests.support.report_fixtures import SEED_SECTIONS, write_outputs
from tests.support.tiny import ROOT


def rendered(tmp_path, resolved: bool) -> str:
    root = tmp_path / ("clear" if resolved else "unclear")
    write_outputs(root, resolved)
    return render(context.build(RunOutputs(root), to_dict(load_params(ROOT / "params.yaml")), "fixture-run"))


@pytest.fixture(scope="module")
def reports(tmp_path_factory):
    folder = tmp_path_factory.mktemp("report")
    return rendered(folder, True), rendered(folder, False)


def test_the_report_answers_every_seed_question_in_order(reports):
    for report in reports:
        positions = [report.index(heading) for heading in SEED_SECTIONS]
        assert positions == sorted(positions)
        assert not re.search(r"\bnan\b", report, re.IGNORECASE)


def test_comparative_words_appear_only_when_the_interval_excludes_no_effect(reports):
    clear, unclear = reports
    for sentence in ("`no_skip_connections` is worse than `reference`", "`plain_cnn` is worse than `reference`",
                     "`clip_alignment` is better than `reference`", "the gradual process is better than one step",
                     "training on generated images is worse than training on real ones", "scorer detects blur and\ndetects noise",
                     "| supported |", "verdict\n**helps**"):
        assert sentence in clear
        assert sentence not in unclear
    for sentence in ("the difference between `no_skip_connections` and `reference` is not resolved at this n",
                     "the difference between the gradual process and one step is not resolved at this n",
                     "is not resolved from chance on noise", "the noise verdict depends on the"):
        assert sentence in unclear
        assert sentence not in clear
    assert " is better than " not in unclear and " is worse than " not in unclear


def test_the_numbers_follow_the_data(reports):
    clear, unclear = reports
    assert "| plain_cnn | plain_cnn |" in clear
    assert "12 [6, 18]" in clear and "3.6 [-0.01, 7.21]" in unclear  # FID difference of the plain CNN
    assert "Judge accuracy, gradual minus one step: 50.0% [25.0%, 75.0%]" in clear
    assert "Judge accuracy, gradual minus one step: 15.0% [-1.0%, 31.0%]" in unclear


def test_the_improvements_are_the_largest_resolved_gaps(reports):
    clear, unclear = reports
    named = lambda report: re.findall(r"^\d\. (\(Gap not resolved at this n\.\) )?\*\*([^*]+)\*\*",  # noqa: E731
                                      report.split("### 5.3")[1], re.MULTILINE)
    assert named(clear) == [("", "Close the gap to real data."), ("", "Fix the weakest class."),
                            ("", "Make the samples more varied and realistic.")]
    # unclear: the two resolved gaps first, then the largest unresolved one, marked
    assert named(unclear) == [("", "Close the gap to real data."), ("", "Fix the weakest class."),
                              ("(Gap not resolved at this n.) ", "Make the samples more varied and realistic.")]


def test_hypothesis_verdicts_respect_the_predicted_sign():
    assert verdicts.hypothesis(-0.9, -0.2, expected_sign=-1) == "supported"
    assert verdicts.hypothesis(0.2, 0.9, expected_sign=-1) == "contradicted"
    assert verdicts.hypothesis(-0.43, 0.01, expected_sign=-1) == verdicts.NOT_RESOLVED
    assert verdicts.comparison(1, 2, "a", "b", lower_is_better=True) == "a is worse than b"
