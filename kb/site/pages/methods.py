"""How units are counted: the unit-counting methods, their tie-breaks, sources and the payers using each."""

from __future__ import annotations

from kb.site import charts, cite, links
from kb.site.cells import payer_link
from kb.site.context import Page, SiteContext
from kb.site.pages.payers import method_in_force
from kb.site.text import md, paragraphs, table
from kb.units import Params, units_for_minutes

PAGE = links.METHODS


def chart() -> str:
    p = Params()
    rows = []
    for units in range(1, 9):
        low = p.minimum_minutes + (units - 1) * p.unit_minutes
        rows.append([f"{low}–{low + p.unit_minutes - 1} minutes", str(units_for_minutes(low, p))])
    return table(["Total timed minutes", "Units"], rows)


def pages(ctx: SiteContext) -> list[Page]:
    out = ["# How units are counted",
           "Timed codes are billed in 15-minute units, but payers turn minutes into units in different ways. "
           "Untimed codes (evaluations, group therapy, unattended modalities) are one unit a day whatever the "
           "minutes, and their minutes never count toward the timed total, under every method."]
    out.append("## The 8-minute rule: minutes to units {#chart}")
    out.append("What billers call the 8-minute rule (the eight-minute rule) is this chart: CMS's total-time method "
               "applies it to the visit's total timed minutes, and the CPT midpoint method applies it to each "
               "code's own minutes. It goes on in steps of 15 minutes.")
    out.append(chart())
    stairs = charts.staircase(ctx)
    if stairs:
        out.append("### The methods side by side {#side-by-side}")
        out.append("The same visit under each method: two timed codes with the same minutes each. Total time "
                   "pools the minutes, so it gives fewer units than counting each code to its own midpoint; "
                   "whole units drop every partial unit.")
        out.append(stairs)
    for mid, method in ctx.model["methods"].items():
        out.append(f"## {md(method['name'])} {{#{mid}}}")
        out.append(paragraphs(method.get("summary")))
        if method.get("tie_break"):
            out.append("**Ties.** " + md(method["tie_break"]))
        if method.get("notes"):
            out.append(paragraphs(method["notes"]))
        out.append(f"Source: {cite.grade(method.get('evidence'))} {cite.sources(PAGE, method.get('sources'))}")
        users = []
        for pid in ctx.payer_ids:
            rule = method_in_force(ctx, pid)
            if rule is not None and rule["method"] == mid:
                cap = f"{rule['daily_cap']} timed units a day" if rule.get("daily_cap") is not None else "no cap"
                users.append([payer_link(PAGE, ctx, pid, "units"), cap, cite.period(rule, ctx.as_of)])
        if users:
            out.append(f"Payers counting this way on {ctx.as_of.isoformat()} (everywhere they operate):")
            out.append(table(["Payer", "Daily cap", "In force"], users))
        else:
            out.append(f"No payer counts this way on {ctx.as_of.isoformat()}.")
    return [Page(PAGE, "How units are counted", "\n\n".join(out) + "\n", hide=(), boost=4)]
