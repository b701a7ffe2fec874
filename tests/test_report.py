"""The report follows the data: rendered from two small fixture result sets, one where every measured
effect is clear and one where every interval includes no effect, its numbers and its comparative
sentences change accordingly (no pipeline run; the fixtures are JSON and CSV written here)."""

import re

import pandas as pd
import pytest
import yaml

from fashion_diffusion.config import load_params, to_dict
from fashion_diffusion.report import context, headline, improvements, verdicts
from fashion_diffusion.report.outputs import RunOutputs
from fashion_diffusion.report.render import TEMPLATES, render
from tests.support.intervals import intervals_missing_their_value
from tests.support.report_fixtures import SEED_SECTIONS, renamed_params, write_outputs
from tests.support.tiny import ROOT


def rendered(tmp_path, resolved: bool, variant_names: dict | None = None, arch_names: dict | None = None) -> str:
    root = tmp_path / ("clear" if resolved else "unclear")
    write_outputs(root, resolved, variant_names, arch_names)
    params = renamed_params(to_dict(load_params(ROOT / "params.yaml")), variant_names or {}, arch_names or {})
    return render(context.build(RunOutputs(root), params, "fixture-run"))


@pytest.fixture(scope="module")
def reports(tmp_path_factory):
    folder = tmp_path_factory.mktemp("report")
    return rendered(folder, True), rendered(folder, False)


def test_the_report_answers_every_seed_question_in_order(reports):
    for report in reports:
        positions = [report.index(heading) for heading in SEED_SECTIONS]
        assert positions == sorted(positions)
        assert not re.search(r"\bnan\b", report, re.IGNORECASE)


def test_every_interval_shown_contains_its_value(reports):
    for report in reports:
        shown, missing = intervals_missing_their_value(report)
        assert shown >= 100 and not missing
    shown, missing = intervals_missing_their_value("FID 8.73 [7.32, 8.49]; -1.8% [-1.6%, -1.0%]; 1,050 [1,000, 1,100]")
    assert (shown, missing) == (3, ["8.73 [7.32, 8.49]", "-1.8% [-1.6%, -1.0%]"])  # the scan sees what it should flag
    assert intervals_missing_their_value("106 [101, 105.5]; 0.0497 [0.05, 0.06]") == (2, [])  # within the rounding


def test_comparative_words_appear_only_when_the_interval_excludes_no_effect(reports):
    clear, unclear = reports
    for sentence in (
        "`no_skip_connections` is worse than `reference`",
        "`plain_cnn` is worse than `reference`",
        "`clip_alignment` is better than `reference`",
        "the gradual process is better than one step",
        "training on generated images is worse than training on real ones",
        "scorer detects blur and\ndetects noise",
        "| supported |",
        "verdict\n**helps**",
    ):
        assert sentence in clear
        assert sentence not in unclear
    for sentence in (
        "the difference between `no_skip_connections` and `reference` is not resolved at this n",
        "the difference between the gradual process and one step is not resolved at this n",
        "is not resolved from chance on noise",
        "the noise verdict depends on the",
    ):
        assert sentence in unclear
        assert sentence not in clear
    assert " is better than " not in unclear and " is worse than " not in unclear


def test_the_numbers_follow_the_data(reports):
    clear, unclear = reports
    assert "| plain_cnn | plain_cnn |" in clear
    assert "12 [6, 18]" in clear and "3.6 [-0.01, 7.21]" in unclear  # FID difference of the plain CNN
    assert "Judge accuracy, gradual minus one step: 50.0% [25.0%, 75.0%]" in clear
    assert "Judge accuracy, gradual minus one step: 15.0% [-1.0%, 31.0%]" in unclear


def test_sampler_runs_and_snapshots_are_compared_only_where_paired_and_resolved(reports):
    """5.2: runs at the default run's n carry paired differences and their verdicts; a run on its own n
    says it pairs with nothing. 3.2: each snapshot against the one before, the first against none."""
    clear, unclear = reports
    speed = [report.split("**Speed.**")[1].split("**Memory.**")[0] for report in reports]
    snapshots = [report.split("### 3.2")[1].split("### 3.3")[0] for report in reports]
    ddim_10 = "| ddim | 10 | 0 | 500 | 28 | 26 [25, 27.5] | 4 | 85.0% [81.0%, 89.0%] |"
    assert f"{ddim_10} 6 [3, 9] | worse | -6.0% [-9.0%, -3.0%] | worse |" in speed[0]
    assert f"{ddim_10} 6 [-0.01, 12] | {verdicts.NOT_RESOLVED} |" in speed[1]
    for text in speed:
        assert "| ddpm | 1000 | 1 | 50 | 2,800 | 45 [44, 46.5] | 30 |" in text
        assert f"| {context.SAMPLER_UNPAIRED} | - | {context.SAMPLER_UNPAIRED} | - |" in text
        assert f"| {context.SAMPLER_DEFAULT} | - | {context.SAMPLER_DEFAULT} | - |" in text
        assert "`ddpm` 1000 steps is judged on its own 50 images (5 per class)" in text
        assert "on 500 images (50 per class)" in text and "(`dpmpp_2m_sde` 10 steps)" in text
    assert "| 702 | 35 [34, 36.5] | 15 | 70.0% [66.0%, 74.0%] | -25 [-37.5, -12.5] | better |" in snapshots[0]
    assert f"| -25 [-50, 0.01] | {verdicts.NOT_RESOLVED} |" in snapshots[1]
    for text in snapshots:
        assert "| 351 | 60 [59, 61.5] | 15 | 50.0% [46.0%, 54.0%] | - | - | - | - |" in text
        assert "Each EMA snapshot generates 500 images (50 per class)" in text
    assert "better" not in snapshots[1] and "worse" not in speed[1]


def test_the_improvements_are_the_largest_resolved_gaps(reports):
    clear, unclear = reports

    def named(report):
        return re.findall(
            r"^\d\. (\(Gap not resolved at this n\.\) )?\*\*([^*]+)\*\*",
            report.split("### 5.3")[1],
            re.MULTILINE,
        )

    assert named(clear) == [
        ("", "Close the gap to real data."),
        ("", "Fix the weakest class."),
        ("", "Make the samples more varied and realistic."),
    ]
    # unclear: the two resolved gaps first, then the largest unresolved one, marked
    assert named(unclear) == [
        ("", "Close the gap to real data."),
        ("", "Fix the weakest class."),
        ("(Gap not resolved at this n.) ", "Make the samples more varied and realistic."),
    ]


def test_hypothesis_verdicts_respect_the_predicted_sign():
    assert verdicts.hypothesis(-0.9, -0.2, expected_sign=-1) == "supported"
    assert verdicts.hypothesis(0.2, 0.9, expected_sign=-1) == "contradicted"
    assert verdicts.hypothesis(-0.43, 0.01, expected_sign=-1) == verdicts.NOT_RESOLVED
    assert verdicts.comparison(1, 2, "a", "b", lower_is_better=True) == "a is worse than b"


@pytest.mark.parametrize("first, last", [(25.0, 21.0), (21.0, 25.0), (21.0, 21.0)])
def test_longer_training_is_advised_exactly_when_fid_still_falls(first, last):
    quality = pd.DataFrame({"step": [100, 200, 300], "fid": [60.0, first, last]})
    gap = improvements.fid_gap({"fid": 21.0, "fid_low": 20.0, "fid_high": 22.0, "fid_floor": 4.0}, quality)
    sentence = render({"gap": gap}, "sections/improvement_fid.md.j2")
    assert gap.values["still_falling"] == (last < first)
    assert ("still falling, so longer training\nis the first thing to try" in sentence) == (last < first)
    assert ("no longer falling" in sentence) == (last >= first)


def test_variant_and_arch_names_follow_params(tmp_path):
    """The questions find their variants by architecture, not by name: renamed, the report shows the new names."""
    report = rendered(
        tmp_path,
        True,
        {"large": "wide", "plain_cnn": "flat", "reference": "baseline"},
        {"large": "big", "basic": "small"},
    )
    summary = report.split("## Summary table")[1]
    assert "| `big`: residual blocks, 4 levels, attention |" in summary
    assert "| big minus small at 16,000 GFLOPs," in summary
    assert "`wide` is better than `baseline`" in summary and "`flat` is worse than `baseline`" in summary
    assert not re.search(r"\b(large|plain_cnn|basic|reference)\b", summary)
    assert "The `big` entry of `model.archs` differs from `small`" in report and "model.arch=big`" in report
    assert "measured here is `flat` (`kind: plain_cnn`)" in report


def test_the_image_side_comes_from_the_package_constant(tmp_path, monkeypatch):
    monkeypatch.setattr(context, "IMAGE_SIDE", 32)
    report = rendered(tmp_path, True)
    model = to_dict(load_params(ROOT / "params.yaml"))["model"]
    coarsest = 32 // 2 ** (len(model["archs"][model["arch"]]["channels"]) - 1)
    assert "meaningful for 32x32 grayscale" in report and "convolutions from 32x32," in report
    assert f"(here down to {coarsest}x{coarsest})" in report and "blocks, all at 32x32," in report
    assert "from 28x28" not in report and "all at 28x28" not in report  # 5.2 keeps the measured side, 28


def test_the_noise_verdict_marked_seed_dependent_by_its_flag(reports):
    clear, unclear = reports
    assert verdicts.agreed(["detects", "detects"]) == "detects"
    assert verdicts.agreed(["detects", "is not resolved from chance on"]) == verdicts.NOT_AGREED
    assert f"**{verdicts.NOT_AGREED}**: the noise verdict depends on the" in unclear
    assert verdicts.NOT_AGREED not in clear and "the noise verdict depends on the" not in clear


def test_prompts_that_mean_the_same_to_the_scorer_are_named(reports):
    """Section 4 measures what the scoring prompts mean: the mean probability of each on clean, blurred and
    noised real images, and the pairs whose probabilities correlate at least SAME_MEANING_CORRELATION."""
    clear, unclear = reports
    sections = [report.split("## 4. CLIP evaluation")[1].split("### 4.1")[0] for report in reports]
    for section in sections:
        assert "| images | good | clear | blurry | noisy |" in section
        assert "| noised | 0.27 | 0.13 | 0 | 0.6 |" in section
    assert "no two prompts mean the same to it" in sections[0] and '"good" and "clear"' not in sections[0]
    assert '"good" and "clear" (0.99)' in sections[1] and "no two prompts" not in sections[1]
    assert "| good / clear (0.99) |" in unclear and "| good / noisy (0.20) |" in clear  # the seeds table
    assert "noisy 0.24, class_prob" in clear  # 4.1 lists every scoring prompt's mean over the samples


def test_a_style_level_below_chance_is_named_and_withholds_controlled(reports):
    chance = 1 / 3
    assert verdicts.style_level(0.4, 0.6, chance) == verdicts.STYLE_ABOVE_CHANCE
    assert verdicts.style_level(0.1, 0.3, chance) == verdicts.STYLE_BELOW_CHANCE
    assert verdicts.style_level(0.2, 0.4, chance) == verdicts.NOT_RESOLVED
    above, below, unresolved = verdicts.STYLE_ABOVE_CHANCE, verdicts.STYLE_BELOW_CHANCE, verdicts.NOT_RESOLVED
    fine = {"left": above, "upright": unresolved, "right": above}
    assert verdicts.style_control(0.48, 0.57, chance, fine) == "controlled well"  # 0.57 - 1/3 >= STYLE_WELL_MARGIN
    assert verdicts.style_control(0.48, 0.5, chance, fine) == "controlled, weakly"
    assert verdicts.style_control(0.3, 0.4, chance, fine) == "not resolved from chance at this n"
    # the case: pooled 54% [46%, 62%] against 33%, but upright alone lies below chance
    assert verdicts.style_control(0.46, 0.54, chance, fine | {"upright": below}) == "controlled except at upright"
    two = {"left": below, "upright": above, "right": below}
    assert verdicts.style_control(0.3, 0.38, chance, two) == "not controlled at left and right"
    three = dict.fromkeys(["a", "b", "c", "d"], below) | {"d": above}
    assert verdicts.style_control(0.3, 0.38, chance, three).endswith("at a, b and c")
    assert verdicts.style_control(0.1, 0.2, chance, dict.fromkeys(fine, below)) == "not controlled at any level"

    clear, unclear = reports
    assert "**ink** is controlled well (hit rate 55.0%" in clear
    assert "by level: light above chance, medium above chance, bold above chance)." in clear
    assert "**ink** is controlled except at medium (hit rate 45.0%" in unclear
    assert f"by level: light above chance, medium below chance, bold {verdicts.NOT_RESOLVED})." in unclear
    assert "| ink | medium | 40 | 20.0% [10.0%, 30.0%] | 33.3% | below chance |" in unclear
    assert "| ink | medium | 40 | 45.0% [35.0%, 60.0%] | 33.3% | above chance |" in clear
    assert "ink: controlled except at medium (45.0%)" in unclear  # the summary table at the end
    assert "controlled except" not in clear and "below chance" not in clear


def test_templates_hold_words_not_decisions():
    """No comparison, arithmetic, number, verdict word or params name inside a template's tags: those are
    decided in Python (verdicts.py, context.py, measured.py) and reach the template as values and flags."""
    params = to_dict(load_params(ROOT / "params.yaml"))
    names = {*params["ablations"]["variants"], *params["model"]["archs"], "clip_alignment"}
    words = [value for key, value in vars(verdicts).items() if key.isupper() and isinstance(value, str)]
    for path in TEMPLATES.rglob("*.j2"):
        source = path.read_text()
        for tag in re.findall(r"{[{%](.*?)[}%]}", source, re.DOTALL):
            code = re.sub(r"\[-?\d\]", "", re.sub(r'"[^"]*"', '""', tag))  # string literals and [0] / [-1] lookups out
            assert not re.search(r"==|!=|<|>|\*|//|\s[-+/]\s|(?<![\w.])\d", code), f"{path.name}: {{{tag}}}"
            assert not any(f".{name}." in code for name in names - {"clip_alignment"}), (  # also a params section
                f"{path.name} looks a variant up by name: {tag}"
            )
        for word in words:
            assert word not in source, f"{path.name} spells the verdict {word!r}"
        for name in names:
            assert f"`{name}`" not in source, f"{path.name} names {name!r}"


def test_the_headline_is_a_few_numbers_per_concern_copied_from_the_outputs(tmp_path):
    """What `dvc metrics show` prints (reports/headline/): under 60 numbers, each the one in the stage output."""
    params = yaml.safe_load((ROOT / "params.yaml").read_text())
    write_outputs(tmp_path, resolved=True)
    outputs = RunOutputs(tmp_path)
    numbers = headline.headline(outputs)
    assert set(numbers) == {"training", "samples", "instruments", "selection", "studies", "ablations"}
    assert sum(len(values) for values in numbers.values()) < 60
    assert len(numbers["ablations"]) == 2 * (len(params["ablations"]["variants"]) + 1)  # + clip_alignment
    assert numbers["samples"]["fid"] == outputs.json("reports/metrics/evaluate.json")["fid"]
    assert (
        numbers["instruments"]["clip_noise_auc"]
        == outputs.json("models/clip_scorer_metrics.json")["auc_clear_vs_noised"]
    )
    assert all(isinstance(v, (int, float)) for values in numbers.values() for v in values.values())
