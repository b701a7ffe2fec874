"""Load the scorer that `clip.model` names: the in-domain one, or an open_clip architecture with
pretrained weights (a tag, downloaded by open_clip, or a local state-dict file)."""

from __future__ import annotations

from pathlib import Path

import open_clip
import torch

from ...config.schema import open_clip_problem
from ...core.artifacts import REFUSED, refused_pickle
from ...core.errors import InputError
from .in_domain import TRAINED_SCORER, load_trained
from .scorer import Scorer

HOW_TO_PROVIDE = "download the checkpoint elsewhere and set clip.pretrained: /path/to/file.pt"


class ScorerError(InputError, RuntimeError):
    """A scorer whose weights cannot be obtained; the one-line message says how to provide them."""


def load_scorer(
    model: str, pretrained: str, device: torch.device | str, trained_path: str | Path = TRAINED_SCORER
) -> Scorer:
    """`model == "trained"`: the in-domain scorer at trained_path. Otherwise an open_clip
    architecture name with `pretrained` a tag or a local state-dict file.
    Raises ScorerError, with a one-line message, when the weights cannot be obtained; a file
    holding pickled objects other than tensors (one that could run code) is refused unread."""
    if model == "trained":
        clip_model, arch = load_trained(trained_path, device)
        return Scorer(clip_model, open_clip.tokenizer.SimpleTokenizer(context_length=arch["context_length"]), device)
    problem = open_clip_problem(model, pretrained)
    if problem:
        raise ScorerError(f"{problem}; {HOW_TO_PROVIDE}")
    is_tag = pretrained in open_clip.list_pretrained_tags_by_model(model)
    try:
        clip_model = open_clip.create_model(
            model, pretrained=pretrained, device=device, require_pretrained=True, weights_only=True
        )
        tokenizer = open_clip.get_tokenizer(model)
    except Exception as error:  # a failed download, a damaged or foreign file: many types, from open_clip and torch
        if refused_pickle(error):
            raise ScorerError(f"clip.pretrained: {pretrained}: {REFUSED}") from None
        reason = (str(error).splitlines() or [type(error).__name__])[0][:200]
        problem = (
            f"could not download the {pretrained!r} weights for {model} (offline?)"
            if is_tag
            else f"{pretrained} does not hold {model} weights ({reason})"
        )
        raise ScorerError(f"clip.pretrained: {problem}; {HOW_TO_PROVIDE}") from None
    return Scorer(clip_model, tokenizer, device)
