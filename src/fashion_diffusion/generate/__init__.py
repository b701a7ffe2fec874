"""Images on request from a trained denoiser: the `fashion-diffusion generate` command and what it
shares with the MLflow model (`tracking.generator_model`).

Modules: `requests` (class names, counts, seeds, checked), `generator` (the loaded model that makes
the images), `source` (models/diffusion.pt or an MLflow model URI), `files` (PNG grid, .npz),
`command` (the command line).
"""
