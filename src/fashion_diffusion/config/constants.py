"""Facts the params schema checks values against, importable without torch: the Fashion-MNIST classes,
image side and split sizes, and the number of training steps a recipe runs. `data.fashion_mnist` and
`training.batches` re-import them from here."""

from __future__ import annotations

CLASS_NAMES = ["t-shirt", "trouser", "pullover", "dress", "coat", "sandal", "shirt", "sneaker", "bag", "ankle boot"]
SPLIT_SIZES = {"train": 60_000, "test": 10_000}
IMAGE_SIDE = 28  # every image is IMAGE_SIDE x IMAGE_SIDE pixels


def steps_per_epoch(n_images: int, batch_size: int) -> int:
    return max(1, n_images // batch_size)


def total_steps(epochs: int, max_steps: int, n_images: int, batch_size: int) -> int:
    steps = epochs * steps_per_epoch(n_images, batch_size)
    return min(steps, max_steps) if max_steps > 0 else steps
