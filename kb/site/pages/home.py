"""Fragments of the hand-written home page: status of the data, payers, common codes, evidence grades."""

from __future__ import annotations

from kb.rules import SECTIONS
from kb.site import cite, links
from kb.site.cells import code_link, payer_link
from kb.site.context import SiteContext
from kb.site.pages.payers import method_in_force, method_words
from kb.site.text import md, plural, table

PAGE = links.HOME
COMMON_CODES = ("97110", "97112", "97116", "97140", "97530", "97535", "97150", "97161", "97162", "97163",
                "97164", "97035", "G0283")


def status(ctx: SiteContext) -> str:
    model = ctx.model
    rules = sum(len([r for r in p["rules"][s] if r.get("declared_by") == pid])
                for pid, p in model["payers"].items() for s in SECTIONS)
    rows = [
        ["Data last changed", md(ctx.last_changed)],
        ["Rules judged “in force” on", f"{ctx.as_of.isoformat()} (the day this site was built)"],
        ["Contents", f"{plural(len(model['payers']), 'payer')}, {plural(rules, 'rule')} stated by them, "
                     f"{plural(len(model['codes']), 'code')}, {plural(len(model['modifiers']), 'modifier')}, "
                     f"[{plural(len(model['documents']), 'source document')}]({links.SOURCES})"],
        ["Knowledge base", f"version {md(model['kb_version'])}, content {md(model['content_hash'][:19])}…"],
        ["Download", '<a href="kb.json" download>kb.json</a>: the compiled knowledge base '
                     f"([its format]({links.rel(PAGE, links.DEVELOPERS, 'artifact-format')}))"],
    ]
    return table(["", ""], rows, cls="kb-facts")


def payers(ctx: SiteContext) -> str:
    rows = []
    for pid in ctx.payer_ids:
        payer = ctx.payer(pid)
        rows.append([payer_link(PAGE, ctx, pid), md(payer["kind"]),
                     method_words(ctx, PAGE, method_in_force(ctx, pid), basis=True)])
    return table(["Payer", "Kind", f"Counts timed units by (on {ctx.as_of.isoformat()})"], rows)


def codes(ctx: SiteContext) -> str:
    shown = [c for c in COMMON_CODES if c in ctx.model["codes"]] or list(ctx.model["codes"])[:12]
    cells = [[f"**{code_link(PAGE, c)}**", md(ctx.code_summary(c))] for c in shown]
    cells.append([f"[all {len(ctx.model['codes'])}]({links.CODES})", "the whole code list"])
    half = (len(cells) + 1) // 2
    rows = [cells[i] + (cells[i + half] if i + half < len(cells) else ["", ""]) for i in range(half)]
    return table(["Code", "What it is", "Code", "What it is"], rows, cls="kb-codes")


def grades(ctx: SiteContext) -> str:
    del ctx
    rows = [[cite.grade(g), md(meaning[0].upper() + meaning[1:]) + "."] for g, meaning in cite.GRADES.items()]
    return table(["Grade", "The source is"], rows)


FRAGMENTS = {"home-status": status, "home-payers": payers, "home-codes": codes, "evidence-grades": grades}
