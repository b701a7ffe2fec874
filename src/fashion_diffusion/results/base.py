"""The pieces every study result is built from: a value with its interval, a comparison with its
verdict, and the words verdicts are written in."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError

from ..core.errors import ArtifactError

# The verdict words. A comparative word is written only when the comparison is resolved within its
# family (Holm-adjusted p < FAMILY_ALPHA); otherwise NOT_RESOLVED, or OFF_SCALE when the instrument
# cannot read one of the two sets.
FAMILY_ALPHA = 0.05
NOT_RESOLVED = "not resolved"
OFF_SCALE = "off scale"
# the words of each kind of measure: (word when the value is higher, word when it is lower)
BETTER_WHEN_LOWER = ("worse", "better")  # distances to the real data: KID, FID
HIGHER_LOWER = ("higher", "lower")  # fidelity (judge accuracy, density) and variety (coverage) apart
HIGHER_LOWER_ERROR = ("higher error", "lower error")  # a denoising error


class Result(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Estimate(Result):
    """A measured value with its 95% interval."""

    value: float
    low: float
    high: float

    @property
    def degenerate(self) -> bool:
        """An interval of width zero (one seed, or a set compared with itself): nothing to show."""
        return self.low == self.high


class Comparison(Result):
    """Subject minus other (or a value minus its null), with the 95% interval of the difference, how
    much of its spread comes from the samples and how much from training seeds, its p-value of no
    difference, the Holm-adjusted p-value within its family, and the verdict word."""

    value: float
    low: float
    high: float
    se_sampling: float  # bootstrap standard error over the samples (images, classes, test images)
    se_seed: float  # standard error from training seeds; 0 when both sides come from one trained model
    dof: float | None  # Welch-Satterthwaite degrees of freedom of the t interval; None: normal
    p: float | None  # two-sided; None when off scale
    p_holm: float | None  # within `family`
    family: str
    verdict: str  # one of the words above, or NOT_RESOLVED, or OFF_SCALE

    @property
    def resolved(self) -> bool:
        return self.verdict not in (NOT_RESOLVED, OFF_SCALE)

    @property
    def off_scale(self) -> bool:
        return self.verdict == OFF_SCALE


R = TypeVar("R", bound=Result)


def write_result(path: Path | str, result: Result) -> None:
    """A result as indented JSON (NaN-free: pydantic writes floats as JSON numbers)."""
    Path(path).write_text(result.model_dump_json(indent=1) + "\n")


def read_result(path: Path | str, kind: type[R]) -> R:
    """A result written by `write_result`, validated against its type; one-line errors."""
    path = Path(path)
    try:
        return kind.model_validate_json(path.read_text())
    except FileNotFoundError:
        raise ArtifactError(f"{path}: not found (run `dvc repro`)") from None
    except (ValidationError, json.JSONDecodeError) as error:
        first = error.errors()[0] if isinstance(error, ValidationError) else {"msg": str(error), "loc": ()}
        where = ".".join(str(part) for part in first["loc"])
        raise ArtifactError(f"{path}: not a {kind.__name__} ({where}: {first['msg']})") from None
