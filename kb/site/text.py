"""Small text helpers of the page modules: anchors, plurals, paragraphs, safe URLs. Nothing here escapes:
the templates do (kb/site/templates.py)."""

from __future__ import annotations

import re
from typing import Any

_SLUG = re.compile(r"[^a-z0-9]+")


def safe_url(url: Any) -> str | None:
    """An external URL fit for href, or None: only http(s), no whitespace or quotes."""
    if not isinstance(url, str) or not re.match(r"^https?://[^\s\"'<>`]+$", url):
        return None
    return url


def slug(value: Any) -> str:
    """An anchor-safe id part: lower case letters, digits and single hyphens."""
    return _SLUG.sub("-", str(value).lower()).strip("-") or "x"


def paragraphs(value: Any) -> list[str]:
    """Multi-paragraph text from the policies (blank lines separate paragraphs), one string each."""
    text = "" if value is None else str(value)
    return [" ".join(p.split()) for p in re.split(r"\n\s*\n", text) if p.strip()]


def plural(n: int, word: str, many: str | None = None) -> str:
    return f"{n} {word if n == 1 else (many or word + 's')}"
