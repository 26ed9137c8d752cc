"""One page per code, with the cross-payer matrix a biller keeps open, and the code index."""

from __future__ import annotations

from typing import Any

from kb.problems import KBError
from kb.site import cite, links
from kb.site.cells import code_link, code_rule_flags, modifier_link, notes_cell, payer_link, rule_link
from kb.site.context import Page, SiteContext
from kb.site.nodes import Blocks, Heading, Inline, Items, Lines, Link, Para, Span, Strong, joined, table
from kb.site.pages.payers import INDICATOR, MAI, modifier_condition
from kb.site.text import paragraphs, plural, slug

MINUTES = (7, 8, 22, 23, 38, 53)


def pages(ctx: SiteContext) -> list[Page]:
    return [index_page(ctx)] + [CodePage(ctx, code).render() for code in ctx.model["codes"]]


def index_page(ctx: SiteContext) -> Page:
    rows = []
    for code, entry in ctx.model["codes"].items():
        timing = f"timed ({entry.get('unit_minutes', 15)} min)" if entry["timed"] else "untimed"
        rows.append([code_link(code), entry["summary"], timing, entry["family"].replace("-", " "),
                     ", ".join(entry["disciplines"])])
    return Page(links.CODES, "Codes", [
        Heading(1, "Codes", "codes"),
        Para(f"{plural(len(rows), 'code')} in the catalogue. Summaries are our own words (the AMA's CPT "
             "descriptors are copyrighted). Open a code for what every payer does with it."),
        table(["Code", "Summary", "Timed?", "Family", "Disciplines"], rows),
    ])


class CodePage:
    def __init__(self, ctx: SiteContext, code: str):
        self.ctx = ctx
        self.code = code
        self.entry = ctx.model["codes"][code]
        self.page = links.code_page(code)

    def intro(self) -> Blocks:
        e = self.entry
        timing = (f"timed: {e.get('unit_minutes', 15)}-minute units" if e["timed"]
                  else "untimed: one unit a day whatever the minutes")
        facts: list[list[Inline]] = [
            ["System", e["system"]],
            ["Timed?", f"{timing} (catalogue; a payer may override it, see the matrix)"],
            ["Family", e["family"].replace("-", " ")],
            ["Disciplines", ", ".join(e["disciplines"])],
            ["Always therapy?", "yes: a therapy modifier is needed whoever furnishes it" if e.get("always_therapy")
             else "no: a therapy modifier is needed when furnished under a therapy plan of care"],
            ["One-on-one?", "yes, the billed time must be one-on-one" if e.get("one_on_one") else "no"],
            ["Source", [cite.grade(e.get("evidence")), " ", cite.sources(e.get("sources"))]],
        ]
        out: Blocks = [table(["", ""], facts, cls="kb-facts")]
        out += [Para(p) for p in paragraphs(e.get("notes"))]
        if e["timed"]:
            pid = "medicare" if "medicare" in self.ctx.model["payers"] else self.ctx.payer_ids[0]
            calc = links.calculator_link(f"Count units for {self.code} in the calculator", pid,
                                         self.ctx.as_of.isoformat(), [(self.code, 23)])
            out.append(Para(Link(calc.label, calc.to, query=calc.query, cls="md-button")))
        out.append(Para([
            f"The matrices show each payer on {self.ctx.as_of.isoformat()} (the day this site was built), for a "
            "visit with no state; state-limited rules are listed under the payer below. Every value links to the "
            "rule on the payer's page, with its dates, evidence grade (",
            Link("what grades mean", links.HOME, "evidence-grades"), ") and sources."], cls="kb-legend"))
        return out

    def units_matrix(self) -> Blocks:
        ctx = self.ctx
        rows: list[list[Inline]] = []
        for pid in ctx.payer_ids:
            view = ctx.view(pid)
            ppage = links.payer_page(pid)
            try:
                method = view.unit_method()
            except KBError:
                rows.append([payer_link(ctx, pid), Span("no method in force", "kb-missing")]
                            + [""] * (len(MINUTES) + 3))
                continue
            name = ctx.model["methods"].get(method.method, {}).get("name", method.method).split(" (")[0]
            method_cell = [Link(name, ppage, "units"), " ", cite.grade(method.evidence)]
            timed = view.timed(self.code)
            rule = view.code_rule(self.code)
            timed_cell: list[Inline] = ["timed" if timed else "untimed"]
            if rule is not None and rule.timed is not None:
                timed_cell = [rule_link(ctx, timed_cell[0], pid, "code_rules", self.code), " (payer's own rule)"]
            if not view.covered(self.code):
                timed_cell.append(Lines(["", rule_link(ctx, Strong("not covered"), pid, "code_rules", self.code)]))
            counts = [str(view.units({self.code: m})[self.code]) for m in MINUTES]
            caps: list[Inline] = []
            if method.daily_cap is not None and (method.cap_codes is None or self.code in method.cap_codes):
                caps.append(Link(f"{method.daily_cap} timed units", ppage, "units"))
            if rule is not None and rule.daily_cap is not None:
                caps.append(rule_link(ctx, f"{rule.daily_cap} of this code", pid, "code_rules", self.code))
            mue = view.mue(self.code)
            mue_cell: Inline = "—"
            if mue is not None:
                mue_cell = [rule_link(ctx, str(mue.value), pid, "mues", self.code), f" (MAI {mue.mai}) ",
                            cite.grade(mue.evidence)]
            rows.append([[payer_link(ctx, pid), " ", Link("↓", anchor=f"payer-{slug(pid)}", cls="kb-down",
                                                            title=f"{ctx.name(pid)}'s rules for {self.code}")],
                         method_cell, timed_cell, *counts, Lines(caps) if caps else "—", mue_cell])
        header = ["Payer", "Counts units by", "Timed?", *[f"{m} min" for m in MINUTES], "Daily cap", "MUE"]
        lead = (f"Units for one line of {self.code} billed alone for the minutes in each column "
                "(with other timed codes the minutes may combine; try the calculator).")
        return [Heading(2, "Units by payer", "units"), Para(lead), table(header, rows, cls="kb-matrix")]

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

    def partners(self, pid: str) -> Inline:
        """The PTP edits in force naming this code, for one payer; "as <parent>" when they are the parent's."""
        ctx = self.ctx
        view = ctx.view(pid)
        edits = view.ptp_partners(self.code)
        parent = ctx.payer(pid).get("extends")
        if parent and edits and all(ctx.shown_at(pid, "ptp_edits", e.key) != pid for e in edits) and \
                [e.key for e in edits] == [e.key for e in ctx.view(parent).ptp_partners(self.code)]:
            return [f"the same {plural(len(edits), 'edit')} as ", payer_link(ctx, parent),
                    f" ({', '.join(sorted({e.column2 if e.column1 == self.code else e.column1 for e in edits}))})"]
        lines: list[Inline] = []
        for e in edits:
            other = e.column2 if e.column1 == self.code else e.column1
            role = "denied with" if e.column2 == self.code else "makes it deny"
            lines.append([f"{role} ", code_link(other, ctx), " (",
                          rule_link(ctx, f"ind. {e.modifier_indicator}", pid, "ptp_edits", e.key), ")"])
        return Lines(lines) if lines else "—"

    def rules_matrix(self) -> Blocks:
        ctx = self.ctx
        rows: list[list[Inline]] = []
        for pid in ctx.payer_ids:
            view = ctx.view(pid)
            ppage = links.payer_page(pid)
            mods: list[Inline] = []
            for r in view.modifier_rules(self.code):
                what: Inline
                if r.type == "pairs-with":
                    what = joined([[modifier_link(a, ctx), " with ", modifier_link(b, ctx)]
                                   for a, b in r.pairs.items()])
                else:
                    what = joined([modifier_link(m, ctx) for m in dict.fromkeys(r.modifiers)], "/")
                mods.append([Link(r.type.replace("-", " "), ppage, links.rule_anchor("modifier_rules", r.key)), ": ",
                             what])
            rule = view.code_rule(self.code)
            docs: Inline = "—"
            if rule is not None and rule.documentation:
                docs = Link(plural(len(rule.documentation), "item"), ppage, "documentation-" + slug(self.code))
            one = "yes" if view.code(self.code).one_on_one else "no"
            rows.append([payer_link(ctx, pid), self.partners(pid), Lines(mods) if mods else "—", one, docs])
        header = ["Payer", "Bundling (PTP edits in force)", "Modifiers on this line", "One-on-one time",
                  "Note must show"]
        lead = ("Bundling: “denied with 97150” means this code is column 2 of a PTP edit and is denied when billed "
                "with 97150 unless the indicator allows a bypass modifier; “makes it deny” means the other code is "
                "the one denied. " + "; ".join(f"indicator {v}" for v in INDICATOR.values()) + ".")
        return [Heading(2, "Bundling, modifiers and documentation by payer", "rules"), Para(lead),
                table(header, rows, cls="kb-matrix")]

    def details(self) -> Blocks:
        ctx = self.ctx
        out: Blocks = [
            Heading(2, "Each payer's rules for this code", "details"),
            Para("Every rule about this code, in every period, with its dates, grade and sources. A payer that "
                 "extends another lists only what it states itself; the rest is as the payer it extends.")]
        for pid in ctx.payer_ids:
            payer = ctx.payer(pid)
            ppage = links.payer_page(pid)
            rows: list[list[Inline]] = []
            for section, r in self.relevant(pid):
                kind, _ = ctx.origin(pid, section, r)
                if kind == "inherited":
                    continue
                anchor = links.rule_anchor(section, r["key"])
                rows.append([Link(self.describe_section(section, r), ppage, anchor), self.describe(section, r),
                             *cite.meta(r, ctx.as_of), notes_cell(ctx, pid, section, r, anchor)])
            if payer.get("extends"):
                method_rows: list[list[Inline]] = []
                for r in (r for r in ctx.rules(pid, "unit_methods") if r.get("declared_by") == pid):
                    method = ctx.model["methods"].get(r["method"], {}).get("name", r["method"])
                    cap = f", at most {r['daily_cap']} timed units a day" if r.get("daily_cap") is not None else ""
                    if cap and r.get("cap_codes") is not None:
                        cap += " (this code " + ("counts" if self.code in r["cap_codes"] else "does not count") + ")"
                    method_rows.append([Link("unit method", ppage, "units"), method + cap, *cite.meta(r, ctx.as_of),
                                        r.get("notes") or ""])
                rows[:0] = method_rows
                for item in payer.get("removed", []):
                    key = item.get("key") or ""
                    if self.code in key.split("/") or (item["section"] in ("code_rules", "mues") and key == self.code):
                        rows.append([Link(f"removed {item['section'].replace('_', ' ')}", ppage, "removed"), key,
                                     Lines([cite.grade(item.get("evidence")), cite.sources(item.get("sources"))]),
                                     item.get("notes") or ""])
            out.append(Heading(3, payer["name"], f"payer-{slug(pid)}", search=False))  # found on its own page
            if payer.get("extends"):
                parent = payer["extends"]
                out.append(Para(["Extends ", Link(ctx.name(parent), anchor=f"payer-{slug(parent)}"), "; ",
                                 "what it states itself about this code:" if rows else
                                 "states nothing of its own about this code: everything is as the payer it extends."]))
            if rows:
                out.append(table(["Rule", "What it says", *cite.META_HEADER, "Notes"], rows))
            elif not payer.get("extends"):
                out.append(Para("No rules about this code."))
        return out

    @staticmethod
    def describe_section(section: str, r: dict[str, Any]) -> str:
        return {"code_rules": "code rule", "mues": "MUE", "ptp_edits": f"PTP {r['key']}",
                "modifier_rules": f"modifiers: {r.get('id', '')}", "payment_adjustments": f"payment: {r.get('id', '')}",
                "visit_rules": f"visit: {r.get('id', '')}"}.get(section, section)

    def describe(self, section: str, r: dict[str, Any]) -> Inline:
        ctx = self.ctx
        if section == "code_rules":
            flags = code_rule_flags(r)
            out: list[Inline] = [joined(flags, "; ", "")]
            if r.get("documentation"):  # a checklist reads as a list, not as one run-on line
                out += [Lines(["", "the note must show:"]) if flags else "the note must show:",
                        Items([d["element"] for d in r["documentation"]], cls="kb-checklist")]
            return out if (flags or r.get("documentation")) else "—"
        if section == "mues":
            return f"at most {r['value']} units a day; MAI {MAI.get(r['mai'], r['mai'])}"
        if section == "ptp_edits":
            indicator = f"; indicator {INDICATOR.get(r['modifier_indicator'], r['modifier_indicator'])}"
            if r["column2"] == self.code:
                return [f"{self.code} is denied when billed with ", code_link(r["column1"], ctx), indicator]
            return [code_link(r["column2"], ctx), f" is denied when billed with {self.code}", indicator]
        if section == "modifier_rules":
            return modifier_condition(ctx, r)
        if section == "payment_adjustments":
            return [f"{r['percent']:g} % of payment for lines with ",
                    joined([modifier_link(m, ctx) for m in r.get("modifiers", [])], ", ", "")]
        if section == "visit_rules":
            return r["type"].replace("-", " ") + (f" (at most {r['max']})" if r.get("max") else "") + \
                f"; finding {r['finding']}"
        return ""

    def render(self) -> Page:
        title = f"{self.code} {self.entry['summary']}"
        blocks = [Para([Link("Codes", links.CODES), f" › {self.code}"], cls="kb-crumbs"),
                  Heading(1, f"{self.code}: {self.entry['summary']}", ""), *self.intro(), *self.units_matrix(),
                  *self.rules_matrix(), *self.details()]
        return Page(self.page, title, [b for b in blocks if b is not None], boost=3)
