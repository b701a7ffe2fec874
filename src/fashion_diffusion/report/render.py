"""Fill the report template (`templates/assessment.md.j2`) with the run's typed results."""

from __future__ import annotations

from pathlib import Path

import jinja2

from .format import FILTERS

TEMPLATES = Path(__file__).with_name("templates")


def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(FILTERS)
    env.globals["zip"] = zip
    return env


def render(context: dict, template: str = "assessment.md.j2") -> str:
    """The markdown report; a value the template names but the context lacks is an error."""
    return environment().get_template(template).render(**context)
