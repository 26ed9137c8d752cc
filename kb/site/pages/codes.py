"""One page per code, with the cross-payer matrix a biller keeps open, and the code index."""

from __future__ import annotations

from typing import Any

from kb.problems import KBError
from kb.site import cite, links
from kb.site.cells import code_link, code_rule_flags, modifier_link, notes_cell, payer_link
from kb.site.context import Page, SiteContext
from kb.site.pages.payers import INDICATOR, MAI, method_in_force, modifier_condition
from kb.site.text import attr, md, paragraphs, plural, slug, table

MINUTES = (7, 8, 22, 23, 38, 53)


def pages(ctx: SiteContext) -> list[Page]:
    return [index_page(ctx)] + [CodePage(ctx, code).render() for code in ctx.model["codes"]]


def index_page(ctx: SiteContext) -> Page:
    page = links.CODES
    rows = []
    for code, entry in ctx.model["codes"].items():
        timing = f"timed ({entry.get('unit_minutes', 15)} min)" if entry["timed"] else "untimed"
        rows.append([code_link(page, code), md(entry["summary"]), timing, md(entry["family"].replace("-", " ")),
                     md(", ".join(entry["disciplines"]))])
    body = (f"{plural(len(rows), 'code')} in the catalogue. Summaries are our own words (the AMA's CPT descriptors "
            "are copyrighted). Open a code for what every payer does with it.\n\n"
            + table(["Code", "Summary", "Timed?", "Family", "Disciplines"], rows))
    return Page(page, "Codes", "# Codes\n\n" + body + "\n")


class CodePage:
    def __init__(self, ctx: SiteContext, code: str):
        self.ctx = ctx
        self.code = code
        self.entry = ctx.model["codes"][code]
        self.page = links.code_page(code)

    def rule_link(self, pid: str, section: str, key: str) -> str:
        return links.rel(self.page, links.payer_page(pid), links.rule_anchor(section, key))

    def intro(self) -> str:
        e = self.entry
        timing = (f"timed: {e.get('unit_minutes', 15)}-minute units" if e["timed"]
                  else "untimed: one unit a day whatever the minutes")
        facts = [
            ["System", md(e["system"])],
            ["Timed?", f"{timing} (catalogue; a payer may override it, see the matrix)"],
            ["Family", md(e["family"].replace("-", " "))],
            ["Disciplines", md(", ".join(e["disciplines"]))],
            ["Always therapy?", "yes: a therapy modifier is needed whoever furnishes it" if e.get("always_therapy")
             else "no: a therapy modifier is needed when furnished under a therapy plan of care"],
            ["One-on-one?", "yes, the billed time must be one-on-one" if e.get("one_on_one") else "no"],
            ["Source", f"{cite.grade(e.get('evidence'))} {cite.sources(self.page, e.get('sources'))}"],
        ]
        out = [table(["", ""], facts, cls="kb-facts")]
        if e.get("notes"):
            out.append(paragraphs(e["notes"]))
        if e["timed"]:
            calc = links.calculator_href(self.page, "medicare", self.ctx.as_of.isoformat(), [(self.code, 23)])
            if "medicare" not in self.ctx.model["payers"]:
                calc = links.calculator_href(self.page, self.ctx.payer_ids[0], self.ctx.as_of.isoformat(),
                                             [(self.code, 23)])
            out.append(f'<a class="md-button" href="{attr(calc)}">'
                       f"Count units for {md(self.code)} in the calculator</a>")
        out.append(
            f"The matrices show each payer on {self.ctx.as_of.isoformat()} (the day this site "
            "was built), for a visit with no state; state-limited rules are listed under the payer below. "
            "Every value links to the rule on the payer's page, with its dates, evidence grade "
            f"([what grades mean]({links.rel(self.page, links.HOME, 'evidence-grades')})) and sources.\n"
            "{: .kb-legend }")
        return "\n\n".join(out)

    def units_matrix(self) -> str:
        ctx = self.ctx
        rows = []
        for pid in ctx.payer_ids:
            view = ctx.view(pid)
            ppage = links.payer_page(pid)
            method_rule = method_in_force(ctx, pid)
            try:
                method = view.unit_method()
            except KBError:
                rows.append([payer_link(self.page, ctx, pid), '<span class="kb-missing">no method in force</span>']
                            + [""] * (len(MINUTES) + 3))
                continue
            name = ctx.model["methods"].get(method.method, {}).get("name", method.method).split(" (")[0]
            method_cell = (f"[{md(name)}]({links.rel(self.page, ppage, 'units')}) "
                           + cite.grade(method.evidence))
            timed = view.timed(self.code)
            rule = view.code_rule(self.code)
            timed_cell = "timed" if timed else "untimed"
            if rule is not None and rule.timed is not None:
                timed_cell = f"[{timed_cell}]({self.rule_link(pid, 'code_rules', self.code)}) (payer's own rule)"
            if not view.covered(self.code):
                timed_cell += f"<br>[**not covered**]({self.rule_link(pid, 'code_rules', self.code)})"
            counts = [str(view.units({self.code: m})[self.code]) for m in MINUTES]
            caps = []
            if method.daily_cap is not None and (method.cap_codes is None or self.code in method.cap_codes):
                caps.append(f"[{method.daily_cap} timed units]({links.rel(self.page, ppage, 'units')})")
            if rule is not None and rule.daily_cap is not None:
                caps.append(f"[{rule.daily_cap} of this code]"
                            f"({links.rel(self.page, ppage, links.rule_anchor('code_rules', self.code))})")
            mue = view.mue(self.code)
            mue_cell = "—"
            if mue is not None:
                mue_cell = (f"[{mue.value}]({links.rel(self.page, ppage, links.rule_anchor('mues', self.code))}) "
                            f"(MAI {mue.mai}) {cite.grade(mue.evidence)}")
            del method_rule
            rows.append([f"{payer_link(self.page, ctx, pid)} [↓](#payer-{slug(pid)}){{.kb-down}}", method_cell,
                         timed_cell, *counts,
                         "<br>".join(caps) or "—", mue_cell])
        header = ["Payer", "Counts units by", "Timed?", *[f"{m} min" for m in MINUTES], "Daily cap", "MUE"]
        lead = (f"Units for one line of {md(self.code)} billed alone for the minutes in each column "
                "(with other timed codes the minutes may combine; try the calculator).")
        return "## Units by payer {#units}\n\n" + lead + "\n\n" + table(header, rows, cls="kb-matrix")

    def relevant(self, pid: str) -> list[tuple[str, dict[str, Any]]]:
        """This payer's rules (every period) that concern the code, by section."""
        ctx, code = self.ctx, self.code
        found: list[tuple[str, dict[str, Any]]] = []
        for r in ctx.rules(pid, "code_rules"):
            if r["code"] == code:
                found.append(("code_rules", r))
        for r in ctx.rules(pid, "mues"):
            if r["code"] == code:
                found.append(("mues", r))
        for r in ctx.rules(pid, "ptp_edits"):
            if code in (r["column1"], r["column2"]):
                found.append(("ptp_edits", r))
        for section in ("modifier_rules", "payment_adjustments", "visit_rules"):
            for r in ctx.rules(pid, section):
                if ctx.applies(r, code):
                    found.append((section, r))
        return found

    def rules_matrix(self) -> str:
        ctx = self.ctx
        rows = []
        for pid in ctx.payer_ids:
            view = ctx.view(pid)
            ppage = links.payer_page(pid)
            partners = []
            for e in view.ptp_partners(self.code):
                other = e.column2 if e.column1 == self.code else e.column1
                role = "denied with" if e.column2 == self.code else "makes it deny"
                partners.append(f"{role} {code_link(self.page, other, ctx)} "
                                f"([ind. {e.modifier_indicator}]({self.rule_link(pid, 'ptp_edits', e.key)}))")
            mods = []
            for r in view.modifier_rules(self.code):
                if r.type == "pairs-with":
                    what = ", ".join(f"{modifier_link(self.page, a, ctx)} with {modifier_link(self.page, b, ctx)}"
                                     for a, b in r.pairs.items())
                else:
                    what = "/".join(modifier_link(self.page, m, ctx) for m in dict.fromkeys(r.modifiers))
                mods.append(f"[{md(r.type.replace('-', ' '))}]"
                            f"({links.rel(self.page, ppage, links.rule_anchor('modifier_rules', r.key))}): {what}")
            rule = view.code_rule(self.code)
            docs = "—"
            if rule is not None and rule.documentation:
                docs = (f"[{plural(len(rule.documentation), 'item')}]"
                        f"({links.rel(self.page, ppage, 'documentation-' + slug(self.code))})")
            one = "yes" if view.code(self.code).one_on_one else "no"
            rows.append([payer_link(self.page, ctx, pid), "<br>".join(partners) or "—", "<br>".join(mods) or "—",
                         one, docs])
        header = ["Payer", "Bundling (PTP edits in force)", "Modifiers on this line", "One-on-one time",
                  "Note must show"]
        lead = ("Bundling: “denied with 97150” means this code is column 2 of a PTP edit and is denied when billed "
                "with 97150 unless the indicator allows a bypass modifier; “makes it deny” means the other code is "
                "the one denied. "
                + "; ".join(f"indicator {md(v)}" for v in INDICATOR.values()) + ".")
        return "## Bundling, modifiers and documentation by payer {#rules}\n\n" + lead + "\n\n" + \
            table(header, rows, cls="kb-matrix")

    def details(self) -> str:
        ctx = self.ctx
        out = ["## Each payer's rules for this code {#details}",
               "Every rule about this code, in every period, with its dates, grade and sources. A payer that extends "
               "another lists only what it states itself; the rest is as the payer it extends."]
        for pid in ctx.payer_ids:
            payer = ctx.payer(pid)
            ppage = links.payer_page(pid)
            rows = []
            for section, r in self.relevant(pid):
                kind, _ = ctx.origin(pid, section, r)
                if kind == "inherited":
                    continue
                anchor = links.rule_anchor(section, r["key"])
                rows.append([f"[{md(self.describe_section(section, r))}]({links.rel(self.page, ppage, anchor)})",
                             self.describe(section, r), *cite.meta(self.page, r, ctx.as_of),
                             notes_cell(self.page, ctx, pid, section, r, anchor)])
            if payer.get("extends"):
                own_method = [r for r in ctx.rules(pid, "unit_methods") if r.get("declared_by") == pid]
                method_rows = []
                for r in own_method:
                    method = ctx.model["methods"].get(r["method"], {}).get("name", r["method"])
                    cap = f", at most {r['daily_cap']} timed units a day" if r.get("daily_cap") is not None else ""
                    if cap and r.get("cap_codes") is not None:
                        cap += " (this code " + ("counts" if self.code in r["cap_codes"] else "does not count") + ")"
                    method_rows.append([f"[unit method]({links.rel(self.page, ppage, 'units')})", md(method + cap),
                                        *cite.meta(self.page, r, ctx.as_of), md(r.get("notes") or "")])
                rows[:0] = method_rows
                for item in payer.get("removed", []):
                    key = item.get("key") or ""
                    if self.code in key.split("/") or (item["section"] in ("code_rules", "mues") and key == self.code):
                        rows.append([f"[removed {md(item['section'].replace('_', ' '))}]"
                                     f"({links.rel(self.page, ppage, 'removed')})", md(key),
                                     cite.grade(item.get("evidence")) + "<br>"
                                     + cite.sources(self.page, item.get("sources")),
                                     md(item.get("notes") or "")])
            out.append(f"### {md(payer['name'])} {{#payer-{slug(pid)} data-search-exclude}}")  # found on its own page
            if payer.get("extends"):
                parent = payer["extends"]
                out.append(f"Extends [{md(ctx.name(parent))}](#payer-{slug(parent)}); "
                           + ("what it states itself about this code:" if rows else "states nothing of its own about "
                              "this code: everything is as the payer it extends."))
            if rows:
                out.append(table(["Rule", "What it says", *cite.META_HEADER, "Notes"], rows))
            elif not payer.get("extends"):
                out.append("No rules about this code.")
        return "\n\n".join(out)

    @staticmethod
    def describe_section(section: str, r: dict[str, Any]) -> str:
        return {"code_rules": "code rule", "mues": "MUE", "ptp_edits": f"PTP {r['key']}",
                "modifier_rules": f"modifiers: {r.get('id', '')}", "payment_adjustments": f"payment: {r.get('id', '')}",
                "visit_rules": f"visit: {r.get('id', '')}"}.get(section, section)

    def describe(self, section: str, r: dict[str, Any]) -> str:
        ctx = self.ctx
        if section == "code_rules":
            text = "; ".join(code_rule_flags(r))
            if r.get("documentation"):  # a checklist reads as a list, not as one run-on line
                items = "".join(f"<li>{md(d['element'])}</li>" for d in r["documentation"])
                text += ("<br>" if text else "") + f'the note must show:<ul class="kb-checklist">{items}</ul>'
            return text or "—"
        if section == "mues":
            return f"at most {r['value']} units a day; MAI {md(MAI.get(r['mai'], r['mai']))}"
        if section == "ptp_edits":
            if r["column2"] == self.code:
                what = f"{md(self.code)} is denied when billed with {code_link(self.page, r['column1'], ctx)}"
            else:
                what = f"{code_link(self.page, r['column2'], ctx)} is denied when billed with {md(self.code)}"
            return f"{what}; indicator {md(INDICATOR.get(r['modifier_indicator'], r['modifier_indicator']))}"
        if section == "modifier_rules":
            return modifier_condition(self.page, ctx, r)
        if section == "payment_adjustments":
            return (f"{r['percent']:g} % of payment for lines with "
                    + ", ".join(modifier_link(self.page, m, ctx) for m in r.get("modifiers", [])))
        if section == "visit_rules":
            return md(r["type"].replace("-", " ")) + (f" (at most {r['max']})" if r.get("max") else "") + \
                f"; finding {md(r['finding'])}"
        return ""

    def render(self) -> Page:
        title = f"{self.code} {self.entry['summary']}"
        crumbs = f"[Codes]({links.rel(self.page, links.CODES)}) › {md(self.code)}\n{{: .kb-crumbs }}"
        parts = [crumbs, f"# {md(self.code)}: {md(self.entry['summary'])}", self.intro(), self.units_matrix(),
                 self.rules_matrix(), self.details()]
        return Page(self.page, title, "\n\n".join(parts) + "\n", boost=3)
