"""The names of the samplers (what `model.samplers.sample` accepts), importable without torch."""

SAMPLERS = ("ddim", "ddpm", "dpmpp_2m", "dpmpp_2m_sde")
