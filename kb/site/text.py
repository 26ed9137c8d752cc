"""Escaping and small formatting helpers: every string that comes from YAML goes through `md` or `attr`.

Generated pages are Markdown. Text from the policies is written with every character that Markdown
or HTML could read as syntax replaced by a numeric character reference (`<` -> `&#60;`), so a
`<script>` in a note, an `onerror=` in a title or a `*` in a summary shows as text. Attributes of
the few raw HTML tags the renderers write go through `attr`; URLs through `safe_url`.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

# Characters that may stay as they are in Markdown inline text. Everything else in ASCII
# punctuation becomes a numeric character reference; so do control characters.
_PLAIN = set(" ,;:/%@?'\"$.-()=+") | set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
_SLUG = re.compile(r"[^a-z0-9]+")
_ATTR = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;",
                       **{ch: f"&#{ord(ch)};" for ch in "[]()*_`\\{}|!^~#\r\n\t"}})
# md(): line breaks -> spaces, every other ASCII character outside _PLAIN -> a numeric reference
_MD_TABLE = str.maketrans({
    chr(i): (" " if chr(i) in "\r\n\t" else f"&#{i};") for i in range(128) if chr(i) not in _PLAIN
})


def md(value: Any) -> str:
    """Text from the policies, safe inside Markdown and HTML: syntax characters become `&#NN;`.

    Line breaks become spaces, so a cell or a line stays one line. Use `md_block` for text that
    starts a line.
    """
    return _md("" if value is None else str(value))


@lru_cache(maxsize=65536)
def _md(text: str) -> str:
    out = text.translate(_MD_TABLE)
    if not out.isascii():
        out = "".join(ch if ch.isprintable() or ch.isascii() else f"&#{ord(ch)};" for ch in out)
    return out


def md_block(value: Any) -> str:
    """Like `md`, for text that starts a line: a leading digit or punctuation is escaped too, so the
    text never starts a list, a heading, a quote or a definition."""
    text = md(str(value if value is not None else "").lstrip())
    if text and not text[0].isalpha() and text[0] != "&":
        text = f"&#{ord(text[0])};" + text[1:]
    return text


def attr(value: Any) -> str:
    """A value for an HTML attribute (always write it inside double quotes).

    Besides HTML's own escapes, Markdown's inline syntax is escaped too: Python-Markdown runs its
    link and emphasis patterns before it sets raw HTML aside, so a `[x](y)` inside an attribute
    would otherwise become an <a href="y"> there and break out of the quotes.
    """
    return ("" if value is None else str(value)).translate(_ATTR)


def safe_url(url: Any) -> str | None:
    """An external URL fit for href, or None: only http(s), no whitespace or quotes."""
    if not isinstance(url, str) or not re.match(r"^https?://[^\s\"'<>`]+$", url):
        return None
    return url


def slug(value: Any) -> str:
    """An anchor-safe id part: lower case letters, digits and single hyphens."""
    return _SLUG.sub("-", str(value).lower()).strip("-") or "x"


def paragraphs(value: Any) -> str:
    """Multi-paragraph text from the policies (blank lines separate paragraphs), escaped."""
    text = "" if value is None else str(value)
    parts = [p.strip() for p in re.split(r"\n\s*\n", text) if p.strip()]
    return "\n\n".join(md_block(p) for p in parts)


def front_matter(title: str, hide: Iterable[str] = (), feed: str | None = None, boost: float | None = None) -> str:
    """The YAML front matter of a generated page (`hide`: Material's navigation/toc switches).

    Themes print `page.title` into <title> and the header without escaping it, so the title is
    HTML-escaped here (the browser shows `<` for `&lt;`).
    """
    text = "---\ntitle: " + json.dumps(html.escape(title, quote=True)) + "\n"
    if feed:
        text += "feed: " + json.dumps(feed) + "\n"
    if boost is not None:
        text += f"search:\n  boost: {boost:g}\n"
    hidden = list(hide)
    if hidden:
        text += "hide:\n" + "".join(f"  - {h}\n" for h in hidden)
    return text + "---\n\n"


def plural(n: int, word: str, many: str | None = None) -> str:
    return f"{n} {word if n == 1 else (many or word + 's')}"


def join(items: Iterable[str], sep: str = ", ", empty: str = "—") -> str:
    items = [i for i in items if i]
    return sep.join(items) if items else empty


def table(header: list[str], rows: Iterable[list[str]], cls: str = "kb-rules") -> str:
    """A Markdown table; cells are already-rendered Markdown (escape text with `md` first).

    The table is wrapped in a div of class `cls` (kb-rules, kb-matrix, kb-facts) for styling. Search skips
    every table but the small fact tables (kb-facts): bulk rule tables matched most queries on most pages and
    made the index heavy; a page is found by its title, headings and prose.
    """
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    count = 0
    for row in rows:
        cells = [c.replace("\n", " ") if c else " " for c in row]
        lines.append("| " + " | ".join(cells) + " |")
        count += 1
    if not count:
        return ""
    body = "\n".join(lines)
    skip = "" if "kb-facts" in cls.split() else " data-search-exclude"
    return f'<div class="kb-table {attr(cls)}"{skip} markdown>\n\n{body}\n\n</div>'
