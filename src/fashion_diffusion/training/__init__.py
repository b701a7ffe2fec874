"""Training of the denoiser: batches, learning-rate schedules, EMA, resume and the loop."""
