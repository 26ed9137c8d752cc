"""How units are counted: the unit-counting methods, their tie-breaks, sources and the payers using each."""

from __future__ import annotations

from kb.site import charts, cite, links
from kb.site.cells import payer_link
from kb.site.context import Page, SiteContext
from kb.site.nodes import Block, Blocks, Heading, Inline, Para, Strong, Table, table
from kb.site.pages.payers import method_in_force
from kb.site.text import paragraphs
from kb.units import Params, units_for_minutes

PAGE = links.METHODS


def chart() -> Table | None:
    p = Params()
    rows: list[list[Inline]] = []
    for units in range(1, 9):
        low = p.minimum_minutes + (units - 1) * p.unit_minutes
        rows.append([f"{low}–{low + p.unit_minutes - 1} minutes", str(units_for_minutes(low, p))])
    return table(["Total timed minutes", "Units"], rows)


def pages(ctx: SiteContext) -> list[Page]:
    out: Blocks = [
        Heading(1, "How units are counted", ""),
        Para("Timed codes are billed in 15-minute units, but payers turn minutes into units in different ways. "
             "Untimed codes (evaluations, group therapy, unattended modalities) are one unit a day whatever the "
             "minutes, and their minutes never count toward the timed total, under every method."),
        Heading(2, "The 8-minute rule: minutes to units", "chart"),
        Para("What billers call the 8-minute rule (the eight-minute rule) is this chart: CMS's total-time method "
             "applies it to the visit's total timed minutes, and the CPT midpoint method applies it to each "
             "code's own minutes. It goes on in steps of 15 minutes."),
        chart(),
    ]
    stairs = charts.staircase(ctx)
    if stairs:
        out.append(Heading(3, "The methods side by side", "side-by-side"))
        out.append(Para("The same visit under each method: two timed codes with the same minutes each. Total time "
                        "pools the minutes, so it gives fewer units than counting each code to its own midpoint; "
                        "whole units drop every partial unit."))
        out.append(Block(stairs))
    for mid, method in ctx.model["methods"].items():
        out.append(Heading(2, method["name"], mid))
        out += [Para(p) for p in paragraphs(method.get("summary"))]
        if method.get("tie_break"):
            out.append(Para([Strong("Ties."), " ", method["tie_break"]]))
        out += [Para(p) for p in paragraphs(method.get("notes"))]
        out.append(Para(["Source: ", cite.grade(method.get("evidence")), " ", cite.sources(method.get("sources"))]))
        users: list[list[Inline]] = []
        for pid in ctx.payer_ids:
            rule = method_in_force(ctx, pid)
            if rule is not None and rule["method"] == mid:
                cap = f"{rule['daily_cap']} timed units a day" if rule.get("daily_cap") is not None else "no cap"
                users.append([payer_link(ctx, pid, "units"), cap, cite.period(rule, ctx.as_of)])
        if users:
            out.append(Para(f"Payers counting this way on {ctx.as_of.isoformat()} (everywhere they operate):"))
            out.append(table(["Payer", "Daily cap", "In force"], users))
        else:
            out.append(Para(f"No payer counts this way on {ctx.as_of.isoformat()}."))
    return [Page(PAGE, "How units are counted", [b for b in out if b is not None], hide=(), boost=4)]
