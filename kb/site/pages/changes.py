"""What changed: every rule's start and end dates, newest first (upcoming changes on top)."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from kb.rules import SECTIONS
from kb.ruletext import describe
from kb.site import cite, links
from kb.site.cells import payer_link
from kb.site.context import Page, SiteContext
from kb.site.nodes import Blocks, Heading, Inline, Link, Para, Span, Table, joined, table
from kb.site.text import plural

PAGE = links.CHANGES


def events(ctx: SiteContext) -> list[tuple[str, str, str, dict[str, Any], list[str]]]:
    """(date, kind, section, rule, heirs) for each start and end of a rule, at the payer that states it."""
    found = []
    for pid in ctx.payer_ids:
        for section in SECTIONS:
            for rule in ctx.rules(pid, section):
                if rule.get("declared_by", pid) != pid:
                    continue
                heirs = [p for p in ctx.payer_ids if p != pid and any(
                    r is not rule and r["key"] == rule["key"] and r.get("declared_by") == pid
                    and r.get("effective_from") == rule.get("effective_from") for r in ctx.rules(p, section))]
                rule = {**rule, "_payer": pid}
                if rule.get("effective_from"):
                    found.append((rule["effective_from"], "starts", section, rule, heirs))
                if rule.get("effective_to") and section != "thresholds":  # a year's amount ends with its year
                    found.append((rule["effective_to"], "ends", section, rule, heirs))
    found.sort(key=lambda e: (e[0], e[1] == "starts", e[3]["_payer"], e[3]["key"]), reverse=True)
    return found


def pages(ctx: SiteContext) -> list[Page]:
    today = ctx.as_of.isoformat()
    all_events = events(ctx)
    by_year: dict[str, list[Any]] = defaultdict(list)
    upcoming = []
    for ev in all_events:
        if ev[0] > today:
            upcoming.append(ev)
        else:
            by_year[ev[0][:4]].append(ev)
    out: Blocks = [
        Heading(1, "What changed", ""),
        Para(f"Every rule in the knowledge base by the date it took effect or ended, newest first "
             f"({plural(len(all_events), 'change')}). A rule is listed once, at the payer that states it; payers "
             "that inherit it are named beside it. The dates are dates of service: a claim is judged by the rules in "
             f"force on the day the service was given. Judged on {today}."),
        Para(["Be told when a rule changes: subscribe to the ",
              Link("Atom feed of every change", "feeds/changes.xml", cls="kb-feed"),
              " in a feed reader (or to one payer's feed, linked from its page)."], cls="kb-follow"),
    ]
    years = sorted(by_year, reverse=True)
    if years:
        out.append(Para(["Jump to: ", joined(([Link("Upcoming", anchor="upcoming")] if upcoming else [])
                                             + [Link(y, anchor=f"year-{y}") for y in years], " · ")]))
    if upcoming:
        out.append(Heading(2, "Upcoming", "upcoming"))
        out.append(rows_table(ctx, upcoming))
    for year in years:
        out.append(Heading(2, year, f"year-{year}"))
        out.append(rows_table(ctx, by_year[year]))
    return [Page(PAGE, "What changed", [b for b in out if b is not None], feed="feeds/changes.xml")]


def rows_table(ctx: SiteContext, evs: list[Any]) -> Table | None:
    rows: list[list[Inline]] = []
    for day, kind, section, rule, heirs in evs:
        pid = rule["_payer"]
        who: list[Inline] = [payer_link(ctx, pid)]
        if heirs:
            who += [" ", Span(f"(+{plural(len(heirs), 'payer')} inheriting it)", "kb-heirs",
                              ", ".join(ctx.name(h) for h in heirs))]
        where = f" (only in {', '.join(rule['jurisdiction'])})" if rule.get("jurisdiction") else ""
        what = [Link(describe(section, rule), links.payer_page(pid), links.rule_anchor(section, rule["key"])), where]
        rows.append([day, Span(kind, f"kb-{kind}"), what, who, cite.grade(rule.get("evidence")),
                     cite.sources(rule.get("sources"))])
    return table(["Date", "Change", "Rule", "Payer", "Evidence", "Source"], rows, cls="kb-rules kb-changes")
