"""Where each generated page lives, and relative links between pages (MkDocs checks every one)."""

from __future__ import annotations

import posixpath
import re
from functools import lru_cache
from urllib.parse import urlencode

from kb.site.nodes import Link
from kb.site.text import slug

HOME = "index.md"
PAYERS = "payers/index.md"
CODES = "codes/index.md"
MODIFIERS = "modifiers/index.md"
COMPARE = "compare.md"
CHANGES = "changes.md"
METHODS = "methods.md"
SOURCES = "sources.md"
CALCULATOR = "calculator/index.md"
MAINTAINERS = "maintainers.md"
DEVELOPERS = "developers.md"

_SAFE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]*$")


def _checked(kind: str, ident: str) -> str:
    if not _SAFE_ID.match(ident):
        raise ValueError(f"{kind} id {ident!r} cannot name a page")
    return ident


def payer_page(payer: str) -> str:
    return f"payers/{_checked('payer', payer)}.md"


def code_page(code: str) -> str:
    return f"codes/{_checked('code', code)}.md"


def modifier_page(modifier: str) -> str:
    return f"modifiers/{_checked('modifier', modifier)}.md"


def url_of(page: str) -> str:
    """The directory URL MkDocs gives a page (use_directory_urls): codes/97112.md -> codes/97112/."""
    if page == "index.md":
        return ""
    if page.endswith("/index.md"):
        return page[: -len("index.md")]
    return page[: -len(".md")] + "/"


def href(from_page: str, to_page: str, query: dict[str, str] | list[tuple[str, str]] | None = None) -> str:
    """A URL for a raw HTML link (MkDocs does not rewrite those): relative between built pages."""
    return _href(from_page, to_page) + ("?" + urlencode(query) if query else "")


@lru_cache(maxsize=16384)
def _href(from_page: str, to_page: str) -> str:
    here = url_of(from_page).rstrip("/") or "."
    target = url_of(to_page).rstrip("/") or "."
    path = posixpath.relpath(target, here)
    return "./" if path == "." else path + "/"


def calculator_link(label: str, payer: str, day: str, minutes: list[tuple[str, int]],
                    state: str | None = None) -> Link:
    """A link that opens the calculator on one visit."""
    query: list[tuple[str, str]] = [("payer", payer), ("date", day)]
    if state:
        query.append(("state", state))
    query += [(code, str(m)) for code, m in minutes]
    return Link(label, CALCULATOR, query=tuple(query))


def rule_anchor(section: str, key: str) -> str:
    """The id of a rule's row on its payer page."""
    prefix = {
        "unit_methods": "units-rule", "code_rules": "code", "modifier_rules": "modifier-rule", "ptp_edits": "ptp",
        "mues": "mue", "thresholds": "threshold", "payment_adjustments": "payment", "visit_rules": "visit-rule",
    }[section]
    return f"{prefix}-{slug(key)}"


def doc_anchor(doc_id: str) -> str:
    return f"doc-{slug(doc_id)}"
