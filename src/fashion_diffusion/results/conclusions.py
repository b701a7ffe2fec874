"""What the run concludes across studies: the families of verdicts with their error control, and the
improvements its gaps point to (stage conclude)."""

from __future__ import annotations

from typing import Literal

from .base import Comparison, Estimate, Result


class Family(Result):
    """One table of verdicts, Holm-adjusted together: how many comparisons it drew, how many resolved."""

    name: str
    comparisons: int  # read (not off scale): the m of Holm's method
    resolved: int
    off_scale: int


# What a gap points to, by what else the run measured (the template words each):
#   more_steps: a sampler run with more steps is resolved better than the default by KID
#   longer_training: the last EMA snapshot is still resolved better than the one before by KID
#   larger_model: neither, so the trained net itself is the limit at this budget
#   more_variety / the class / realism: the gap names its own fix
NextStep = Literal["more_steps", "longer_training", "larger_model", "more_variety", "weakest_class", "realism"]


class Gap(Result):
    """One measured shortfall against real data, as a share of the real value (or of the generated one for
    FID), with the comparison that says whether it is resolved."""

    candidate: Literal["distance", "variety", "weakest_class", "realism"]
    share: float  # the gap's size relative to its scale (see `conclude.gaps`)
    resolved: bool
    evidence: Comparison | Estimate
    real_value: float
    subject: str  # what the gap is about: "FID", "coverage", a class name, "classifier accuracy"
    next_steps: list[NextStep]


class Conclusions(Result):
    families: list[Family]
    gaps: list[Gap]  # every candidate, largest resolved first, then the unresolved
    verdicts: int  # comparisons read over all families
    resolved: int
    expected_false_at_most: float  # families x FAMILY_ALPHA: the expected number of families with a false word

    @property
    def improvements(self) -> list[Gap]:
        """The (up to) three largest resolved gaps."""
        return [gap for gap in self.gaps if gap.resolved][:3]
