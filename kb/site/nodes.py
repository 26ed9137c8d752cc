"""The plain data a page module computes, for the templates to write as markup (kb/site/templates/).

A page is a list of blocks (headings, paragraphs, tables, lists); the text inside a block is *inline*
content: a string (always written escaped), a node below, or a list of those (written one after the
other). No page module writes a tag or escapes a character: the templates do, with Jinja2's autoescaping.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

# str | int | Node | Markup (an SVG chart) | None | a sequence of those: nested lists make a precise type useless
Inline = Any


class Node:
    """Something the templates write as markup; `kind` names the macro that writes it."""

    kind: ClassVar[str] = ""


# -- inline ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Link(Node):
    """A link to a generated page (`to`: its path under docs/, None for this page), an anchor on it, or a URL."""

    label: Inline
    to: str | None = None
    anchor: str | None = None
    url: str | None = None  # an external http(s) URL (checked by cite.safe_url before it gets here)
    cls: str | None = None
    title: str | None = None
    query: tuple[tuple[str, str], ...] = ()
    download: bool = False  # a file to save (kb.json), not a page to open
    kind: ClassVar[str] = "link"


@dataclass(frozen=True)
class Span(Node):
    """Text with a class (badges, muted text), an optional tooltip and an optional id."""

    content: Inline
    cls: str | None = None
    title: str | None = None
    id: str | None = None
    kind: ClassVar[str] = "span"


@dataclass(frozen=True)
class Strong(Node):
    content: Inline
    kind: ClassVar[str] = "strong"


@dataclass(frozen=True)
class Code(Node):
    content: Inline
    kind: ClassVar[str] = "code"


@dataclass(frozen=True)
class Lines(Node):
    """Pieces on lines of their own (a line break between two)."""

    items: Sequence[Inline]
    kind: ClassVar[str] = "lines"


@dataclass(frozen=True)
class Items(Node):
    """A bulleted list (numbered with `ordered`)."""

    items: Sequence[Inline]
    cls: str | None = None
    ordered: bool = False
    kind: ClassVar[str] = "items"


def joined(items: Sequence[Inline], sep: str = ", ", empty: Inline = "—") -> Inline:
    """Pieces with a separator between them (`empty` when there are none)."""
    items = [i for i in items if i not in (None, "", [])]
    if not items:
        return empty
    out: list[Inline] = []
    for i, item in enumerate(items):
        if i:
            out.append(sep)
        out.append(item)
    return out


# -- blocks ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Heading(Node):
    """A Markdown heading, so MkDocs puts it in the table of contents and search splits sections at it."""

    level: int
    text: str
    id: str
    search: bool = True  # False: left out of the search index (found on a page of its own)
    kind: ClassVar[str] = "heading"


@dataclass(frozen=True)
class Para(Node):
    content: Inline
    cls: str | None = None
    id: str | None = None
    kind: ClassVar[str] = "para"


@dataclass(frozen=True)
class Table(Node):
    """A table in a div of class `cls` (kb-rules, kb-matrix, kb-facts). Search skips every table but the
    fact tables (kb-facts): bulk rule tables matched most queries on most pages; a page is found by its title,
    headings and prose."""

    header: Sequence[Inline]
    rows: Sequence[Sequence[Inline]]
    cls: str = "kb-rules"
    kind: ClassVar[str] = "table"

    @property
    def searched(self) -> bool:
        return "kb-facts" in self.cls.split()


@dataclass(frozen=True)
class Block(Node):
    """A block of inline content in a div (a list, a chart)."""

    content: Inline
    cls: str | None = None
    search: bool = True  # False: left out of the search index (shown in full, and found, on another page)
    kind: ClassVar[str] = "block"


@dataclass(frozen=True)
class Details(Node):
    """A folded block."""

    summary: Inline
    blocks: Sequence[Node] = field(default_factory=list)
    cls: str | None = None
    kind: ClassVar[str] = "details"


@dataclass(frozen=True)
class Fence(Node):
    """Preformatted text (a command's help)."""

    text: str
    kind: ClassVar[str] = "fence"


Blocks = list[Node | None]  # None: a table without rows, left out


def table(header: Sequence[Inline], rows: Sequence[Sequence[Inline]], cls: str = "kb-rules") -> Table | None:
    """A table, or None when it has no rows (the caller says "None." its own way)."""
    rows = list(rows)
    return Table(header, rows, cls) if rows else None
