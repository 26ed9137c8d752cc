"""Jinja2 for the files the site generates as markup (the Atom feeds): autoescaping on, undefined values fail."""

from __future__ import annotations

from functools import cache
from typing import Any

import jinja2


@cache
def environment() -> jinja2.Environment:
    """Templates from kb/site/templates, escaped for HTML, XML and SVG, strict about undefined names."""
    return jinja2.Environment(
        loader=jinja2.PackageLoader("kb.site", "templates"),
        autoescape=jinja2.select_autoescape(["html", "xml", "svg"]),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
    )


def render(name: str, **values: Any) -> str:
    """One template, filled."""
    return environment().get_template(name).render(**values)
