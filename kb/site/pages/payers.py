"""One page per payer (its unit method with worked examples, modifiers, bundling, caps, thresholds,
payments, documentation checklists, what it inherits and overrides) and the payer index."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from datetime import date
from typing import Any

from kb.problems import KBError
from kb.rules import SECTIONS
from kb.site import charts, cite, links
from kb.site.cells import (
    code_link,
    code_rule_flags,
    codes_links,
    modifier_link,
    notes_cell,
    payer_link,
    selector_text,
    units_text,
    visit_text,
)
from kb.site.context import SECTION_TITLES, Page, SiteContext
from kb.site.text import attr, md, paragraphs, plural, slug, table

INDICATOR = {
    0: "0: no modifier bypasses it",
    1: "1: 59 or X{EPSU} on the column 2 line may bypass it",
    9: "9: not applicable (the edit is switched off)",
}
MAI = {
    1: "1: line edit (units above it on one line are denied)",
    2: "2: date of service, absolute (policy: never more)",
    3: "3: date of service, clinical (more can be paid on appeal with records)",
}
# Visits every payer page counts, to show the method at work (codes missing from a tree are skipped).
COMMON_VISITS: list[tuple[str, list[tuple[str, int]]]] = [
    ("One timed code, 7 minutes", [("97110", 7)]),
    ("One timed code, 8 minutes", [("97110", 8)]),
    ("One timed code, 22 minutes", [("97110", 22)]),
    ("One timed code, 23 minutes", [("97110", 23)]),
    ("One timed code, 38 minutes", [("97110", 38)]),
    ("One timed code, 53 minutes", [("97110", 53)]),
    ("CMS Example 1: 24 + 23 minutes", [("97112", 24), ("97110", 23)]),
    ("CMS Example 2: 20 + 20 minutes", [("97112", 20), ("97110", 20)]),
    ("Three short services, 7 minutes each", [("97110", 7), ("97112", 7), ("97140", 7)]),
    ("Long visit: 30 + 30 + 30 minutes", [("97110", 30), ("97112", 30), ("97530", 30)]),
    ("Evaluation and 30 minutes of exercise", [("97161", 45), ("97110", 30)]),
]


def pages(ctx: SiteContext) -> list[Page]:
    out = [index_page(ctx)]
    out += [payer_page(ctx, pid) for pid in ctx.payer_ids]
    return out


def method_in_force(ctx: SiteContext, pid: str, day: date | None = None) -> dict[str, Any] | None:
    try:
        rule = ctx.view(pid, day).unit_method()
    except KBError:
        return None
    for r in ctx.rules(pid, "unit_methods"):
        if r.get("effective_from") == (rule.effective_from.isoformat() if rule.effective_from else None) \
                and r.get("method") == rule.method and not r.get("jurisdiction"):
            return r
    return None


def method_words(ctx: SiteContext, page: str, rule: dict[str, Any] | None, basis: bool = False) -> str:
    """The method in words ('CMS total-time method, at most 4 timed units a day'); with `basis`, its
    start date and evidence grade too."""
    if rule is None:
        return '<span class="kb-missing">none in force</span>'
    method = ctx.model["methods"].get(rule["method"], {})
    text = f"[{md(method.get('name', rule['method']))}]({links.rel(page, links.METHODS, rule['method'])})"
    if rule.get("daily_cap") is not None:
        scope = str(rule.get("cap_scope") or "").replace("-", " ")
        text += f", at most {rule['daily_cap']} timed units a day" + (f" ({md(scope)})" if scope else "")
        if rule.get("cap_codes") is not None:
            text += f" on {plural(len(rule['cap_codes']), 'listed code')}"
    if basis:
        text += f" <span class=\"kb-since\">since {md(rule.get('effective_from') or '?')}</span> " + \
            cite.grade(rule.get("evidence"))
    return text


def cap_words(page: str, ctx: SiteContext, rule: dict[str, Any]) -> str:
    """A unit method's daily cap in words: '4 a day (per discipline), counting only 97110, … (15 codes)'."""
    cap = rule.get("daily_cap")
    if cap is None:
        return ""
    text = f"{cap} a day" + (f" ({md(str(rule['cap_scope']).replace('-', ' '))})" if rule.get("cap_scope") else "")
    if rule.get("cap_codes") is not None:
        codes = rule["cap_codes"]
        text += f", counting only {codes_links(page, codes, ctx, limit=40)} ({plural(len(codes), 'code')})"
    return text


def index_page(ctx: SiteContext) -> Page:
    page = links.PAYERS
    rows = []
    for pid in ctx.payer_ids:
        payer = ctx.payer(pid)
        rows.append([
            payer_link(page, ctx, pid),
            md(payer["kind"]),
            payer_link(page, ctx, payer["extends"]) if payer.get("extends") else "—",
            method_words(ctx, page, method_in_force(ctx, pid), basis=True),
            md(payer.get("summary") or ""),
        ])
    body = (
        f"Every payer in the knowledge base, with the way it counts timed units on {ctx.as_of.isoformat()} "
        "(the day this site was built). A payer that *extends* another inherits all its rules and states only "
        "what differs; its page marks each rule as its own, overriding, or inherited.\n\n"
        + table(["Payer", "Kind", "Extends", "Counts timed units by", "In short"], rows)
    )
    return Page(page, "Payers", "# Payers\n\n" + body + "\n")


class PayerPage:
    """The renderer of one payer page."""

    def __init__(self, ctx: SiteContext, pid: str):
        self.ctx = ctx
        self.pid = pid
        self.data = ctx.payer(pid)
        self.page = links.payer_page(pid)
        self.day = ctx.as_of
        self.anchored: set[str] = set()

    # -- helpers -------------------------------------------------------------------------------

    def anchor_cell(self, section: str, rule: dict[str, Any], text: str) -> str:
        anchor = links.rule_anchor(section, rule["key"])
        if anchor in self.anchored:
            return text
        self.anchored.add(anchor)
        return f'<span id="{anchor}" class="kb-anchor"></span>{text}'

    def row(self, section: str, rule: dict[str, Any], cells: list[str]) -> list[str]:
        anchor = links.rule_anchor(section, rule["key"])
        cells = [self.anchor_cell(section, rule, cells[0]), *cells[1:]]
        return [*cells, *cite.meta(self.page, rule, self.day),
                notes_cell(self.page, self.ctx, self.pid, section, rule, anchor)]

    def rules(self, section: str) -> list[dict[str, Any]]:
        return self.ctx.rules(self.pid, section)

    def header(self, *names: str) -> list[str]:
        return [*names, *cite.META_HEADER, "Notes"]

    def rule_tables(self, section: str, names: list[str], cells: Callable[[dict[str, Any]], list[str]],
                    rules: list[dict[str, Any]] | None = None, cls: str = "kb-rules") -> str:
        """The rules in force (and upcoming) in a table; the ended ones below it, folded.

        A rule's anchor goes on its row in force when it has one, so links land on the rule that applies."""
        rules = self.rules(section) if rules is None else rules
        current = [r for r in rules if cite.status(r, self.day) != "ended"]
        ended = [r for r in rules if cite.status(r, self.day) == "ended"]
        out = table(self.header(*names), [self.row(section, r, cells(r)) for r in current], cls=cls)
        if not out:
            out = f"None in force on {self.day.isoformat()}." if ended else "None."
        if ended:
            history = table(self.header(*names), [self.row(section, r, cells(r)) for r in ended], cls=cls)
            out += (f'\n\n<details class="kb-history"><summary>{plural(len(ended), "ended rule")}, kept for claims '
                    f"with earlier dates of service</summary>\n{history}\n</details>")
        return out

    # -- sections ------------------------------------------------------------------------------

    def intro(self) -> str:
        d = self.data
        facts = [["Payer id", md(self.pid)], ["Kind", md(d["kind"])]]
        if d.get("extends"):
            chain = " → ".join(payer_link(self.page, self.ctx, p) for p in d["lineage"][1:])
            facts.append(["Extends", chain])
        children = [p for p in self.ctx.payer_ids if self.ctx.payer(p).get("extends") == self.pid]
        if children:
            facts.append(["Extended by", ", ".join(payer_link(self.page, self.ctx, p) for p in children)])
        if d.get("claim_type"):
            facts.append(["Claims", md(d["claim_type"])])
        if d.get("jurisdiction"):
            facts.append(["States", md(", ".join(d["jurisdiction"]))])
        facts.append(["Counts timed units by", method_words(self.ctx, self.page, method_in_force(self.ctx, self.pid))])
        own = inherited = overrides = 0
        for section in SECTIONS:
            for rule in self.rules(section):
                kind, _ = self.ctx.origin(self.pid, section, rule)
                own += kind == "own"
                overrides += kind == "overrides"
                inherited += kind == "inherited"
        summary = f"{plural(own + overrides + inherited, 'rule')}: {own or 'none'} its own"
        if d.get("extends"):
            parent = payer_link(self.page, self.ctx, d["extends"])
            summary += (f", {overrides} overriding {parent}, {inherited} inherited unchanged, "
                        f"[{len(d['removed'])} removed](#removed)")
        facts.append(["Rules", summary])
        out = []
        if d.get("summary"):
            out.append(paragraphs(d["summary"]))
        out.append(table(["", ""], facts, cls="kb-facts"))
        jump = [("codes", "Codes"), ("units", "Units"), ("examples", "Worked examples"), ("modifiers", "Modifiers"),
                ("bundling", "Bundling"), ("caps", "Caps"), ("thresholds", "Thresholds"),
                ("payments", "Payments"), ("documentation", "Documentation"), ("code-rules", "Code rules"),
                ("visit-rules", "Visit rules")]
        if d.get("extends"):
            jump.append(("removed", "Removed"))
        out.append("On this page: " + " · ".join(f"[{label}](#{a})" for a, label in jump))
        out.append(
            f"Each rule shows the dates it is in force, its evidence grade "
            f'({cite.grade("primary")} {cite.grade("bulletin")} {cite.grade("secondary")}: '
            f'[what they mean]({links.rel(self.page, links.HOME, "evidence-grades")})) and its sources. '
            f"“In force” is judged on {self.day.isoformat()}.\n{{: .kb-legend }}"
        )
        return "\n\n".join(out)

    def units(self) -> str:
        rows = []
        for rule in self.rules("unit_methods"):
            method = self.ctx.model["methods"].get(rule["method"], {})
            cap_text = cap_words(self.page, self.ctx, rule) or "—"
            rows.append(self.row("unit_methods", rule, [
                f"[{md(method.get('name', rule['method']))}]({links.rel(self.page, links.METHODS, rule['method'])})",
                cap_text,
                str(rule.get("minimum_minutes") or 8),
            ]))
        text = ["## How units are counted {#units}"]
        current = method_in_force(self.ctx, self.pid)
        if current is not None:
            method = self.ctx.model["methods"].get(current["method"], {})
            text.append(f"On {self.day.isoformat()}: {method_words(self.ctx, self.page, current)}. "
                        + md(method.get("summary", "")))
        text.append(table(self.header("Method", "Daily cap on timed units", "Minimum minutes for a unit"), rows))
        text.append(self.common_visits())
        chart = charts.staircase(self.ctx, self.pid)
        if chart:
            text.append("How this payer's units grow with minutes, beside the other ways of counting:")
            text.append(chart)
        return "\n\n".join(text)

    def common_visits(self) -> str:
        codes = self.ctx.model["codes"]
        view = self.ctx.view(self.pid)
        try:
            view.unit_method()
        except KBError:
            return ""
        # a column for each group of states with its own unit method in force (Anthem's capped states)
        limited = list(dict.fromkeys(
            tuple(r["jurisdiction"]) for r in self.rules("unit_methods")
            if r.get("jurisdiction") and cite.status(r, self.day) == "in force"))
        rows = []
        for label, visit in COMMON_VISITS:
            if any(c not in codes for c, _ in visit):
                continue
            units = view.units(dict(visit))
            calc = links.calculator_href(self.page, self.pid, self.day.isoformat(), visit)
            lines = " + ".join(f"{code_link(self.page, c, self.ctx)} {m} min" for c, m in visit)
            row = [md(label), lines, units_text(units) + f" = {sum(units.values())}"]
            for states in limited:
                there = self.ctx.view(self.pid, self.day, states[0]).units(dict(visit))
                row.append(units_text(there) + f" = {sum(there.values())}")
            row.append(f'<a href="{attr(calc)}">explain</a>')
            rows.append(row)
        if not rows:
            return ""
        header = ["Visit", "Minutes", "Units" + (" elsewhere" if limited else ""),
                  *[f"Units in {md(', '.join(s))}" for s in limited], ""]
        return ("### Units for common visits {#common-visits}\n\n"
                f"Counted by this site with {md(self.data['name'])}'s rules on {self.day.isoformat()}. "
                "“explain” opens the calculator with every step.\n\n" + table(header, rows))

    def examples(self) -> str:
        out = ["## Worked examples {#examples}"]
        examples = self.data.get("examples") or []
        if not examples:
            out.append("This payer has no worked examples of its own yet"
                       + (" (examples are not inherited; see the payer it extends)." if self.data.get("extends")
                          else "."))
            return "\n\n".join(out)
        out.append("Visits from the sources, with the answer the source gives and the answer this site computes "
                   "from the rules above (they must agree: the test suite checks every one).")
        rows = []
        for ex in examples:
            visit = ex["visit"]
            day = date.fromisoformat(ex["date"])
            minutes = {line["code"]: line.get("minutes", 0) for line in visit["lines"]}
            expect = ex["expect"]
            try:
                got = self.ctx.view(self.pid, day, visit.get("state")).units(minutes)
                got_text = units_text(got)
            except KBError as err:
                got, got_text = None, md(str(err))
            if "units" in expect:
                want = units_text(expect["units"])
                ok = got == expect["units"]
            elif "units_any_of" in expect:
                want = "any of: " + " or ".join(units_text(u) for u in expect["units_any_of"])
                ok = got in expect["units_any_of"]
            else:
                want, ok = "—", True
            if expect.get("findings"):
                want += "<br>findings: " + ", ".join(md(f) for f in expect["findings"])
            if expect.get("payment_factors"):
                want += "<br>payment: " + ", ".join(f"{md(c)} ×{f:g}" for c, f in expect["payment_factors"].items())
            mark = '<span class="kb-ok" title="agrees with the source">✓</span>' if ok else \
                '<span class="kb-bad" title="differs from the source">✗</span>'
            calc = links.calculator_href(self.page, self.pid, ex["date"], list(minutes.items()), visit.get("state"))
            note = md(ex["notes"]) if ex.get("notes") else ""
            rows.append([
                f'<span id="example-{slug(ex["id"])}"></span>{md(ex["title"])}',
                md(ex["date"]),
                visit_text(self.page, visit, self.ctx),
                want,
                f'{mark} {got_text} <a href="{attr(calc)}">explain</a>',
                (cite.grade(ex["evidence"]) + "<br>" if ex.get("evidence") else "")
                + cite.sources(self.page, ex.get("sources")),
                note,
            ])
        out.append(table(["Example", "Date", "Visit", "The source says", "This site counts", "Evidence · source",
                          "Notes"], rows, cls="kb-rules kb-examples"))
        return "\n\n".join(out)

    def modifiers(self) -> str:
        body = self.rule_tables("modifier_rules", ["Rule", "Modifiers", "What it asks", "On lines of"], lambda rule: [
            md(rule["id"]), self.modifier_names(rule), self.modifier_condition(rule),
            selector_text(self.page, rule, self.ctx),
        ])
        return "## Modifier rules {#modifiers}\n\n" + body

    def modifier_names(self, rule: dict[str, Any]) -> str:
        names: list[str] = []
        for m in [rule.get("modifier"), *(rule.get("modifiers") or []),
                  *(rule.get("by_plan_of_care") or {}).values(), *(rule.get("pairs") or {}).keys(),
                  *(rule.get("pairs") or {}).values()]:
            if m and m not in names:
                names.append(m)
        return ", ".join(modifier_link(self.page, m, self.ctx) for m in names) or "—"

    def modifier_condition(self, rule: dict[str, Any]) -> str:
        return modifier_condition(self.page, self.ctx, rule)

    def bundling(self) -> str:
        intro = ("NCCI procedure-to-procedure (PTP) edits: when both codes are billed for one patient on one "
                 "date, the column 2 code is denied unless the modifier indicator lets a modifier bypass the "
                 "edit and the services really were distinct.")
        body = self.rule_tables("ptp_edits", ["Column 1", "Column 2 (denied)", "Modifier indicator", "Rationale"],
                                lambda rule: [
                                    code_link(self.page, rule["column1"], self.ctx),
                                    code_link(self.page, rule["column2"], self.ctx),
                                    md(INDICATOR.get(rule["modifier_indicator"], rule["modifier_indicator"])),
                                    md(rule.get("rationale") or ""),
                                ])
        return "## Bundling edits {#bundling}\n\n" + intro + "\n\n" + body

    def caps(self) -> str:
        out = ["## Unit caps {#caps}"]
        capped = [r for r in self.rules("unit_methods") if r.get("daily_cap") is not None]
        if capped:
            out.append("Daily cap on timed units: " + "; ".join(
                f"{cap_words(self.page, self.ctx, r)}, {cite.period(r, self.day)}" for r in capped)
                + " — see [How units are counted](#units).")
        code_caps = [r for r in self.rules("code_rules") if r.get("daily_cap") is not None]
        if code_caps:
            out.append("### Units a day per code {#code-caps}")
            out.append(self.rule_tables("code_rules", ["Code", "At most"], lambda r: [
                code_link(self.page, r["code"], self.ctx), f"{r['daily_cap']} a day"], rules=code_caps))
        out.append("### Medically unlikely edits (MUEs) {#mues}")
        out.append(self.rule_tables(
            "mues", ["Code", "MUE (units a day)", "Adjudication indicator (MAI)", "Rationale"],
            lambda r: [code_link(self.page, r["code"], self.ctx), str(r["value"]), md(MAI.get(r["mai"], r["mai"])),
                       md(r.get("rationale") or "")]))
        return "\n\n".join(out)

    def thresholds(self) -> str:
        rules = self.rules("thresholds")
        out = ["## Thresholds by year {#thresholds}"]
        if not rules:
            removed = [r for r in self.data.get("removed", []) if r["section"] == "thresholds"]
            out.append("No dollar thresholds" + (" (the inherited ones are removed: see [Removed](#removed))."
                                                  if removed else "."))
            return "\n\n".join(out)
        columns = sorted({(r["name"], r["group"]) for r in rules})
        by_year: dict[int, dict[tuple[str, str], list[dict[str, Any]]]] = defaultdict(lambda: defaultdict(list))
        for r in rules:
            by_year[r["year"]][(r["name"], r["group"])].append(r)
        rows = []
        for year in sorted(by_year, reverse=True):
            cells = [f"**{year}**"]
            notes = []
            for col in columns:
                found = by_year[year].get(col, [])
                parts = []
                for r in found:
                    text = self.anchor_cell("thresholds", r, f"**${r['amount']:,.2f}**".replace(".00**", "**"))
                    text += " " + cite.grade(r.get("evidence")) + "<br>" + cite.sources(self.page, r.get("sources"))
                    if r.get("jurisdiction"):
                        text += f"<br>only in {md(', '.join(r['jurisdiction']))}"
                    parts.append(text)
                    note = notes_cell(self.page, self.ctx, self.pid, "thresholds", r,
                                      links.rule_anchor("thresholds", r["key"]))
                    if note and note not in notes:
                        notes.append(note)
                cells.append("<br>".join(parts) or "—")
            cells.append("<br><br>".join(notes))
            rows.append(cells)
        header = ["Year", *[f"{md(n)} {md(g.replace('-', ' & '))}" for n, g in columns], "Notes"]
        out.append("Dollar amounts per calendar year (in force 1 January to 31 December), per discipline group. "
                   "PT and SLP share one amount; OT has its own.")
        out.append(table(header, rows))
        return "\n\n".join(out)

    def payments(self) -> str:
        body = self.rule_tables("payment_adjustments", ["Adjustment", "Type", "Percent", "Lines with", "Codes"],
                                lambda r: [
                                    md(r["id"]), md(r["type"].replace("-", " ")), f"{r['percent']:g} %",
                                    ", ".join(modifier_link(self.page, m, self.ctx) for m in r.get("modifiers", []))
                                    or "—",
                                    selector_text(self.page, r, self.ctx),
                                ])
        return "## Payment adjustments {#payments}\n\n" + body

    def documentation(self) -> str:
        out = ["## Documentation checklists {#documentation}"]
        found = [r for r in self.rules("code_rules") if r.get("documentation")]
        if not found:
            out.append("No documentation checklists.")
            return "\n\n".join(out)
        out.append("What the treatment note must show for the code to survive review. The claim checker looks "
                   "for each element in the note's text.")
        for r in found:
            code = r["code"]
            origin = notes_cell(self.page, self.ctx, self.pid, "code_rules", r, links.rule_anchor("code_rules", code))
            out.append(f"**{code_link(self.page, code, self.ctx)}: {md(self.ctx.code_summary(code))}** · "
                       f"{cite.period(r, self.day)} {cite.grade(r.get('evidence'))} · "
                       f"{cite.sources(self.page, r.get('sources'))}".replace("<br>", " · ")
                       + f"\n{{: #documentation-{slug(code)} .kb-checklist }}")
            items = [[str(i), md(el["element"]), md(el.get("fix") or "")]
                     for i, el in enumerate(r["documentation"], 1)]
            out.append(table(["#", "The note must show", "If it is missing"], items))
            if origin:
                out.append(origin)
        return "\n\n".join(out)

    def code_rules(self) -> str:
        def cells(r: dict[str, Any]) -> list[str]:
            flags = code_rule_flags(r, emphasis="**")
            if r.get("documentation"):
                flags.append(f"[documentation checklist](#documentation-{slug(r['code'])}) "
                             f"({plural(len(r['documentation']), 'item')})")
            return [code_link(self.page, r["code"], self.ctx), "; ".join(flags) or "—"]

        return "## Per-code rules {#code-rules}\n\n" + self.rule_tables("code_rules", ["Code", "Rule"], cells)

    def visit_rules(self) -> str:
        def cells(r: dict[str, Any]) -> list[str]:
            what = {"max-per-date": f"at most {r.get('max')} per date",
                    "no-shared-time": "not for the same minutes as",
                    "may-share-time": "may share minutes with other therapy",
                    "max-per-days": f"at most {r.get('max')} in {r.get('days')} days (over the episode)",
                    "max-visits-per-year": f"at most {r.get('max')} visits a year per discipline",
                    "progress-report": f"a progress report at least every {r.get('treatment_days')} treatment days",
                    "certification": f"plan of care certified within {r.get('days')} days of the start of care",
                    "certification-by-order": f"a signed order on file, plan sent within {r.get('days')} days, "
                                              "stands for the certification",
                    "recertification": f"plan recertified at least every {r.get('days')} days",
                    }.get(r["type"], md(r["type"]))
            return [md(r["id"]), selector_text(self.page, r, self.ctx), md(what),
                    selector_text(self.page, r, self.ctx, "with") if r.get("with") else "—", md(r["finding"])]

        return "## Visit rules {#visit-rules}\n\n" + self.rule_tables(
            "visit_rules", ["Rule", "Codes", "Rule", "With", "Finding id"], cells)

    def removed(self) -> str:
        if not self.data.get("extends"):
            return ""
        rows = []
        for item in self.data.get("removed", []):
            key = item.get("key")
            where = ", ".join(item.get("removed_from") or []) or self.data["extends"]
            target = item.get("removed_from", [self.data["extends"]])
            first = target[0] if target else self.data["extends"]
            if key:
                target_link = links.rel(self.page, links.payer_page(first), links.rule_anchor(item["section"], key))
                what = f"[{md(key)}]({target_link})" if first in self.ctx.model["payers"] else md(key)
            else:
                what = "every rule of the section"
            rows.append([md(SECTION_TITLES.get(item["section"], item["section"])), what, md(where),
                         cite.grade(item.get("evidence")), cite.sources(self.page, item.get("sources")),
                         md(item.get("notes") or "")])
        parent = payer_link(self.page, self.ctx, self.data["extends"])
        body = table(["Section", "Rule", "Removed from", "Evidence", "Source", "Notes"], rows) or \
            "Nothing removed."
        return (f"## Removed from {parent} {{#removed}}\n\n"
                "Inherited rules this payer does not have, each with the source that says so.\n\n" + body)

    def codes(self) -> str:
        """Every code, linking to this payer's rules on the code's page."""
        items = [f"[{md(code)}]({links.rel(self.page, links.code_page(code), 'payer-' + slug(self.pid))})"
                 for code in self.ctx.model["codes"]]
        return ("## This payer, code by code {#codes}\n\n"
                f"Each code's page has a matrix of every payer and, under {md(self.data['name'])}, the rules this "
                "payer states about the code: " + " · ".join(items))

    def render(self) -> Page:
        crumbs = f"[Payers]({links.rel(self.page, links.PAYERS)}) › {md(self.pid)}\n{{: .kb-crumbs }}"
        feed = links.rel(self.page, f"feeds/{self.pid}.xml")
        follow = (f"Follow this payer's rule changes: [Atom feed]({feed}){{.kb-feed type=application/atom+xml}} "
                  f"(its own rules and those it inherits; [all payers]({links.rel(self.page, 'feeds/changes.xml')}))"
                  "\n{: .kb-follow }")
        parts = [crumbs, f"# {md(self.data['name'])}", follow, self.intro(), self.units(), self.examples(),
                 self.modifiers(), self.bundling(), self.caps(), self.thresholds(), self.payments(),
                 self.documentation(), self.code_rules(), self.visit_rules(), self.removed(), self.codes()]
        return Page(self.page, self.data["name"], "\n\n".join(p for p in parts if p) + "\n",
                    feed=f"feeds/{self.pid}.xml", boost=2)


def payer_page(ctx: SiteContext, pid: str) -> Page:
    return PayerPage(ctx, pid).render()


def modifier_condition(page: str, ctx: SiteContext, rule: dict[str, Any]) -> str:
    """What a modifier rule asks, in words."""
    kind = rule["type"]
    plan = rule.get("by_plan_of_care") or {}
    mapping = ", ".join(f"{md(k)} plan → {modifier_link(page, v, ctx)}" for k, v in plan.items())
    if kind == "discipline":
        return f"the plan-of-care modifier on every line: {mapping}"
    if kind == "assistant":
        share = rule.get("de_minimis_percent")
        return (f"when an assistant furnishes more than {share:g} % of the service: {mapping}" if share is not None
                else f"when an assistant furnishes part of the service: {mapping}")
    if kind == "threshold":
        also = rule.get("lines_with") or []
        return (f"{modifier_link(page, rule.get('modifier', ''), ctx)} once the year's "
                f"{md(rule.get('threshold', ''))} threshold is passed and the care is still necessary"
                + (", also on every line carrying " + " / ".join(modifier_link(page, m, ctx) for m in also)
                   if also else ""))
    if kind == "distinct-service":
        return "may bypass a bundling edit with indicator 1 when the services were distinct"
    if kind == "required":
        return "required on every line"
    if kind == "forbidden":
        return "never on these lines"
    if kind == "telehealth":
        marks = [modifier_link(page, m, ctx) for m in rule.get("modifiers") or []]
        marks += [f"place of service {md(p)}" for p in rule.get("places_of_service") or []]
        also = rule.get("lines_with") or []
        return (("paid" if rule.get("allowed") else "**not paid**") + " when furnished via telehealth (a line with "
                + " / ".join(marks) + ")"
                + (", also on every line carrying " + " / ".join(modifier_link(page, m, ctx) for m in also)
                   if also else ""))
    if kind == "pairs-with":
        return "goes with: " + ", ".join(f"{modifier_link(page, a, ctx)} with {modifier_link(page, b, ctx)}"
                                         for a, b in (rule.get("pairs") or {}).items())
    return md(kind)


__all__ = ["COMMON_VISITS", "INDICATOR", "MAI", "codes_links", "method_in_force", "method_words",
           "modifier_condition", "pages"]
