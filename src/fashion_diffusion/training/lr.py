"""Learning-rate schedules as multiplicative factors of the peak rate (for torch's LambdaLR)."""
from __future__ import annotations

import math


def warmup_cosine(step: int, warmup: int, total: int) -> float:
    """Linear warm-up over `warmup` steps, then cosine decay to zero at `total`:

        f(s) = (s + 1) / warmup                                  for s < warmup
        f(s) = (1 + cos(pi * min(1, (s - warmup) / (total - warmup)))) / 2   after
    """
    if step < warmup:
        return (step + 1) / warmup
    progress = (step - warmup) / max(1, total - warmup)
    return 0.5 * (1 + math.cos(math.pi * min(1.0, progress)))
