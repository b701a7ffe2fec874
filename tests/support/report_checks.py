"""Contradictions between a rendered report and the typed results it was rendered from (issue 29).

Each check reads the report's markdown the way a reviewer would, beside the results, and returns one line
per contradiction it finds (an empty list: consistent). Some also read the results for facts that the text
relies on (the weakest class is a lowest class; a gap called resolved has evidence that resolves it).
`contradictions` runs them all. The checks look for the report's phrases (a table's header, "weakest",
"(x% gap)"), so a reworded template may hide a contradiction from them; each says so when the phrase it
anchors on is missing altogether.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

from fashion_diffusion.config.constants import CLASS_NAMES
from fashion_diffusion.config.sampler_names import SAMPLERS
from fashion_diffusion.model.samplers import ETA_SAMPLERS
from fashion_diffusion.report.format import est, num, pct
from fashion_diffusion.results.base import Comparison, Result
from fashion_diffusion.results.conclusions import Conclusions, Gap
from fashion_diffusion.results.headline import HeadlineResult, SampleRun
from fashion_diffusion.results.judged import JudgedSet
from fashion_diffusion.results.sets import OneStepStudy, SamplerStudy, SnapshotStudy
from fashion_diffusion.results.training import LossDefinition
from tests.support.intervals import NUMBER, shown_number

QUESTIONS = [f"{part}.{n}" for part in range(1, 6) for n in range(1, 4)] + [f"bonus {n}" for n in range(1, 5)]
SUMMARY_LINES = 60  # the summary answers every question within the report's first lines
SEED_SECTIONS = ["## Summary", *(f"### {q}" for q in QUESTIONS[:15]), *(f"### Bonus {n}" for n in range(1, 5))]

_CLASS = "|".join(re.escape(name) for name in sorted(CLASS_NAMES, key=len, reverse=True))  # t-shirt before shirt


def passages(report: str) -> Iterator[str]:
    """Headings, table rows, list items and paragraphs (their lines joined by spaces), without markdown bold."""
    paragraph: list[str] = []
    for line in [*report.replace("**", "").splitlines(), ""]:
        starts_item = line.lstrip().startswith("|") or re.match(r"\s*(\d+\.|-) ", line)
        if paragraph and (not line.strip() or starts_item or line.startswith("#") or paragraph[0].startswith("#")):
            yield " ".join(paragraph)
            paragraph = []
        if line.strip():
            paragraph.append(line.strip())


def tables(report: str) -> Iterator[tuple[list[str], list[list[str]]]]:
    """Each markdown table as (header cells, rows of cells)."""
    block: list[list[str]] = []
    for line in [*report.splitlines(), ""]:
        if line.startswith("|"):
            block.append([cell.strip() for cell in line.strip().strip("|").split("|")])
        elif block:
            yield block[0], block[2:]
            block = []


def summary_answers(report: str) -> list[str]:
    """Every seed question answered within the first SUMMARY_LINES lines: a line that starts with its id (a
    table row or a list item, not a heading) and carries an answer after it."""
    head = [line for line in report.splitlines()[:SUMMARY_LINES] if not line.startswith("#")]
    found = []
    for question in QUESTIONS:
        answers = [answer for line in head if (answer := _answer(line, question)) is not None]
        if not answers:
            found.append(f"question {question}: not in the report's first {SUMMARY_LINES} lines")
        elif not any(answers):
            found.append(f"question {question}: in the summary without an answer")
    return found


def _answer(line: str, question: str) -> str | None:
    match = re.match(rf"\W*{re.escape(question)}\b(.*)", line, re.IGNORECASE)
    if not match:
        return None
    if line.lstrip().startswith("|"):
        cells = [cell.strip() for cell in match.group(1).split("|")]
        answer = cells[1] if len(cells) > 1 else ""
    else:
        answer = match.group(1).strip(" :*-")
    return "" if answer in ("-", "n/a") else answer


def weakest_class(report: str, headline: HeadlineResult) -> list[str]:
    """A class called "the weakest" is the lowest-accuracy class or one below its real images, and one whose
    samples beat its real images is never called the weakest without saying it is above them; the class the
    report calls lowest among the samples has the lowest generated accuracy."""
    classes = {c.name: c for c in headline.classes}
    lowest = min(c.generated.value for c in headline.classes)
    found = []
    if headline.weakest not in classes or classes[headline.weakest].generated.value != lowest:
        found.append(f"the result's weakest class {headline.weakest} is not a class of the lowest accuracy")
    for passage in passages(report):
        named = re.finditer(rf"weakest(?: class)?\W{{0,4}}(?:is\W{{1,3}})?({_CLASS})\b", passage, re.IGNORECASE)
        for name in {match.group(1).lower() for match in named}:
            c = classes[name]
            shown = f"{pct(c.generated.value)} vs {pct(c.real)} real"
            if c.generated.value > c.real and "above" not in passage.lower():
                found.append(
                    f'{name} ({shown}) is called the weakest, not said to be above its real images: "{passage[:70]}"'
                )
            if name != headline.weakest and name not in headline.failing and not c.generated.value < c.real:
                found.append(
                    f'{name} ({shown}) is called the weakest; the weakest is {headline.weakest}: "{passage[:70]}"'
                )
        for match in re.finditer(rf"furthest below its real accuracy\W{{0,4}}({_CLASS})\b", passage, re.IGNORECASE):
            c = classes[match.group(1).lower()]
            if not c.generated.value < c.real:
                shown = f"{pct(c.generated.value)} vs {pct(c.real)} real"
                found.append(f'{c.name} ({shown}) is called furthest below its real accuracy: "{passage[:70]}"')
        said = re.search(rf"lowest accuracy among the samples is\W{{0,3}}({_CLASS})\b", passage, re.IGNORECASE)
        if said and classes[said.group(1).lower()].generated.value != lowest:
            found.append(f"{said.group(1)} is called lowest among the samples; the lowest accuracy is {pct(lowest)}")
    return found


def resolved_by_evidence(gap: Gap) -> bool:
    """Whether the gap's own evidence resolves it: a comparison resolved below the real value, or an interval
    that excludes the real value on the gap's side (FID above its floor, coverage below the real images')."""
    evidence = gap.evidence
    if isinstance(evidence, Comparison):
        return evidence.resolved and evidence.value < 0
    return evidence.low > gap.real_value if gap.candidate == "distance" else evidence.high < gap.real_value


def resolved_gaps(report: str, conclusions: Conclusions) -> list[str]:
    """The improvements listed (5.3's numbered list, its table's resolved column, the summary's row and its
    count) are exactly the resolved gaps, largest first, and a gap is resolved only when its evidence is."""
    found = [
        f"gap {gap.candidate} ({gap.subject}) is marked {'' if gap.resolved else 'un'}resolved against its evidence"
        for gap in conclusions.gaps
        if gap.resolved != resolved_by_evidence(gap)
    ]
    resolved = [gap for gap in conclusions.gaps if gap.resolved and resolved_by_evidence(gap)]
    by_share = {pct(gap.share): gap for gap in conclusions.gaps}
    listed = [by_share.get(share) for share in re.findall(rf"^\d+\. .*?\(({NUMBER}) gap\)", report, re.MULTILINE)]
    if listed != resolved[: len(listed)] or len(listed) != min(3, len(resolved)):
        found.append(f"5.3 lists {_names(listed)}; the largest resolved gaps are {_names(resolved[:3])}")
    found += _gap_table(report, by_share)
    found += _gap_summary(report, conclusions, resolved)
    return found


def _names(gaps: list[Gap | None]) -> str:
    return ", ".join(f"{gap.candidate} ({gap.subject})" if gap else "a gap the results lack" for gap in gaps) or "none"


def _gap_table(report: str, by_share: dict[str, Gap]) -> list[str]:
    found = []
    for header, rows in tables(report):
        if header[-1] != "resolved" or "gap" not in header:
            continue
        for row in rows:
            gap = by_share.get(row[header.index("gap")])
            if gap is None or (row[-1] == "yes") != resolved_by_evidence(gap) or (row[-1] == "yes") != gap.resolved:
                found.append(f"the gap table says resolved: {row[-1]} for {row[0]}")
    return found


def _gap_summary(report: str, conclusions: Conclusions, resolved: list[Gap]) -> list[str]:
    found = []
    for shown, total in re.findall(r"(\d+) of (\d+) gaps resolved", report):
        if (int(shown), int(total)) != (len(resolved), len(conclusions.gaps)):
            found.append(f'"{shown} of {total} gaps resolved": {len(resolved)} of {len(conclusions.gaps)} are')
    row = next((line for line in report.splitlines() if re.match(r"\|\s*5\.3\b", line)), "")
    items = re.findall(r"\d+\. ([a-z ]+?) \(([^)]*)\)", row.split("|")[2] if row.count("|") > 2 else "")
    named = [(gap.candidate.replace("_", " "), gap.subject) for gap in resolved[:3]]
    if items != named[: len(items)] or len(items) != len(named):
        found.append(f"the summary's 5.3 row names {items}; the largest resolved gaps are {named}")
    return found


_IMPROVING = re.compile(
    r"still (?:improving|falling|decreasing|getting better|resolved better)|train(?:ing)? longer|longer training",
    re.IGNORECASE,
)
_NEGATION = re.compile(r"\b(?:not|no|nor|neither|never|without)\b", re.IGNORECASE)


def training_progress(report: str, snapshots: SnapshotStudy) -> list[str]:
    """ "Still improving", "still falling", "train longer" only when the last EMA snapshot is resolved better
    than the one before by KID (and the result's flag says the same); when it is, the report says so."""
    last = snapshots.snapshots[-1].versus_previous
    verdict = "unpaired" if last is None else last.kid.verdict
    improving = verdict == "better"
    flag = f"still_improving is {snapshots.still_improving}; the last snapshot's KID comparison is {verdict}"
    found = [] if snapshots.still_improving == improving else [flag]
    claims = [
        clause.strip()
        for passage in passages(report)
        for clause in re.split(r"[;|]|\.(?:\s|$)", passage)
        if (match := _IMPROVING.search(clause)) and not _NEGATION.search(clause[: match.start()])
    ]
    if not improving:
        found += [f'"{claim}": the last snapshot is {verdict} by KID against the one before' for claim in claims]
    elif not claims:
        found.append("the last snapshot is resolved better by KID, but the report never says training still improves")
    return found


_SAMPLER = "|".join(sorted(SAMPLERS, key=len, reverse=True))  # dpmpp_2m_sde before dpmpp_2m
_SETTING = re.compile(
    rf"`?\b({_SAMPLER})\b`?,? ({NUMBER}) steps(?:, eta ({NUMBER}))?(?:, guidance(?: scale)? ({NUMBER}))?"
)
_HEADLINE_SET = re.compile(r"headline quality|sampler of the samples", re.IGNORECASE)


def sampler_settings(report: str, sampling: SampleRun, samplers: SamplerStudy) -> list[str]:
    """Every "sampler, N steps[, eta E][, guidance G]" the report prints is a run's as the sampler ran it: eta
    only for a sampler that has one (ddim, ddpm; never a DPM-Solver), and the headline set's is `sampling`."""
    runs = [(sampling.sampler, sampling.steps, sampling.eta, sampling.guidance_scale)]
    trajectories = sampling.trajectories
    runs.append((trajectories.sampler, trajectories.steps, trajectories.eta, None))
    runs += [(run.sampler, run.steps, run.eta, run.guidance_scale) for run in samplers.runs]
    found = [
        f"the result of {sampler} {steps} steps holds eta {eta} (a sampler {'with' if eta is None else 'without'} one)"
        for sampler, steps, eta, _ in runs[:1] + runs[2:]
        if (eta is None) == (sampler in ETA_SAMPLERS)
    ]
    for passage in passages(report):
        candidates = runs[:1] if _HEADLINE_SET.search(passage) else runs
        for match in _SETTING.finditer(passage):
            sampler, steps, eta, guidance = match.groups()
            if eta is not None and sampler not in ETA_SAMPLERS:
                found.append(f'"{match.group(0)}": {sampler} has no eta')
            if not any(_runs_as(run, sampler, steps, eta, guidance) for run in candidates):
                found.append(f'"{match.group(0)}": no run of the results was sampled so')
    return found


def _runs_as(run: tuple, sampler: str, steps: str, eta: str | None, guidance: str | None) -> bool:
    def same(shown: str | None, value: float | None) -> bool:
        if shown is None:
            return True
        number, rounding = shown_number(shown)
        return value is not None and abs(number - value) <= rounding

    return run[0] == sampler and same(steps, run[1]) and same(eta, run[2]) and same(guidance, run[3])


def loss_name(loss: LossDefinition) -> str:
    """The training loss as the report names it: "[min-SNR-weighted ]{noise|v}-prediction MSE"."""
    weighted = "min-SNR-weighted " if loss.weighting == "min_snr" else ""
    return f"{weighted}{'noise' if loss.prediction == 'epsilon' else 'v'}-prediction MSE"


_NAMED_LOSS = [  # where the report names the training loss (after markdown bold is removed)
    re.compile(r"minimi[sz]es (?:an? |the )?((?:[\w-]+ ){0,3}?MSE(?: on (?:the )?predicted \w+)?)"),
    re.compile(r"training loss \(([^)]*MSE[^)]*)\)"),
    re.compile(r"\| diffusion \|[^|]*?((?:[\w-]+ )?[\w-]+-prediction MSE)"),
]
_TARGETS = {"noise": "epsilon", "epsilon": "epsilon", "v": "v", "velocity": "v"}


def loss_wording(report: str, loss: LossDefinition) -> list[str]:
    """Wherever the report names the training loss, it names the target and weighting the run trained with
    (epsilon: noise-prediction MSE; v: v-prediction MSE); the held-out noise-prediction error is another
    quantity and may stay. "MSE on predicted noise" reads as the noise-prediction MSE."""
    flat = " ".join(passages(report))
    expected = loss_name(loss)
    named = [_canonical(match.group(1)) for pattern in _NAMED_LOSS for match in pattern.finditer(flat)]
    found = [f'the training loss is named "{name}"; this run trains a {expected}' for name in named if name != expected]
    if not named:
        found.append("the report never names its training loss")
    for match in re.finditer(
        r"(?<!held-out )(?:unweighted (\w+)-prediction MSE|MSE on (?:the )?predicted (\w+))", flat
    ):
        if _TARGETS.get((match.group(1) or match.group(2)).lower()) != loss.prediction:
            found.append(f'"{match.group(0)}": this run predicts {loss.prediction}')
    for key in re.findall(r"diffusion\.prediction: (\w+)", flat):
        if key != loss.prediction:
            found.append(f"`diffusion.prediction: {key}`: this run predicts {loss.prediction}")
    return found


def _canonical(name: str) -> str:
    old = re.fullmatch(r"(?:([\w-]+) )?MSE on (?:the )?predicted (\w+)", name)
    if not old:
        return name
    weighted = f"{old.group(1)} " if old.group(1) else ""
    return f"{weighted}{'noise' if _TARGETS.get(old.group(2)) == 'epsilon' else old.group(2)}-prediction MSE"


def _shown(judged: JudgedSet) -> dict[str, str]:
    """A judged set's values as the report formats them (report/format.py)."""
    return {
        "FID": est(judged.fid),
        "floor": num(judged.real.fid),
        "KID x 1000": est(judged.kid, scale=1000),
        "judge accuracy": est(judged.accuracy, percent=True),
        "density": est(judged.density),
        "coverage": est(judged.coverage),
        "coverage real": num(judged.real.coverage),
    }


def headline_numbers(report: str, headline: HeadlineResult, one_step: OneStepStudy) -> list[str]:
    """The headline samples have one FID, floor, KID, accuracy, density and coverage: the summary's headline
    table, the one-step study's gradual row (the same 1,000 images from the same noise, same bootstrap
    seed) and the gap table of 5.3 print the strings formatted from `headline.judged`."""
    expected = _shown(headline.judged)
    found = []
    if one_step.gradual.n == headline.judged.n:
        again = _shown(one_step.gradual)
        found += [
            f"one_step.gradual's {k} {again[k]} != the headline's {v}" for k, v in expected.items() if again[k] != v
        ]
    sites = 0
    for header, rows in tables(report):
        for row in rows:
            for quantity, shown in _headline_cells(header, row):
                sites += quantity == "FID"
                if shown != expected[quantity]:
                    found.append(f"{row[0]}: {quantity} {shown}; the headline samples' is {expected[quantity]}")
    return found + ([] if sites else ["no table shows the headline samples' FID"])


def _headline_cells(header: list[str], row: list[str]) -> Iterator[tuple[str, str]]:
    """(quantity, cell) where a table shows the headline samples: the summary's table (measure | samples),
    a judged-set table's gradual row (1.2), the gap table's FID and coverage rows (5.3)."""
    if header[:2] == ["measure", "samples [95%]"] and row[0] in ("FID", "KID x 1000", "judge accuracy", "density"):
        yield row[0], row[1]
        if row[0] == "FID":
            yield "floor", row[2].split(" ")[0]
    elif header[:2] == ["measure", "samples [95%]"] and row[0] == "coverage":
        yield from (("coverage", row[1]), ("coverage real", row[2]))
    elif any("FID [95%] / floor" in cell for cell in header) and row[0].startswith("gradual"):
        cells = dict(zip(header, row))
        fid, _, floor = cells["FID [95%] / floor at n"].partition(" / ")
        yield from (("FID", fid), ("floor", floor), ("KID x 1000", cells["KID x 1000 [95%]"]))
        yield "judge accuracy", cells["judge accuracy [95%]"]
        yield "coverage", cells["coverage [95%] / real at n"].partition(" / ")[0]
    elif header[:1] == ["candidate"] and row[0].endswith(("(FID)", "(coverage)")):
        quantity = "FID" if row[0].endswith("(FID)") else "coverage"
        yield from ((quantity, row[1]), ("floor" if quantity == "FID" else "coverage real", row[2]))


_DEGENERATE = [
    re.compile(rf"\[({NUMBER}), \1\]"),  # 0.0% [0.0%, 0.0%]
    re.compile(rf"(?<![\w.,+-])({NUMBER}) ?[-\u2013] ?\1(?![\w.%])"),  # 78.3%-78.3%
]


def degenerate_intervals(report: str) -> list[str]:
    """No interval or range whose two ends print the same ("[x, x]", "x-x"): nothing to show but the value."""
    return [f'degenerate interval "{m.group(0)}"' for pattern in _DEGENERATE for m in pattern.finditer(report)]


Check = Callable[[str, dict[str, Result]], list[str]]
CHECKS: dict[str, Check] = {  # each check on a report and the results (by the templates' names) it came from
    "summary": lambda report, r: summary_answers(report),
    "weakest class": lambda report, r: weakest_class(report, r["headline"]),
    "resolved gaps": lambda report, r: resolved_gaps(report, r["conclusions"]),
    "training progress": lambda report, r: training_progress(report, r["snapshots"]),
    "sampler settings": lambda report, r: sampler_settings(report, r["sampling"], r["samplers"]),
    "loss wording": lambda report, r: loss_wording(report, r["training"].loss),
    "headline numbers": lambda report, r: headline_numbers(report, r["headline"], r["one_step"]),
    "degenerate intervals": lambda report, r: degenerate_intervals(report),
}


def contradictions(report: str, results: dict[str, Result]) -> list[str]:
    """Every check's findings, each prefixed by the check's name."""
    return [f"{name}: {found}" for name, check in CHECKS.items() for found in check(report, results)]
