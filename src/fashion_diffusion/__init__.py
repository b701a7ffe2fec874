"""fashion-diffusion: a tracked class-conditional diffusion pipeline on Fashion-MNIST."""
