"""Measuring the generator with the independent judge: sample sets, the judge's reference, paired comparisons and
costs shared by the studies."""
