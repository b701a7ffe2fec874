"""Two judged sample sets compared: the difference in judge accuracy and in FID (a minus b), each
with a 95% bootstrap interval, resampled within each requested class.

Sets generated from the same seed and labels start from the same noise, image for image: they are
resampled as pairs (`paired=True`), which keeps that design; pairing sets that do not share noise
is still a valid bootstrap, only a less efficient one.
"""
from __future__ import annotations

from .bootstrap import Estimate, two_sample_bootstrap
from .metrics import GaussianReference
from .reference import Scores


def compare(a: Scores, b: Scores, gaussian: GaussianReference, resamples: int, seed: int,
            paired: bool) -> dict[str, Estimate]:
    """{"accuracy_difference", "fid_difference"}: a minus b; positive accuracy or negative FID favours a.
    FID is measured against `gaussian` (the real test set's statistics)."""
    correct_a, correct_b = a.correct.astype(float), b.correct.astype(float)
    accuracy = two_sample_bootstrap(lambda i, j: correct_a[i].mean() - correct_b[j].mean(), a.labels, b.labels,
                                    resamples, seed, paired)
    fid = two_sample_bootstrap(lambda i, j: gaussian.fid(a.features[i]) - gaussian.fid(b.features[j]),
                               a.labels, b.labels, resamples, seed, paired)
    return {"accuracy_difference": accuracy, "fid_difference": fid}
