"""Read what the stages of one run wrote, by path, with one-line errors for what is missing."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pandas as pd

from ..core.artifacts import ArtifactError, read_json


class RunOutputs:
    """The stage outputs under one repository root, read on first use."""

    def __init__(self, root: Path = Path(".")):
        self.root = root

    @cache
    def json(self, path: str) -> dict:
        return read_json(self.root / path)

    @cache
    def csv(self, path: str) -> pd.DataFrame:
        try:
            return pd.read_csv(self.root / path)
        except FileNotFoundError:
            raise ArtifactError(f"{self.root / path}: not found") from None
        except (pd.errors.ParserError, pd.errors.EmptyDataError) as error:
            raise ArtifactError(f"{self.root / path}: corrupt CSV ({error})") from None
