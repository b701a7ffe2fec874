"""Statistics with no knowledge of the pipeline: bootstrap intervals and metrics (FID, KID, ROC AUC, rank correlation)."""
