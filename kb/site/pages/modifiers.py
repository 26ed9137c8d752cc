"""One page per modifier: what it means, which payers require it when, the common mistakes."""

from __future__ import annotations

from typing import Any

from kb.site import charts, cite, links
from kb.site.cells import modifier_link, notes_cell, payer_link, selector_text
from kb.site.context import Page, SiteContext
from kb.site.pages.payers import modifier_condition
from kb.site.text import md, md_block, paragraphs, plural, table


def pages(ctx: SiteContext) -> list[Page]:
    return [index_page(ctx)] + [modifier_page(ctx, mid) for mid in ctx.model["modifiers"]]


def names_in(rule: dict[str, Any]) -> set[str]:
    names = {rule.get("modifier"), *(rule.get("modifiers") or []), *(rule.get("by_plan_of_care") or {}).values(),
             *(rule.get("pairs") or {}).keys(), *(rule.get("pairs") or {}).values()}
    return {n for n in names if n}


def index_page(ctx: SiteContext) -> Page:
    page = links.MODIFIERS
    rows = []
    for mid, entry in ctx.model["modifiers"].items():
        rows.append([modifier_link(page, mid), md(entry["meaning"]), md(entry["kind"].replace("-", " ")),
                     md(entry.get("discipline") or "—")])
    body = ("The modifiers the knowledge base knows, in our own words. Open one for which payers require it, "
            "when, and the mistakes people make with it.\n\n"
            + table(["Modifier", "Meaning", "Kind", "Discipline"], rows))
    return Page(page, "Modifiers", "# Modifiers\n\n" + body + "\n")


def modifier_page(ctx: SiteContext, mid: str) -> Page:
    page = links.modifier_page(mid)
    entry = ctx.model["modifiers"][mid]
    out = [f"[Modifiers]({links.rel(page, links.MODIFIERS)}) › {md(mid)}\n{{: .kb-crumbs }}",
           f"# {md(mid)}: {md(entry['meaning'])}"]
    facts = [["Kind", md(entry["kind"].replace("-", " "))]]
    if entry.get("discipline"):
        facts.append(["Discipline", md(entry["discipline"])])
    if entry.get("effective_from"):
        facts.append(["In use", cite.period(entry, ctx.as_of)])
    facts.append(["Source", f"{cite.grade(entry.get('evidence'))} {cite.sources(page, entry.get('sources'))}"])
    out.append(table(["", ""], facts, cls="kb-facts"))
    if entry.get("notes"):
        out.append(paragraphs(entry["notes"]))

    out.append(thresholds(ctx, page, mid))
    mistakes = entry.get("common_mistakes") or []
    out.append("## Common mistakes {#mistakes}")
    out.append("\n".join(f"- {md(m)}" for m in mistakes) if mistakes else "None recorded yet.")

    out.append("## Which payers ask for it, and when {#payers}")
    out.append("Every payer rule that names this modifier, in every period. Rules a payer inherits unchanged are "
               "listed once, at the payer that states them, with the payers that inherit them.")
    rows = []
    for pid in ctx.payer_ids:
        for rule in ctx.rules(pid, "modifier_rules"):
            if mid not in names_in(rule) or ctx.origin(pid, "modifier_rules", rule)[0] == "inherited":
                continue
            heirs = [p for p in ctx.payer_ids if p != pid and any(
                r["key"] == rule["key"] and r.get("declared_by") == pid and r.get("effective_from") ==
                rule.get("effective_from") for r in ctx.rules(p, "modifier_rules"))]
            anchor = links.rule_anchor("modifier_rules", rule["key"])
            who = payer_link(page, ctx, pid, anchor)
            if heirs and len(heirs) == len(ctx.payer_ids) - 1:
                who += f'<br><span class="kb-heirs">and every other payer ({len(heirs)}), inherited</span>'
            elif heirs:
                who += '<br><span class="kb-heirs">and, inherited: ' + ", ".join(
                    payer_link(page, ctx, h) for h in heirs) + "</span>"
            rows.append([who, md(rule["id"]), modifier_condition(page, ctx, rule), selector_text(page, rule, ctx),
                         *cite.meta(page, rule, ctx.as_of), notes_cell(page, ctx, pid, "modifier_rules", rule, anchor)])
    out.append(table(["Payer", "Rule", "What it asks", "On lines of", *cite.META_HEADER, "Notes"], rows)
               or "No payer rule names this modifier.")

    pays = []
    for pid in ctx.payer_ids:
        for rule in ctx.rules(pid, "payment_adjustments"):
            if mid in (rule.get("modifiers") or []) and ctx.origin(pid, "payment_adjustments", rule)[0] != "inherited":
                anchor = links.rule_anchor("payment_adjustments", rule["key"])
                pays.append([payer_link(page, ctx, pid, anchor), f"{rule['percent']:g} % of payment",
                             *cite.meta(page, rule, ctx.as_of),
                             notes_cell(page, ctx, pid, "payment_adjustments", rule, anchor)])
    if pays:
        out.append("## Payment {#payment}")
        out.append(table(["Payer", "Lines with this modifier are paid", *cite.META_HEADER, "Notes"], pays))

    if entry["kind"] == "distinct-service":
        out.append("## Bundling edits it can bypass {#bundling}")
        rows = []
        for pid in ctx.payer_ids:
            edits = [r for r in ctx.rules(pid, "ptp_edits")
                     if r["modifier_indicator"] == 1 and cite.status(r, ctx.as_of) == "in force"]
            rows.append([payer_link(page, ctx, pid, "bundling"), str(len(edits))])
        out.append(md_block("A distinct-service modifier goes on the column 2 code of a PTP edit whose modifier "
                            "indicator is 1, and only when the services really were separate (different session, "
                            f"site or 15-minute interval). Edits with indicator 1 in force on {ctx.as_of}:"))
        out.append(table(["Payer", "Edits it may bypass"], rows))
    return Page(page, f"{mid} {entry['meaning']}", "\n\n".join(p for p in out if p) + "\n", boost=3)


def thresholds(ctx: SiteContext, page: str, mid: str) -> str:
    """For a modifier that marks a dollar threshold (KX): the amounts by year and group, as a table and a chart."""
    rows = charts.threshold_table(ctx, mid)
    if not rows:
        return ""
    pid = rows[0][0]
    groups = sorted({g for _, _, amounts in rows for g in amounts})
    anchor = "thresholds"
    this_year = next((amounts for _, year, amounts in rows if year == ctx.as_of.year), None)
    now = ("" if this_year is None else f" In {ctx.as_of.year}: "
           + "; ".join(f"{md(g)} ${a:,.0f}" for g, a in sorted(this_year.items())) + ".")
    every = links.rel(page, links.payer_page(pid), anchor)
    body = [f"## {md(mid)} threshold amounts by year {{#amounts}}",
            f"The amount of allowed charges a year after which {md(ctx.name(pid))} wants {md(mid)} on the line, by "
            f"calendar year and group ([every amount with its sources]({every})).{now}",
            table(["Year", *[md(g) for g in groups]],
                  [[str(year), *[f"${amounts[g]:,.0f}" if g in amounts else "—" for g in groups]]
                   for _, year, amounts in rows], cls="kb-facts kb-amounts"),
            charts.threshold_history(ctx, mid)]
    return "\n\n".join(b for b in body if b)


__all__ = ["names_in", "pages", "plural"]
