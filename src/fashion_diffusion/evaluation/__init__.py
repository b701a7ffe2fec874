"""Measuring the generator with the independent judge: FID, accuracy, and the studies built on them."""
