"""Check the links the templates wrote (MkDocs validates only Markdown links): each must name a page or file
the build generated, and an id that page has once MkDocs has built it."""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

from kb.site import links
from kb.site.templates import LinkUse

IDS = re.compile(r'\sid="([^"]+)"')


def check_links(found: Iterable[LinkUse], source: Path, output: Path) -> list[str]:
    """Problems with the links: a page that was not generated, or an id the built page lacks."""
    problems = []
    ids: dict[str, set[str]] = {}
    for link in set(found):
        if not (source / link.target).is_file():
            problems.append(f"{link.page}: link to {link.target}, which is not a page")
            continue
        if not link.anchor or not link.target.endswith(".md"):
            continue
        if link.target not in ids:
            built = output / links.url_of(link.target) / "index.html"
            ids[link.target] = set(IDS.findall(built.read_text(encoding="utf-8"))) if built.is_file() else set()
        if link.anchor not in ids[link.target]:
            problems.append(f"{link.page}: link to {link.target}#{link.anchor}, which has no such anchor")
    return sorted(set(problems))
