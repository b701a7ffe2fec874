import subprocess
import sys

import pytest

from fashion_diffusion.evaluation.cost import flops_per_image
from fashion_diffusion.model.unet import UNet


def test_peak_rss_counts_this_program_not_its_parent():
    code = (
        "import numpy as np; from fashion_diffusion.evaluation.cost import peak_rss_mib; "
        "before = peak_rss_mib(); x = np.ones(50_000_000); x += 1; print(peak_rss_mib() - before)"
    )
    grown = float(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout)
    assert grown == pytest.approx(381, abs=60)  # 50M float64 = 381 MiB


def test_flops_per_image_scale_with_the_number_of_pixels(tiny_config):
    model = UNet(tiny_config)
    small, large = flops_per_image(model, (1, 8, 8)), flops_per_image(model, (1, 16, 16))
    assert small > 0
    assert 3.5 < large / small < 4.1  # convolutions dominate and cost in proportion to pixels
