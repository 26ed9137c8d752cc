"""Compare payers: the same visits (the CMS examples and the seed scenarios) with the units each payer gives."""

from __future__ import annotations

from datetime import date
from typing import Any

from kb.problems import KBError
from kb.site import links
from kb.site.cells import payer_link, units_text, visit_text
from kb.site.context import Page, SiteContext
from kb.site.nodes import Block, Blocks, Heading, Inline, Items, Link, Para, Strong, table
from kb.site.pages.payers import COMMON_VISITS
from kb.site.text import slug

PAGE = links.COMPARE


def visits(ctx: SiteContext) -> list[dict[str, Any]]:
    """The visits to compare: the base payer's CMS examples and seed scenarios (else the common visits)."""
    roots = [p for p in ctx.payer_ids if not ctx.payer(p).get("extends")]
    found = []
    for pid in roots:
        for ex in ctx.payer(pid).get("examples", []):
            if not (ex["id"].startswith("cms-example") or ex["id"].startswith("seed-")):
                continue
            if not any(line.get("minutes") for line in ex["visit"]["lines"]):
                continue
            found.append({**ex, "from": pid})
    if not found:
        for i, (label, lines) in enumerate(COMMON_VISITS, 1):
            if all(c in ctx.model["codes"] for c, _ in lines):
                found.append({"id": f"visit-{i}", "title": label, "date": ctx.as_of.isoformat(),
                              "visit": {"lines": [{"code": c, "minutes": m} for c, m in lines]}})
    return found


def pages(ctx: SiteContext) -> list[Page]:
    shown = visits(ctx)
    results: dict[tuple[str, str], tuple[dict[str, int] | None, bool, str]] = {}
    for ex in shown:
        day = date.fromisoformat(ex["date"])
        minutes = {line["code"]: line.get("minutes", 0) for line in ex["visit"]["lines"]}
        for pid in ctx.payer_ids:
            try:
                explained = ctx.view(pid, day, ex["visit"].get("state")).explain_units(minutes)
                results[(ex["id"], pid)] = (explained.units, explained.tie_broken, explained.method)
            except KBError as err:
                results[(ex["id"], pid)] = (None, False, str(err))

    out: Blocks = [
        Heading(1, "Compare payers", ""),
        Para("The same visits counted with each payer's rules on the visit's date of service. The visits are CMS's "
             "worked examples from the Medicare manual and the scenarios of the articles this project started "
             "from. Each payer's page explains its method; “explain” opens the calculator with every step."),
        Heading(2, "At a glance", "at-a-glance"),
        Para("Total units per visit (codes in the order of the visit; ✱ = a tie the rules let the biller break "
             "either way)."),
    ]
    header: list[Inline] = ["Payer", *[Link(f"V{i}", anchor=slug(ex["id"])) for i, ex in enumerate(shown, 1)]]
    rows = []
    for pid in ctx.payer_ids:
        cells: list[Inline] = [payer_link(ctx, pid)]
        for ex in shown:
            units, tie, _ = results[(ex["id"], pid)]
            if units is None:
                cells.append("—")
                continue
            cells.append(f"{sum(units.values())} ({'+'.join(str(u) for u in units.values())})" + (" ✱" if tie else ""))
        rows.append(cells)
    out.append(Block(Items([[Strong(f"V{i}"), " ", Link(ex["title"], anchor=slug(ex["id"]))]
                            for i, ex in enumerate(shown, 1)])))
    out.append(table(header, rows, cls="kb-matrix kb-glance"))

    for i, ex in enumerate(shown, 1):
        out.append(Heading(2, f"V{i}: {ex['title']}", slug(ex["id"])))
        line: list[Inline] = [visit_text(ex["visit"], ctx), f" on {ex['date']}."]
        if ex.get("from"):
            line += [" The source's answer for ", payer_link(ctx, ex["from"], "example-" + slug(ex["id"])),
                     " is on its page, with the source."]
        out.append(Para(line))
        rows = []
        pairs = [(ln["code"], ln.get("minutes", 0)) for ln in ex["visit"]["lines"]]
        for pid in ctx.payer_ids:
            units, tie, method = results[(ex["id"], pid)]
            if units is None:
                rows.append([payer_link(ctx, pid), method, "—", "—", ""])
                continue
            name = ctx.model["methods"].get(method, {}).get("name", method)
            rows.append([payer_link(ctx, pid, "units"), name,
                         units_text(units) + (" (tie broken)" if tie else ""), str(sum(units.values())),
                         links.calculator_link("explain", pid, ex["date"], pairs, ex["visit"].get("state"))])
        out.append(table(["Payer", "Method", "Units", "Total", "Steps"], rows))
    return [Page(PAGE, "Compare payers", [b for b in out if b is not None])]
