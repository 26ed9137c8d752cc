"""One page per modifier: what it means, which payers require it when, the common mistakes."""

from __future__ import annotations

from typing import Any

from kb.site import charts, cite, links
from kb.site.cells import modifier_link, notes_cell, payer_link, selector_text
from kb.site.context import Page, SiteContext
from kb.site.nodes import Block, Blocks, Heading, Inline, Items, Lines, Link, Para, Span, joined, table
from kb.site.pages.payers import modifier_condition
from kb.site.text import paragraphs, plural


def pages(ctx: SiteContext) -> list[Page]:
    return [index_page(ctx)] + [modifier_page(ctx, mid) for mid in ctx.model["modifiers"]]


def names_in(rule: dict[str, Any]) -> set[str]:
    names = {rule.get("modifier"), *(rule.get("modifiers") or []), *(rule.get("by_plan_of_care") or {}).values(),
             *(rule.get("pairs") or {}).keys(), *(rule.get("pairs") or {}).values()}
    return {n for n in names if n}


def index_page(ctx: SiteContext) -> Page:
    rows = []
    for mid, entry in ctx.model["modifiers"].items():
        rows.append([modifier_link(mid), entry["meaning"], entry["kind"].replace("-", " "),
                     entry.get("discipline") or "—"])
    return Page(links.MODIFIERS, "Modifiers", [
        Heading(1, "Modifiers", "modifiers"),
        Para("The modifiers the knowledge base knows, in our own words. Open one for which payers require it, "
             "when, and the mistakes people make with it."),
        table(["Modifier", "Meaning", "Kind", "Discipline"], rows),
    ])


def modifier_page(ctx: SiteContext, mid: str) -> Page:
    page = links.modifier_page(mid)
    entry = ctx.model["modifiers"][mid]
    out: Blocks = [Para([Link("Modifiers", links.MODIFIERS), f" › {mid}"], cls="kb-crumbs"),
                   Heading(1, f"{mid}: {entry['meaning']}", "")]
    facts: list[list[Inline]] = [["Kind", entry["kind"].replace("-", " ")]]
    if entry.get("discipline"):
        facts.append(["Discipline", entry["discipline"]])
    if entry.get("effective_from"):
        facts.append(["In use", cite.period(entry, ctx.as_of)])
    facts.append(["Source", [cite.grade(entry.get("evidence")), " ", cite.sources(entry.get("sources"))]])
    out.append(table(["", ""], facts, cls="kb-facts"))
    out += [Para(p) for p in paragraphs(entry.get("notes"))]

    out += thresholds(ctx, mid)
    mistakes = entry.get("common_mistakes") or []
    out.append(Heading(2, "Common mistakes", "mistakes"))
    out.append(Block(Items(mistakes)) if mistakes else Para("None recorded yet."))

    out.append(Heading(2, "Which payers ask for it, and when", "payers"))
    out.append(Para("Every payer rule that names this modifier, in every period. Rules a payer inherits unchanged "
                    "are listed once, at the payer that states them, with the payers that inherit them."))
    rows = []
    for pid in ctx.payer_ids:
        for rule in ctx.rules(pid, "modifier_rules"):
            if mid not in names_in(rule) or ctx.origin(pid, "modifier_rules", rule)[0] == "inherited":
                continue
            heirs = [p for p in ctx.payer_ids if p != pid and any(
                r["key"] == rule["key"] and r.get("declared_by") == pid and r.get("effective_from") ==
                rule.get("effective_from") for r in ctx.rules(p, "modifier_rules"))]
            anchor = links.rule_anchor("modifier_rules", rule["key"])
            who: list[Inline] = [payer_link(ctx, pid, anchor)]
            if heirs and len(heirs) == len(ctx.payer_ids) - 1:
                who.append(Lines(["", Span(f"and every other payer ({len(heirs)}), inherited", "kb-heirs")]))
            elif heirs:
                who.append(Lines(["", Span(["and, inherited: ", joined([payer_link(ctx, h) for h in heirs])],
                                           "kb-heirs")]))
            rows.append([who, rule["id"], modifier_condition(ctx, rule), selector_text(rule, ctx),
                         *cite.meta(rule, ctx.as_of), notes_cell(ctx, pid, "modifier_rules", rule, anchor)])
    out.append(table(["Payer", "Rule", "What it asks", "On lines of", *cite.META_HEADER, "Notes"], rows)
               or Para("No payer rule names this modifier."))

    pays = []
    for pid in ctx.payer_ids:
        for rule in ctx.rules(pid, "payment_adjustments"):
            if mid in (rule.get("modifiers") or []) and ctx.origin(pid, "payment_adjustments", rule)[0] != "inherited":
                anchor = links.rule_anchor("payment_adjustments", rule["key"])
                pays.append([payer_link(ctx, pid, anchor), f"{rule['percent']:g} % of payment",
                             *cite.meta(rule, ctx.as_of), notes_cell(ctx, pid, "payment_adjustments", rule, anchor)])
    if pays:
        out.append(Heading(2, "Payment", "payment"))
        out.append(table(["Payer", "Lines with this modifier are paid", *cite.META_HEADER, "Notes"], pays))

    if entry["kind"] == "distinct-service":
        out.append(Heading(2, "Bundling edits it can bypass", "bundling"))
        counts = []
        for pid in ctx.payer_ids:
            edits = [r for r in ctx.rules(pid, "ptp_edits")
                     if r["modifier_indicator"] == 1 and cite.status(r, ctx.as_of) == "in force"]
            counts.append([payer_link(ctx, pid, "bundling"), str(len(edits))])
        out.append(Para("A distinct-service modifier goes on the column 2 code of a PTP edit whose modifier "
                        "indicator is 1, and only when the services really were separate (different session, "
                        f"site or 15-minute interval). Edits with indicator 1 in force on {ctx.as_of}:"))
        out.append(table(["Payer", "Edits it may bypass"], counts))
    return Page(page, f"{mid} {entry['meaning']}", [b for b in out if b is not None], boost=3)


def thresholds(ctx: SiteContext, mid: str) -> Blocks:
    """For a modifier that marks a dollar threshold (KX): the amounts by year and group, as a table and a chart."""
    rows = charts.threshold_table(ctx, mid)
    if not rows:
        return []
    pid = rows[0][0]
    groups = sorted({g for _, _, amounts in rows for g in amounts})
    this_year = next((amounts for _, year, amounts in rows if year == ctx.as_of.year), None)
    now = ("" if this_year is None else f" In {ctx.as_of.year}: "
           + "; ".join(f"{g} ${a:,.0f}" for g, a in sorted(this_year.items())) + ".")
    chart = charts.threshold_history(ctx, mid)
    return [b for b in [
        Heading(2, f"{mid} threshold amounts by year", "amounts"),
        Para([f"The amount of allowed charges a year after which {ctx.name(pid)} wants {mid} on the line, by "
              "calendar year and group (", Link("every amount with its sources", links.payer_page(pid), "thresholds"),
              f").{now}"]),
        table(["Year", *groups], [[str(year), *[f"${amounts[g]:,.0f}" if g in amounts else "—" for g in groups]]
                                  for _, year, amounts in rows], cls="kb-facts kb-amounts"),
        Block(chart) if chart else None] if b is not None]


__all__ = ["names_in", "pages", "plural"]
