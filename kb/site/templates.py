"""Jinja2 writes every generated file: the pages (page.md.j2 with the macros of macros.html), the charts
and the Atom feeds. Autoescaping is on and undefined values fail: text from the policies is always written
as text.

A generated page is Markdown headings (MkDocs builds the table of contents and the search sections from
them) around HTML blocks the templates write; Python-Markdown passes those blocks through untouched.
Links between pages are written as relative URLs and collected (`LinkUse`), so the build can check that each
names a page that exists and an id it has (MkDocs checks only Markdown links).
"""

from __future__ import annotations

import html
import posixpath
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any
from urllib.parse import urlencode

import jinja2
from markupsafe import Markup, escape

from kb.site import links
from kb.site.nodes import Link, Node

# Characters Python-Markdown reads as syntax in a heading's text (its ESCAPED_CHARS): each gets a backslash.
_MD_SPECIAL = str.maketrans({c: "\\" + c for c in "\\`*_{}[]()#+-.!"} | {"\r": " ", "\n": " ", "\t": " "})


def mdtext(value: Any) -> Markup:
    """Text for a Markdown line (a heading): Markdown syntax backslash-escaped, then HTML-escaped."""
    return escape(("" if value is None else str(value)).translate(_MD_SPECIAL))


@cache
def environment() -> jinja2.Environment:
    """Templates from kb/site/templates, escaped for HTML, XML and SVG, strict about undefined names."""
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("kb.site", "templates"),
        autoescape=jinja2.select_autoescape(["html", "xml", "svg", "md.j2"]),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
    )
    env.filters["mdtext"] = mdtext
    env.filters["html_escape"] = html.escape  # for YAML front matter: not Markup, so tojson escapes it again
    return env


def render(name: str, **values: Any) -> str:
    """One template, filled."""
    return environment().get_template(name).render(**values)


@dataclass(frozen=True)
class LinkUse:
    page: str  # the page the link is on (a path under the docs folder)
    target: str  # the page or file it opens
    anchor: str | None


class Writer:
    """Writes the blocks of one page (`here`, a path under the docs folder) and collects its links."""

    def __init__(self, here: str, found: list[LinkUse]):
        self.here = here
        self.found = found

    def href(self, link: Link) -> str:
        if link.url is not None:
            return link.url
        target = link.to or self.here
        if link.to is None:
            path = ""
        elif target.endswith(".md"):
            path = links.href(self.here, target)
        else:  # a file the build writes (a feed, kb.json): relative to the page's directory URL
            here_dir = links.url_of(self.here).rstrip("/") or "."
            path = posixpath.relpath(target, here_dir)
        self.found.append(LinkUse(self.here, target, link.anchor))
        query = ("?" + urlencode(list(link.query))) if link.query else ""
        return path + query + (f"#{link.anchor}" if link.anchor else "")

    def page(self, page: Any) -> str:
        """A whole page (front matter and blocks) from a context.Page."""
        return render("page.md.j2", page=page, href=self.href)

    def blocks(self, blocks: Sequence[Node | None]) -> str:
        """Blocks alone (a fragment of a hand-written page)."""
        return render("fragment.md.j2", blocks=[b for b in blocks if b is not None], href=self.href)
