"""The report formats typed results and never contradicts them (issue 29). Rendered from the result fixtures
(tests/support/fixtures), its first lines answer every seed question, and the checks of
tests/support/report_checks.py find nothing; each kind of contradiction the issue names, injected into the
results (or into the text, as an old template wrote it), is caught by its check or refused by the result
type; the loss is named as the run trained; and the committed run's report passes the same checks."""

import re
from collections.abc import Callable

import pytest
from pydantic import ValidationError

from fashion_diffusion.config import load_params
from fashion_diffusion.core.artifacts import ArtifactError
from fashion_diffusion.report.inputs import load_all
from fashion_diffusion.report.render import render
from fashion_diffusion.results.base import NOT_RESOLVED, Estimate, Result
from fashion_diffusion.results.headline import HeadlineResult
from fashion_diffusion.studies.conclusions import conclude
from tests.support.fixtures import ablations, applications, core, sets
from tests.support.report_checks import (
    CHECKS,
    QUESTIONS,
    SEED_SECTIONS,
    SUMMARY_LINES,
    contradictions,
    degenerate_intervals,
    loss_name,
    loss_wording,
    summary_answers,
)
from tests.support.tiny import ROOT

PARAMS = load_params(ROOT / "params.yaml")
Results = dict[str, Result]


def concluded(results: Results) -> Results:
    """The results with their conclusions drawn again (stage conclude), after a change to a study's result."""
    r = {name: result for name, result in results.items() if name != "conclusions"}
    drawn = conclude(list(r.values()), r["headline"], r["samplers"], r["snapshots"], r["augmentation"])
    return {**r, "conclusions": drawn}


def fixture_results() -> Results:
    """Every study's fixture result; one step's gradual set is the headline set (the same 1,000 images from
    the same noise, measured with the same bootstrap seed), as in a real run."""
    results = {**core.results(), **sets.results(), **applications.results(), **ablations.results()}
    results["one_step"] = results["one_step"].model_copy(update={"gradual": results["headline"].judged})
    return concluded(results)


def rendered(results: Results, params=PARAMS) -> str:
    return render({**results, "params": params, "run": "fixture-run"})


@pytest.fixture(scope="module")
def results() -> Results:
    return fixture_results()


@pytest.fixture(scope="module")
def report(results) -> str:
    return rendered(results)


def test_the_first_lines_answer_every_seed_question(report):
    head = report.splitlines()[:SUMMARY_LINES]
    for question in QUESTIONS:
        rows = [line for line in head if re.match(rf"\| {re.escape(question)}\b", line)]
        assert len(rows) == 1 and rows[0].split("|")[2].strip() not in ("", "-"), question
    assert summary_answers(report) == []
    positions = [report.index(heading) for heading in SEED_SECTIONS]
    assert positions == sorted(positions)


def test_a_question_missing_from_the_first_lines_is_found(report):
    lines = report.splitlines()
    row = next(i for i, line in enumerate(lines) if line.startswith("| 4.2 "))
    moved = lines[:row] + lines[row + 1 :] + [lines[row]]
    assert summary_answers("\n".join(moved)) == [f"question 4.2: not in the report's first {SUMMARY_LINES} lines"]
    blank = re.sub(r"^(\| bonus 3 [^|]*\|)[^|]*\|", r"\1 - |", report, flags=re.MULTILINE)
    assert summary_answers(blank) == ["question bonus 3: in the summary without an answer"]


@pytest.mark.parametrize("name", list(CHECKS))
def test_the_fixture_report_contradicts_none_of_its_results(report, results, name):
    assert CHECKS[name](report, results) == []


# Each injection returns (report, the results to check it against).
Injection = Callable[[Results], tuple[str, Results]]


def into_results(change: Callable[[Results], Results]) -> Injection:
    def inject(results: Results) -> tuple[str, Results]:
        changed = change(results)
        return rendered(changed), changed

    return inject


def into_text(old: str, new: str) -> Injection:
    """The text an old template wrote: `old` in the fixture report replaced by `new`."""

    def inject(results: Results) -> tuple[str, Results]:
        text = rendered(results)
        assert old in text, f"the injection's anchor is not in the report: {old!r}"
        return text.replace(old, new, 1), results

    return inject


def replaced(results: Results, name: str, **update) -> Results:
    return {**results, name: results[name].model_copy(update=update)}


def gap_changed(results: Results, candidate: str, **update) -> Results:
    """The conclusions with one gap changed (and the gaps ranked again, as stage conclude ranks them)."""
    gaps = [gap.model_copy(update=update) if gap.candidate == candidate else gap for gap in results["conclusions"].gaps]
    return replaced(results, "conclusions", gaps=sorted(gaps, key=lambda gap: (not gap.resolved, -gap.share)))


def bag(results: Results):
    return next(c for c in results["headline"].classes if c.name == "bag")


def sampler_eta(results: Results, sampler: str, eta: float) -> Results:
    runs = [run.model_copy(update={"eta": eta}) if run.sampler == sampler else run for run in results["samplers"].runs]
    return replaced(results, "samplers", runs=runs)


def judged_with(judged, **update):
    return judged.model_copy(update=update)


def augmentation_set(results: Results, name: str, **update) -> Results:
    study = results["augmentation"]
    changed = [s.model_copy(update=update) if s.name == name else s for s in study.sets]
    return replaced(results, "augmentation", sets=changed)


def degenerate_difference(results: Results) -> Results:
    both = next(s for s in results["augmentation"].sets if s.name == "real + generated").versus_real
    flat = both.model_copy(update={"low": both.value, "high": both.value})
    return augmentation_set(results, "real + generated", versus_real=flat)


INJECTIONS: dict[str, tuple[str, Injection]] = {
    # "Fix the weakest class: bag" at 100.0% vs 99.0% real while shirt at 77% is the weakest
    "a class above its real images called the weakest": (
        "weakest class",
        into_results(lambda r: gap_changed(r, "weakest_class", subject="bag", real_value=bag(r).real)),
    ),
    "the result's weakest class is not the lowest (unvalidated copy)": (
        "weakest class",
        into_results(lambda r: replaced(r, "headline", weakest="bag")),
    ),
    "an unresolved coverage gap counted resolved": (
        "resolved gaps",
        into_results(
            lambda r: gap_changed(r, "variety", share=0.5, evidence=Estimate(value=0.91, low=0.85, high=0.98))
        ),
    ),
    "an unresolved realism gap counted resolved": (
        "resolved gaps",
        into_results(
            lambda r: gap_changed(
                r,
                "realism",
                evidence=next(g for g in r["conclusions"].gaps if g.candidate == "realism").evidence.model_copy(
                    update={"verdict": NOT_RESOLVED}
                ),
            )
        ),  # fmt: skip
    ),
    "still improving while the last snapshot is not resolved better": (
        "training progress",
        into_results(lambda r: concluded(replaced(r, "snapshots", still_improving=True))),
    ),
    "the old wording: still falling, so train longer": (
        "training progress",
        into_text(
            "### 3.2 Quality over training\n",
            "### 3.2 Quality over training\nThe loss is still falling, so longer training is the first thing to try.\n",
        ),
    ),
    "eta in the headline run of a DPM-Solver": (
        "sampler settings",
        into_results(lambda r: replaced(r, "sampling", eta=0.0)),
    ),
    "eta in the sampler study's DPM-Solver run": (
        "sampler settings",
        into_results(lambda r: sampler_eta(r, "dpmpp_2m", 0.0)),
    ),
    "the old header: the configured eta beside a DPM-Solver": (
        "sampler settings",
        into_text("dpmpp_2m_sde, 10 steps, guidance scale 0.5", "dpmpp_2m_sde, 10 steps, eta 0.0, guidance scale 0.5"),
    ),
    "the header naming steps the headline run did not take": (
        "sampler settings",
        into_text("(dpmpp_2m_sde, 10 steps, guidance 0.5)", "(dpmpp_2m_sde, 20 steps, guidance 0.5)"),
    ),
    "the old loss name: MSE on predicted noise for a v-prediction run": (
        "loss wording",
        into_text("minimises a min-SNR-weighted v-prediction MSE", "minimises the MSE on predicted noise"),
    ),
    "one step's gradual set measured apart from the headline set": (
        "headline numbers",
        into_results(
            lambda r: replaced(
                r,
                "one_step",
                gradual=judged_with(
                    r["headline"].judged, fid=r["headline"].judged.fid.model_copy(update={"low": 4.45, "high": 5.53})
                ),
            )
        ),
    ),
    "one step's gradual set beside another floor": (
        "headline numbers",
        into_results(
            lambda r: replaced(
                r,
                "one_step",
                gradual=judged_with(
                    r["headline"].judged, real=r["headline"].judged.real.model_copy(update={"fid": 1.52})
                ),
            )
        ),  # fmt: skip
    ),
    "5.3's distance gap read from another set": (
        "headline numbers",
        into_results(
            lambda r: gap_changed(
                r,
                "distance",
                evidence=r["samplers"].default.judged.fid,
                real_value=r["samplers"].default.judged.real.fid,
            )
        ),
    ),
    "a comparison of zero width: [x, x]": ("degenerate intervals", into_results(degenerate_difference)),
    "the old per-seed range: 78.3%-78.3%": (
        "degenerate intervals",
        into_text("77.9%, 78.3%, 78.7%", "78.3%-78.3%"),
    ),
}


@pytest.mark.parametrize("injection", INJECTIONS)
def test_each_injected_contradiction_is_found(report, results, injection):
    name, inject = INJECTIONS[injection]
    text, changed = inject(results)
    found = CHECKS[name](text, changed)
    already = CHECKS[name](report, results)  # the clean report's (a known template contradiction, see above)
    assert [line for line in found if line not in already], f"{name} missed: {injection}"


def still_improving(results: Results) -> Results:
    study = results["snapshots"]
    last = study.snapshots[-1]
    better = last.versus_previous.kid.model_copy(update={"value": -0.004, "high": -0.001, "verdict": "better"})
    versus = last.versus_previous.model_copy(update={"kid": better})
    snapshots = [*study.snapshots[:-1], last.model_copy(update={"versus_previous": versus})]
    return concluded(replaced(results, "snapshots", snapshots=snapshots, still_improving=True))


def weakest_above_real(results: Results) -> Results:
    headline = core.headline(weakest_above_real=True)
    changed = {**results, "headline": headline}
    return concluded(replaced(changed, "one_step", gradual=headline.judged))


CONSISTENT: dict[str, Callable[[Results], Results]] = {
    "training still improving, and said so": still_improving,
    "the weakest class above its real images, and said so": weakest_above_real,
    "a DDIM headline run with its eta": lambda r: replaced(r, "sampling", sampler="ddim", steps=50, eta=0.0),
}


@pytest.mark.parametrize("variant", CONSISTENT)
def test_the_checks_accept_what_the_results_say(report, results, variant):
    """The other side of each check: a run where the words are true draws no contradiction."""
    changed = CONSISTENT[variant](results)
    text = rendered(changed)
    assert text != report
    already = contradictions(report, results)
    assert [line for line in contradictions(text, changed) if line not in already] == []


def test_a_weakest_class_that_is_not_the_lowest_is_refused():
    headline = core.headline()
    assert headline.weakest == "shirt"
    with pytest.raises(ValidationError, match="not a class of the lowest generated accuracy"):
        HeadlineResult.model_validate({**headline.model_dump(), "weakest": "bag"})
    above = core.headline(weakest_above_real=True)  # the lowest class may lie above its real images
    assert HeadlineResult.model_validate(above.model_dump()).weakest_class.above_real


def test_degenerate_intervals_are_found_and_nothing_else():
    text = "0.0% [0.0%, 0.0%]; 78.3%-78.3%; +0.7% [+0.7%, +0.7%]; 4.94 [4.52, 5.5]; t-shirt; 5-5.5; 15-5; 1.6% to 2.4%"
    assert degenerate_intervals(text) == [
        'degenerate interval "[0.0%, 0.0%]"',
        'degenerate interval "[+0.7%, +0.7%]"',
        'degenerate interval "78.3%-78.3%"',
    ]


@pytest.mark.parametrize(
    "prediction, weighting, words",
    [
        (
            "epsilon",
            "min_snr",
            ["the noise eps that was added", "min(SNR_t, 5) / SNR_t", "unweighted noise-prediction"],
        ),
        ("v", "min_snr", ["the velocity v_t", "min(SNR_t, 5) / (SNR_t + 1)", "unweighted v-prediction"]),
        ("epsilon", "none", ["the noise eps that was added", "every timestep weighted alike"]),
    ],
)
def test_the_loss_is_named_as_the_run_trained(results, prediction, weighting, words):
    params = load_params(ROOT / "params.yaml", {"diffusion.prediction": prediction, "train.loss_weighting": weighting})
    training = core.training(prediction=prediction, weighting=weighting)
    text = rendered({**results, "training": training}, params)
    name = loss_name(training.loss)
    assert f"training minimises a {name};" in text and f"training loss (**{name}**)" in text
    assert f"T = 1000, {name} |" in text and all(word in text for word in words)
    assert loss_wording(text, training.loss) == []
    other = core.training(prediction="v" if prediction == "epsilon" else "epsilon", weighting=weighting)
    assert len(loss_wording(text, other.loss)) >= 3  # the summary, 3.1 and the appendix name another loss


def test_the_committed_report_contradicts_none_of_the_committed_results():
    try:
        committed = load_all(ROOT)
    except ArtifactError as error:
        pytest.skip(f"the committed results are not yet typed results (regenerated by make repro): {error}")
    assert contradictions((ROOT / "reports/assessment.md").read_text(), committed) == []


def test_an_interval_that_rounds_to_its_value_prints_the_value_alone():
    """A degenerate interval cannot be injected past the formatter: one that rounds to its own value is the value."""
    from fashion_diffusion.report.format import est

    assert est(Estimate(value=0.7831, low=0.7829, high=0.7834), percent=True) == "78.3%"
    assert est(Estimate(value=0.78, low=0.70, high=0.85), percent=True) == "78.0% [70.0%, 85.0%]"


def test_a_difference_of_percentages_is_in_percentage_points_and_a_level_in_percent():
    """Accuracy minus accuracy is a difference in percentage points (pp), its unit after the interval; a
    single accuracy stays a percentage; a difference of other measures has no unit; off scale stays a word."""
    from fashion_diffusion.report.format import diff, est
    from fashion_diffusion.results.base import OFF_SCALE, Comparison

    def compared(value: float, low: float, high: float, verdict: str = "higher") -> Comparison:
        return Comparison(
            value=value, low=low, high=high, se_sampling=0.01, se_seed=0.0, dof=None, p=0.01, p_holm=0.01,
            family="f", verdict=verdict,
        )  # fmt: skip

    assert diff(compared(0.05, 0.032, 0.068), percent=True) == "+5.0 [+3.2, +6.8] pp"
    assert diff(compared(-0.132, -0.203, -0.061), percent=True) == "-13.2 [-20.3, -6.1] pp"
    assert diff(compared(0.05, 0.032, 0.068)) == "+0.05 [+0.032, +0.068]"
    assert diff(compared(0.002, -0.002, 0.006), scale=1000) == "+2 [-2, +6]"
    assert diff(compared(0.0, 0.0, 0.0, OFF_SCALE), percent=True) == OFF_SCALE
    assert diff(None, percent=True) == "-"
    assert est(Estimate(value=0.945, low=0.934, high=0.955), percent=True) == "94.5% [93.4%, 95.5%]"


def test_the_report_writes_accuracy_differences_in_pp(report):
    """Every accuracy difference the report shows is in percentage points, never a signed percentage."""
    assert "+10.5 [+6.5, +14.5] pp higher" in report  # the ablation table: clip_alignment minus reference
    assert "| -13.2 [-20.3, -6.1] pp | lower |" in report  # 5.2: sandal generated minus real
    assert not re.search(r"[+-]\d+(?:\.\d+)?% \[", report)


def test_an_unresolved_word_names_both_p_values_when_only_holm_leaves_it_open():
    """A comparison whose own interval excludes 0 but whose Holm-adjusted p-value does not pass says so, with
    both p-values; one whose unadjusted p is above the threshold, or that is resolved, is its word alone."""
    from fashion_diffusion.report.format import word
    from fashion_diffusion.results.base import NOT_RESOLVED, Comparison

    def compared(p: float, p_holm: float, verdict: str) -> Comparison:
        return Comparison(
            value=0.1, low=0.01, high=0.19, se_sampling=0.05, se_seed=0.0, dof=None, p=p, p_holm=p_holm,
            family="f", verdict=verdict,
        )  # fmt: skip

    assert word(compared(0.018, 0.072, NOT_RESOLVED)) == "not resolved (p 0.018; Holm 0.072)"
    assert word(compared(0.2, 0.6, NOT_RESOLVED)) == NOT_RESOLVED
    assert word(compared(0.001, 0.004, "higher")) == "higher"
    assert word(None) == "-"
