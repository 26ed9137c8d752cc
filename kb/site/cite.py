"""How a rule shows where it comes from: evidence grade, effective dates, sources (as nodes for the templates)."""

from __future__ import annotations

from datetime import date
from typing import Any

from kb.rules import in_force, parse_date
from kb.site import links
from kb.site.nodes import Inline, Lines, Link, Span, joined
from kb.site.text import safe_url

GRADES = {
    "primary": "the payer's own manual, policy, fee schedule or rule (for Medicare: CMS manuals, NCCI files and "
               "policy manual, the Federal Register)",
    "bulletin": "the payer's news item, bulletin or provider notice",
    "secondary": "an association, consultant, vendor or other third party reporting the rule",
}


def grade(evidence: Any) -> Span:
    """The evidence badge: primary, bulletin or secondary, with its meaning as a tooltip."""
    ev = str(evidence or "unknown")
    meaning = GRADES.get(ev, "no grade given")
    cls = ev if ev in GRADES else "unknown"
    return Span(ev, f"kb-ev kb-ev-{cls}", f"{ev}: {meaning}")


# effective_from_basis -> (what follows the date, the tooltip)
BASIS = {
    "earliest-evidence": ("or earlier", "the earliest date our sources show it in force; it may be older"),
    "assumed": ("(assumed)", "no source dates the start: a date chosen by convention, see the notes"),
}


def status(rule: dict[str, Any], day: date) -> str:
    """'in force', 'ended' or 'upcoming' on a day."""
    start = parse_date(rule.get("effective_from"))
    end = parse_date(rule.get("effective_to"))
    if start is not None and day < start:
        return "upcoming"
    if end is not None and day > end:
        return "ended"
    return "in force"


def period(rule: dict[str, Any], day: date) -> list[Inline]:
    """The effective dates, with the status on `day`: '2024-07-01 →', '2015-01-01 – 2019-12-31 (ended)'."""
    start = str(rule.get("effective_from") or "?")
    end = rule.get("effective_to")
    shown: Inline = start
    basis = BASIS.get(rule.get("effective_from_basis", "stated"))
    if basis:
        suffix, why = basis
        shown = Span(f"{start} {suffix}", "kb-basis", why)
    out: list[Inline] = [shown, f" – {end}"] if end else ["from ", shown]
    state = status(rule, day)
    if state != "in force":
        out += [" ", Span(state, f"kb-{state}")]
    places = rule.get("jurisdiction")
    if places:
        out.append(Lines(["", Span(f"only in {', '.join(places)}", "kb-where")]))
    return out


def in_force_on(rule: dict[str, Any], day: date) -> bool:
    return in_force(rule, day)


def _short_publisher(src: dict[str, Any]) -> str:
    publisher = str(src.get("publisher") or "")
    if "(" in publisher:
        publisher = publisher.split("(")[0].strip()
    return publisher


def source(src: dict[str, Any]) -> list[Inline]:
    """One source: 'CMS · §20.2 C' linking to the document (its URL, else its entry on the sources page),
    and 'about' linking to the document's entry on the sources page."""
    title = str(src.get("title") or src.get("document") or "source")
    publisher = _short_publisher(src)
    section = src.get("section")
    label_parts = [publisher] if publisher else []
    short_title = title if len(title) <= 70 else title[:67].rstrip() + "…"
    label_parts.append(str(section) if section else short_title)
    label = " · ".join(label_parts)
    tip = title + (f" — {section}" if section else "") + (f" (read {src['read']}" if src.get("read") else "")
    if src.get("read"):
        tip += f"; last checked {src.get('last_verified') or src['read']})"
    url = safe_url(src.get("url"))
    about = Link("about", links.SOURCES, links.doc_anchor(src["doc"]), cls="kb-doc") if src.get("doc") else None
    if url:
        return [Link(label, url=url, cls="kb-src", title=tip), *([" ", about] if about else [])]
    if src.get("doc"):
        return [Link(label, links.SOURCES, links.doc_anchor(src["doc"]))]
    return [Span(label, "kb-src", tip)]


def sources(srcs: list[dict[str, Any]] | None, sep: str | None = None) -> Inline:
    """Every source of a rule, one per line (or on one line, `sep` between two)."""
    if not srcs:
        return Span("no source", "kb-missing")
    return Lines([source(s) for s in srcs]) if sep is None else joined([source(s) for s in srcs], sep)


def meta(rule: dict[str, Any], day: date) -> list[Inline]:
    """The cell every rule row ends with: the dates in force and the evidence grade, then the sources."""
    return [[period(rule, day), " ", grade(rule.get("evidence")), Lines(["", sources(rule.get("sources"))])]]


META_HEADER = ["In force · evidence · source"]
