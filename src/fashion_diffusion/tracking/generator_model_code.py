"""The file MLflow runs to rebuild the generator model when it loads it ("models from code": the
model holds this code and the fashion_diffusion package, never a pickle that could run code)."""

from mlflow.models import set_model

from fashion_diffusion.tracking.generator_model import DiffusionGenerator

set_model(DiffusionGenerator())
