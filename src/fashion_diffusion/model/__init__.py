"""The denoiser (U-Net and its ablation variants), the noise schedule and the samplers."""
