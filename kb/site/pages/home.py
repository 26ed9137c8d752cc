"""Fragments of the hand-written home page: status of the data, payers, common codes, evidence grades."""

from __future__ import annotations

from kb.rules import SECTIONS
from kb.site import cite, links
from kb.site.cells import code_link, payer_link
from kb.site.context import SiteContext
from kb.site.nodes import Blocks, Inline, Link, Strong, table
from kb.site.pages.payers import method_in_force, method_words
from kb.site.text import plural

PAGE = links.HOME
COMMON_CODES = ("97110", "97112", "97116", "97140", "97530", "97535", "97150", "97161", "97162", "97163",
                "97164", "97035", "G0283")


def status(ctx: SiteContext) -> Blocks:
    model = ctx.model
    rules = sum(len([r for r in p["rules"][s] if r.get("declared_by") == pid])
                for pid, p in model["payers"].items() for s in SECTIONS)
    rows: list[list[Inline]] = [
        ["Data last changed", ctx.last_changed],
        ["Rules judged “in force” on", f"{ctx.as_of.isoformat()} (the day this site was built)"],
        ["Contents", [f"{plural(len(model['payers']), 'payer')}, {plural(rules, 'rule')} stated by them, "
                      f"{plural(len(model['codes']), 'code')}, {plural(len(model['modifiers']), 'modifier')}, ",
                      Link(plural(len(model["documents"]), "source document"), links.SOURCES)]],
        ["Knowledge base", f"version {model['kb_version']}, content {model['content_hash'][:19]}…"],
        ["Download", [Link("kb.json", "kb.json", download=True), ": the compiled knowledge base (",
                      Link("its format", links.DEVELOPERS, "artifact-format"), ")"]],
    ]
    return [table(["", ""], rows, cls="kb-facts")]


def payers(ctx: SiteContext) -> Blocks:
    rows: list[list[Inline]] = []
    for pid in ctx.payer_ids:
        payer = ctx.payer(pid)
        rows.append([payer_link(ctx, pid), payer["kind"], method_words(ctx, method_in_force(ctx, pid), basis=True)])
    return [table(["Payer", "Kind", f"Counts timed units by (on {ctx.as_of.isoformat()})"], rows)]


def codes(ctx: SiteContext) -> Blocks:
    shown = [c for c in COMMON_CODES if c in ctx.model["codes"]] or list(ctx.model["codes"])[:12]
    cells: list[list[Inline]] = [[Strong(code_link(c)), ctx.code_summary(c)] for c in shown]
    cells.append([Link(f"all {len(ctx.model['codes'])}", links.CODES), "the whole code list"])
    half = (len(cells) + 1) // 2
    rows = [cells[i] + (cells[i + half] if i + half < len(cells) else ["", ""]) for i in range(half)]
    return [table(["Code", "What it is", "Code", "What it is"], rows, cls="kb-codes")]


def grades(ctx: SiteContext) -> Blocks:
    del ctx
    rows: list[list[Inline]] = [[cite.grade(g), meaning[0].upper() + meaning[1:] + "."]
                                for g, meaning in cite.GRADES.items()]
    return [table(["Grade", "The source is"], rows)]


FRAGMENTS = {"home-status": status, "home-payers": payers, "home-codes": codes, "evidence-grades": grades}
