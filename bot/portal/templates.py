"""Page rendering: Jinja2 with autoescaping always on, so people's words stay text."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from sanic.response import HTTPResponse, html

_env = Environment(
    loader=FileSystemLoader(Path(__file__).with_name("templates")),
    autoescape=select_autoescape(default=True, default_for_string=True),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


def render(name: str, status: int = 200, **context: Any) -> HTTPResponse:
    return html(_env.get_template(name).render(**context), status=status)
