"""The two judges of generated images: CLIP-style scorers and the independent classifier."""
