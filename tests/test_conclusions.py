"""Stage conclude's reading of the studies: families counted once per comparison, and the distance gap
resolved by KID (FID is a level whose bias depends on n and on the model)."""

from fashion_diffusion.results.base import Estimate
from fashion_diffusion.results.clip import ClipScorerResult
from fashion_diffusion.studies.conclusions import comparisons, families, gaps
from tests.support.fixtures import applications, core, sets


def test_a_comparison_held_twice_in_one_result_counts_once():
    clip = applications.results()["clip"]
    assert isinstance(clip, ClipScorerResult)
    # the scorer's validation is also its first seed's run: the same two comparisons held twice
    assert clip.validation.blur in [run.blur for run in clip.seeds.runs]
    counted = {f.name: f for f in families([clip])}
    assert sum(f.comparisons + f.off_scale for f in counted.values()) == 2 * len(clip.seeds.runs)  # blur, noise
    pretrained = clip.model_copy(update={"validation": clip.validation.model_copy(update={"training_seed": None})})
    assert sum(f.comparisons + f.off_scale for f in families([pretrained])) == 2 * len(clip.seeds.runs) + 2


def _distance(headline):
    r = {**core.results(), **sets.results(), **applications.results()}
    found = gaps(headline, r["samplers"], r["snapshots"], r["augmentation"])
    return next(g for g in found if g.candidate == "distance")


def test_the_distance_gap_is_resolved_by_kid_not_by_fid():
    headline = core.results()["headline"]
    judged = headline.judged
    far_fid = Estimate(value=judged.real.fid * 4, low=judged.real.fid * 3, high=judged.real.fid * 5)
    at_real_kid = Estimate(value=judged.real.kid + 1e-3, low=judged.real.kid - 1e-3, high=judged.real.kid + 3e-3)
    above_real_kid = Estimate(value=judged.real.kid + 5e-3, low=judged.real.kid + 2e-3, high=judged.real.kid + 8e-3)

    def with_sets(fid, kid):
        return headline.model_copy(update={"judged": judged.model_copy(update={"fid": fid, "kid": kid})})

    assert not _distance(with_sets(far_fid, at_real_kid)).resolved  # FID far above its floor, KID at the real one
    resolved = _distance(with_sets(far_fid, above_real_kid))
    assert resolved.resolved and resolved.share == 1 - judged.real.fid / far_fid.value


def test_equal_comparisons_in_different_rows_both_count():
    guidance = sets.results()["guidance"]
    row = guidance.scales[-1]
    twin = row.model_copy(update={"scale": row.scale + 1.0})  # another row whose comparisons equal this one's
    doubled = guidance.model_copy(update={"scales": [*guidance.scales, twin]})
    before = sum(f.comparisons + f.off_scale for f in families([guidance]))
    after = sum(f.comparisons + f.off_scale for f in families([doubled]))
    assert after - before == len(list(comparisons(row)))


def test_no_class_candidate_when_every_class_reaches_its_real_accuracy():
    """The class candidate of 5.3 is a class below its real images; with every class at or above them (bag
    at 100% vs 99% real being the least above) there is none to raise."""
    r = {**core.results(), **sets.results(), **applications.results()}
    headline = r["headline"]

    def candidates(h):
        return {g.candidate: g for g in gaps(h, r["samplers"], r["snapshots"], r["augmentation"])}

    below = candidates(headline)["weakest_class"]
    assert (
        below.share > 0
        and next(c for c in headline.classes if c.name == below.subject).generated.value < below.real_value
    )
    lifted = [c.model_copy(update={"real": min(c.real, c.generated.value)}) for c in headline.classes]
    assert "weakest_class" not in candidates(headline.model_copy(update={"classes": lifted}))
