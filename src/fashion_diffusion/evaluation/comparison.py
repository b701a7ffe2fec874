"""Judged sample sets compared with a base set made from the same labels and seed: the difference in
judge accuracy and in FID (set minus base), each with a 95% bootstrap interval.

Sets generated from the same seed and labels start from the same noise, image for image, so image i
of every set and of the base form a pair: the pairs are resampled together, within each requested
class (a paired bootstrap): the resampled FIDs of each set are those of its own headline interval
(`Scores.resampled_fids`, computed once per set). The FID difference's interval is shifted like FID's
own (`stats.bootstrap.shifted_interval`): both FIDs of a resample rise with its repeated images, not
necessarily by the same amount; accuracy differences are means, unbiased, and keep the percentile
interval.
"""

from __future__ import annotations

import numpy as np

from ..stats.bootstrap import Estimate, percentile_interval, resample_indices, shifted_interval
from ..stats.metrics import GaussianReference
from .reference import Scores


def paired_differences(
    base: Scores, others: dict[str, Scores], gaussian: GaussianReference, resamples: int, seed: int
) -> dict[str, dict[str, Estimate]]:
    """name -> {"accuracy_difference", "fid_difference"}: each set of `others` minus `base`; positive
    accuracy or negative FID favours the set. FID is measured against `gaussian` (the real test set)."""
    for name, other in others.items():
        if not np.array_equal(other.labels, base.labels):
            raise ValueError(f"set {name!r} does not pair with the base: its requested labels differ")
    index = resample_indices(len(base.labels), resamples, seed, strata=base.labels)  # the sets' own resamples
    base_fid = base.resampled_fids(gaussian, resamples, seed)
    fids = {name: other.resampled_fids(gaussian, resamples, seed) for name, other in others.items()}
    base_correct = base.correct.astype(float)
    differences = {}
    for name, other in others.items():
        correct = other.correct.astype(float) - base_correct
        fid_difference = float(gaussian.fid(other.features) - gaussian.fid(base.features))
        differences[name] = {
            "accuracy_difference": Estimate(float(correct.mean()), *percentile_interval(correct[index].mean(axis=1))),
            "fid_difference": Estimate(fid_difference, *shifted_interval(fids[name] - base_fid, fid_difference)),
        }
    return differences
