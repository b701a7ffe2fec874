"""What the run concludes across its studies (stage conclude): the families of verdicts, counted, and
the improvements its measured gaps point to, ranked.

Families. Every `Comparison` of every result names its family (one table of verdicts, Holm-adjusted
together, `stats.inference.family`); here they are counted, so the report can say how many comparative
words each table could hold and how many it drew.

Gaps (section 5.3). Each candidate reads one shortfall against real data:

    distance       1 - floor / FID of the headline samples; resolved when KID's interval lies above the KID of
                   as many real images (FID is a level: its bias depends on n and on the model)
    variety        1 - coverage / real coverage at the same n; resolved when coverage's interval lies below
    weakest_class  1 - generated / real judge accuracy of the class most resolved below its real images (else the
                   class furthest below; no candidate when every class reaches its real images' accuracy)
    realism        1 - accuracy of a classifier trained on generated images / trained on as many real ones

The resolved gaps rank by that share (shares of different measures: an order of attention, not one scale). What a distance gap points to depends on what else was measured:
more sampling steps when a run with more steps is resolved better by KID, longer training when the last
EMA snapshot still beat the one before, else a larger network.
"""

from __future__ import annotations

from collections.abc import Iterator

from pydantic import BaseModel

from ..results.augmentation import AugmentationStudy
from ..results.base import FAMILY_ALPHA, Comparison
from ..results.clip import ClipScorerResult
from ..results.conclusions import Conclusions, Family, Gap
from ..results.headline import HeadlineResult
from ..results.sets import SamplerStudy, SnapshotStudy


def comparisons(result: BaseModel) -> Iterator[Comparison]:
    """Every Comparison inside a result, however deep (fields, lists, dicts), each once: the in-domain CLIP
    scorer's validation is also its first seed's run (`repeated`), so it is not walked twice."""
    if isinstance(result, Comparison):
        yield result
        return
    values = [v for name, v in result.__dict__.items() if not repeated(result, name)]
    for value in values:
        for item in value if isinstance(value, list) else value.values() if isinstance(value, dict) else [value]:
            if isinstance(item, BaseModel):
                yield from comparisons(item)


def repeated(result: BaseModel, field: str) -> bool:
    """Whether a field of a result repeats another of its parts: the validation of a scorer that is one of
    its seed runs (a pretrained scorer's validation is not, and counts)."""
    return isinstance(result, ClipScorerResult) and field == "validation" and result.validation in result.seeds.runs


def families(results: list[BaseModel]) -> list[Family]:
    """Each family's comparisons counted: read (not off scale), resolved, off scale; in order of first use."""
    counted: dict[str, dict[str, int]] = {}
    for result in results:
        for c in comparisons(result):
            entry = counted.setdefault(c.family, {"comparisons": 0, "resolved": 0, "off_scale": 0})
            entry["off_scale" if c.off_scale else "comparisons"] += 1
            entry["resolved"] += c.resolved
    return [Family(name=name, **counts) for name, counts in counted.items()]


def gaps(
    headline: HeadlineResult, samplers: SamplerStudy, snapshots: SnapshotStudy, augmentation: AugmentationStudy
) -> list[Gap]:
    """Every candidate improvement with its gap (see the module), resolved ones first, largest first."""
    judged = headline.judged
    default = samplers.default
    more_steps = any(
        r.versus_default is not None and r.steps > default.steps and r.versus_default.kid.verdict == "better"
        for r in samplers.runs
    )
    distance_steps = ["more_steps"] if more_steps else []
    distance_steps += ["longer_training"] if snapshots.still_improving else []
    found = [
        Gap(
            candidate="distance",
            share=1 - judged.real.fid / judged.fid.value,
            resolved=judged.kid.low > judged.real.kid,
            evidence=judged.fid,
            real_value=judged.real.fid,
            subject="FID",
            next_steps=distance_steps or ["larger_model"],
        ),
        Gap(
            candidate="variety",
            share=1 - judged.coverage.value / judged.real.coverage,
            resolved=judged.coverage.high < judged.real.coverage,
            evidence=judged.coverage,
            real_value=judged.real.coverage,
            subject="coverage",
            next_steps=["more_variety"],
        ),
    ]
    below = [c for c in headline.classes if c.versus_real.resolved and c.versus_real.value < 0]
    weakest = min(below or headline.classes, key=lambda c: c.generated.value / max(c.real, 1e-9))
    if weakest.generated.value < weakest.real:  # no candidate when every class reaches its real accuracy
        found.append(
            Gap(
                candidate="weakest_class",
                share=1 - weakest.generated.value / weakest.real,
                resolved=weakest.versus_real.resolved and weakest.versus_real.value < 0,
                evidence=weakest.versus_real,
                real_value=weakest.real,
                subject=weakest.name,
                next_steps=["weakest_class"],
            )
        )
    sets = {s.name: s for s in augmentation.sets}
    generated, real = sets["generated"], sets["real"]
    found.append(
        Gap(
            candidate="realism",
            share=1 - generated.accuracy.value / real.accuracy.value,
            resolved=generated.versus_real.resolved and generated.versus_real.value < 0,
            evidence=generated.versus_real,
            real_value=real.accuracy.value,
            subject="classifier accuracy",
            next_steps=["realism"],
        )
    )
    return sorted(found, key=lambda gap: (not gap.resolved, -gap.share))


def conclude(results: list[BaseModel], headline, samplers, snapshots, augmentation) -> Conclusions:
    counted = families(results)
    return Conclusions(
        families=counted,
        gaps=gaps(headline, samplers, snapshots, augmentation),
        verdicts=sum(f.comparisons for f in counted),
        resolved=sum(f.resolved for f in counted),
        expected_false_at_most=FAMILY_ALPHA * len(counted),
    )
