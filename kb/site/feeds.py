"""Change alerts: "What changed" as Atom feeds, one for every payer and one for all of them.

An entry is one rule starting or ending (as on the What changed page). A payer's feed also carries the
rules it inherits, since they change what its claims need. Every value is computed from the knowledge
base, so the same policies give the same feed bytes: an entry's `updated` is the day the change takes
effect, or for a change still ahead, the day its source was read (when the knowledge base learned of it).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

from kb.ruletext import describe
from kb.site import links, templates
from kb.site.context import SiteContext
from kb.site.pages.changes import events

FOLDER = "feeds"
ALL = "changes"
TAG = "tag:payer-policy-kb,2026:"
LIMIT = 100  # entries a feed carries, newest first: a reader wants news; What changed keeps the whole history


@dataclass(frozen=True)
class Entry:
    id: str
    title: str
    updated: str
    href: str
    section: str
    summary: str


@dataclass(frozen=True)
class Feed:
    id: str
    title: str
    subtitle: str
    updated: str
    author: str
    self_href: str
    page_href: str
    entries: tuple[Entry, ...]


def feed_path(name: str) -> str:
    """Where a feed lives under the docs folder: feeds/medicare.xml, feeds/changes.xml."""
    return f"{FOLDER}/{name}.xml"


def _stamp(day: str) -> str:
    return f"{day}T00:00:00Z"


def _entry(ctx: SiteContext, event: tuple[str, str, str, dict[str, Any], list[str]]) -> Entry:
    day, kind, section, rule, heirs = event
    pid = rule["_payer"]
    today = ctx.as_of.isoformat()
    learned = max((str(s["read"]) for s in rule.get("sources", []) if s.get("read")), default=today)
    what = describe(section, rule)
    where = f" (only in {', '.join(rule['jurisdiction'])})" if rule.get("jurisdiction") else ""
    span = f"in force from {rule.get('effective_from') or '?'}" + (
        f" to {rule['effective_to']}" if rule.get("effective_to") else "")
    sources = "; ".join(str(s.get("title") or s.get("document") or "") for s in rule.get("sources", []))
    summary = (f"{ctx.name(pid)}: {what}{where} {kind} on {day} ({span}; evidence {rule.get('evidence', 'none')})."
               + (f" Also applies to {', '.join(ctx.name(h) for h in heirs)}, which inherit it." if heirs else "")
               + (f" Sources: {sources}." if sources else ""))
    anchor = links.rule_anchor(section, rule["key"])
    return Entry(
        id=TAG + "/".join(quote(str(part), safe="-._") for part in (pid, section, rule["key"], kind, day)),
        title=f"{ctx.name(pid)}: {what}{where} {kind} {day}",
        updated=_stamp(day if day <= today else max(learned, min(today, day))),
        href="../" + links.url_of(links.payer_page(pid)) + "#" + anchor,
        section=section,
        summary=summary,
    )


def feeds(ctx: SiteContext) -> dict[str, Feed]:
    """Every feed by file name (without .xml): one per payer and `changes` for all."""
    found = events(ctx)
    entries = [(ev, _entry(ctx, ev)) for ev in found]

    def feed(name: str, title: str, subtitle: str, page: str, chosen: list[Entry]) -> Feed:
        chosen = chosen[:LIMIT]
        updated = max((e.updated for e in chosen), default=_stamp(ctx.as_of.isoformat()))
        return Feed(id=TAG + f"feed/{name}", title=title, subtitle=subtitle, updated=updated,
                    author="payer-policy-kb", self_href=f"{name}.xml", page_href="../" + links.url_of(page),
                    entries=tuple(chosen))

    out = {ALL: feed(ALL, "Therapy billing rules: what changed",
                     "Every rule of every payer in the knowledge base, by the date it took effect or ended "
                     f"(the newest {LIMIT}; the What changed page has them all).",
                     links.CHANGES, [e for _, e in entries])}
    for pid in ctx.payer_ids:
        mine = [e for ev, e in entries if ev[3]["_payer"] == pid or pid in ev[4]]
        out[pid] = feed(pid, f"{ctx.name(pid)}: what changed",
                        f"The therapy billing rules of {ctx.name(pid)} (its own and those it inherits), by the date "
                        f"they took effect or ended (the newest {LIMIT}).", links.payer_page(pid), mine)
    return out


def write(ctx: SiteContext, docs: Path) -> int:
    """Write every feed into docs/feeds/; returns how many."""
    folder = docs / FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    made = feeds(ctx)
    for name, feed in made.items():
        (folder / f"{name}.xml").write_text(templates.render("atom.xml", feed=feed), encoding="utf-8")
    return len(made)
