"""CLIP scoring: the in-domain scorer trained here, pretrained open_clip models, and their scores."""
