"""Turn the generated Markdown tables into HTML before MkDocs sees them, and check their links.

Rule tables hold most of the site's text (every PTP edit with its notes and sources, on every
payer page). Written as HTML they pass through Python-Markdown untouched, which makes the build
several times faster. The renderers still write cells in the small Markdown subset they use —
`[label](page.md#anchor){.class}` links and `**bold**` — and this module converts exactly that:
text from the policies never contains `[`, `]`, `(`, `)` or `*` unescaped (see text.md and
text.attr), so only the renderers' own syntax matches.

MkDocs validates Markdown links; links converted here are collected instead, and the build
checks that each names a page that exists and an id that page has (`check_links`).
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from kb.site import links
from kb.site.text import attr

BLOCK = re.compile(r'<div class="(kb-table[^"]*)"( data-search-exclude)? markdown>\n\n(\|.*?)\n\n</div>', re.DOTALL)
LINK = re.compile(r"\[([^\[\]]*)\]\(([^()\s]*)\)(?:\{\.([a-z0-9-]+)\})?")
BOLD = re.compile(r"\*\*(.+?)\*\*")
IDS = re.compile(r'\sid="([^"]+)"')


@dataclass(frozen=True)
class Link:
    page: str  # the page the link is on (a path under the docs folder)
    target: str  # the page it opens
    anchor: str | None


def _split(row: str) -> list[str]:
    return [cell.strip() for cell in row.strip().strip("|").split("|")]


def inline(cell: str, page: str, found: list[Link]) -> str:
    """The renderers' Markdown subset in one cell, as HTML (relative directory URLs, as MkDocs writes)."""

    def link(match: re.Match[str]) -> str:
        label, target, cls = match.groups()
        path, _, anchor = target.partition("#")
        if path:
            resolved = posixpath.normpath(posixpath.join(posixpath.dirname(page), path))
            href = links.href(page, resolved)
        else:
            resolved, href = page, ""
        found.append(Link(page, resolved, anchor or None))
        href += f"#{anchor}" if anchor else ""
        klass = f' class="{attr(cls)}"' if cls else ""
        return f'<a href="{attr(href)}"{klass}>{label}</a>'

    return BOLD.sub(r"<strong>\1</strong>", LINK.sub(link, cell))


def to_html(markdown_table: str, page: str, found: list[Link]) -> str:
    rows = markdown_table.splitlines()
    header, body = _split(rows[0]), [_split(r) for r in rows[2:]]
    out = ["<table>", "<thead><tr>" + "".join(f"<th>{inline(c, page, found)}</th>" for c in header) + "</tr></thead>",
           "<tbody>"]
    out += ["<tr>" + "".join(f"<td>{inline(c, page, found)}</td>" for c in row) + "</tr>" for row in body]
    out.append("</tbody></table>")
    return "".join(out)


def convert(text: str, page: str, found: list[Link]) -> str:
    """Every generated table of a page as one raw HTML block."""

    def block(match: re.Match[str]) -> str:
        return f'<div class="{match.group(1)}"{match.group(2) or ""}>{to_html(match.group(3), page, found)}</div>'

    return BLOCK.sub(block, text)


def check_links(found: Iterable[Link], source: Path, output: Path) -> list[str]:
    """Problems with converted links: a page that was not generated, or an id the built page lacks."""
    problems = []
    ids: dict[str, set[str]] = {}
    for link in found:
        if not (source / link.target).is_file():
            problems.append(f"{link.page}: link to {link.target}, which is not a page")
            continue
        if not link.anchor:
            continue
        if link.target not in ids:
            built = output / links.url_of(link.target) / "index.html"
            ids[link.target] = set(IDS.findall(built.read_text(encoding="utf-8"))) if built.is_file() else set()
        if link.anchor not in ids[link.target]:
            problems.append(f"{link.page}: link to {link.target}#{link.anchor}, which has no such anchor")
    return sorted(set(problems))
