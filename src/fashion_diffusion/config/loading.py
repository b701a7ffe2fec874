"""Read params.yaml into a validated `Params`; every problem becomes one line naming the dotted key."""

from __future__ import annotations

from pathlib import Path

import yaml
from pydantic import ValidationError

from ..core.errors import InputError
from .schema import Params


class ParamsError(InputError, ValueError):
    """A bad key or value in params.yaml; the message names the dotted key."""


def load_params(path: str | Path = "params.yaml", overrides: dict[str, object] | None = None) -> Params:
    """Parse and validate params.yaml. `overrides` ({"train.lr": 0.1}) replace values first; each
    dotted key must already exist in the file."""
    path = Path(path)
    if not path.is_file():
        raise ParamsError(f"{path}: file not found (run from the repository root)")
    try:
        raw = yaml.safe_load(path.read_text())
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark else ""
        raise ParamsError(f"{path.name}: not valid YAML{where}") from None
    if not isinstance(raw, dict):
        raise ParamsError(f"{path.name}: the top level must be a mapping of sections")
    for dotted, value in (overrides or {}).items():
        set_dotted(raw, dotted, value, path.name)
    return validate(raw, path.name)


def validate(raw: dict, source: str = "params.yaml") -> Params:
    try:
        return Params.model_validate(raw)
    except ValidationError as error:
        raise ParamsError(f"{source}: {describe(error)}") from None


def describe(error: ValidationError) -> str:
    """The first problem of a pydantic error as `key: message (got value)`, on one line."""
    problems = error.errors(include_url=False)
    first = problems[0]
    key = ".".join(str(part) for part in first["loc"])
    message = first["msg"].removeprefix("Value error, ")
    if first["type"] == "missing":
        text = f"{key}: missing (params.yaml must set every key)"
    elif first["type"] == "extra_forbidden":
        text = f"unknown key {key}"
    elif key and key not in message:
        text = f"{key}: {message} (got {_short(first.get('input'))})"
    else:
        text = message
    more = len(problems) - 1
    return text + (f" (and {more} more problem{'s' * (more > 1)})" if more else "")


def _short(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def set_dotted(tree: dict, dotted: str, value: object, source: str = "params.yaml") -> None:
    """tree["a"]["b"] = value for dotted "a.b"; the key must exist (a typo is an error, not a new key)."""
    *parents, leaf = dotted.split(".")
    node = tree
    for key in parents:
        node = node.get(key) if isinstance(node, dict) else None
        if node is None:
            break
    if not isinstance(node, dict) or leaf not in node:
        raise ParamsError(f"{source}: unknown key {dotted}")
    node[leaf] = value


def to_dict(params: Params) -> dict:
    """Params as plain nested dicts and lists (for logging, checkpoints and templates)."""
    return params.model_dump(mode="json")
