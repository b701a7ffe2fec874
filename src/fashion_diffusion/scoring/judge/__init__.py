"""The independent judge: a CNN classifier trained on real images only, never on samples."""
