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
    note_sections,
    notes_cell,
    payer_link,
    rule_link,
    selector_text,
    units_text,
    visit_text,
)
from kb.site.context import BULK_SECTIONS, SECTION_TITLES, Page, SiteContext
from kb.site.nodes import (
    Block,
    Blocks,
    Details,
    Heading,
    Inline,
    Items,
    Lines,
    Link,
    Para,
    Span,
    Strong,
    joined,
    table,
)
from kb.site.text import paragraphs, plural, slug

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


def method_words(ctx: SiteContext, rule: dict[str, Any] | None, basis: bool = False) -> Inline:
    """The method in words ('CMS total-time method, at most 4 timed units a day'); with `basis`, its
    start date and evidence grade too."""
    if rule is None:
        return Span("none in force", "kb-missing")
    method = ctx.model["methods"].get(rule["method"], {})
    out: list[Inline] = [Link(method.get("name", rule["method"]), links.METHODS, rule["method"])]
    if rule.get("daily_cap") is not None:
        scope = str(rule.get("cap_scope") or "").replace("-", " ")
        out.append(f", at most {rule['daily_cap']} timed units a day" + (f" ({scope})" if scope else ""))
        if rule.get("cap_codes") is not None:
            out.append(f" on {plural(len(rule['cap_codes']), 'listed code')}")
    if basis:
        out += [" ", Span(f"since {rule.get('effective_from') or '?'}", "kb-since"), " ",
                cite.grade(rule.get("evidence"))]
    return out


def cap_words(ctx: SiteContext, rule: dict[str, Any]) -> Inline:
    """A unit method's daily cap in words: '4 a day (per discipline), counting only 97110, … (15 codes)'."""
    cap = rule.get("daily_cap")
    if cap is None:
        return ""
    out: list[Inline] = [f"{cap} a day" + (f" ({str(rule['cap_scope']).replace('-', ' ')})"
                                            if rule.get("cap_scope") else "")]
    if rule.get("cap_codes") is not None:
        codes = rule["cap_codes"]
        out += [", counting only ", codes_links(codes, ctx, limit=40), f" ({plural(len(codes), 'code')})"]
    return out


def index_page(ctx: SiteContext) -> Page:
    rows = []
    for pid in ctx.payer_ids:
        payer = ctx.payer(pid)
        rows.append([
            payer_link(ctx, pid),
            payer["kind"],
            payer_link(ctx, payer["extends"]) if payer.get("extends") else "—",
            method_words(ctx, method_in_force(ctx, pid), basis=True),
            payer.get("summary") or "",
        ])
    return Page(links.PAYERS, "Payers", [
        Heading(1, "Payers", "payers"),
        Para(f"Every payer in the knowledge base, with the way it counts timed units on {ctx.as_of.isoformat()} "
             "(the day this site was built). A payer that extends another inherits all its rules and states only "
             "what differs; its page marks each rule as its own, overriding, or inherited."),
        table(["Payer", "Kind", "Extends", "Counts timed units by", "In short"], rows),
    ])



def checklist_item(element: dict[str, Any]) -> Inline:
    """One element of a documentation checklist: what the note must show, the note sections that show it whatever
    their words, and what to add when it is missing."""
    extra = [note_sections(element), Span(f"If it is missing: {element['fix']}", "kb-fix") if element.get("fix")
             else None]
    return [element["element"], *[Lines(["", x]) for x in extra if x is not None]]

class PayerPage:
    """The data of one payer page, section by section (the templates write it)."""

    def __init__(self, ctx: SiteContext, pid: str):
        self.ctx = ctx
        self.pid = pid
        self.data = ctx.payer(pid)
        self.page = links.payer_page(pid)
        self.day = ctx.as_of
        self.anchored: set[str] = set()

    # -- helpers -------------------------------------------------------------------------------

    def anchor_cell(self, section: str, rule: dict[str, Any], text: Inline) -> Inline:
        anchor = links.rule_anchor(section, rule["key"])
        if anchor in self.anchored:
            return text
        self.anchored.add(anchor)
        return [Span("", "kb-anchor", id=anchor), text]

    def row(self, section: str, rule: dict[str, Any], cells: list[Inline]) -> list[Inline]:
        anchor = links.rule_anchor(section, rule["key"])
        cells = [self.anchor_cell(section, rule, cells[0]), *cells[1:]]
        return [*cells, *cite.meta(rule, self.day), notes_cell(self.ctx, self.pid, section, rule, anchor)]

    def rules(self, section: str) -> list[dict[str, Any]]:
        return self.ctx.rules(self.pid, section)

    def header(self, *names: str) -> list[Inline]:
        return [*names, *cite.META_HEADER, "Notes"]

    def rule_tables(self, section: str, names: list[str], cells: Callable[[dict[str, Any]], list[Inline]],
                    rules: list[dict[str, Any]] | None = None, cls: str = "kb-rules") -> Blocks:
        """The rules in force (and upcoming) in a table; the ended ones below it, folded.

        A rule's anchor goes on its row in force when it has one, so links land on the rule that applies.
        In a bulk section (BULK_SECTIONS) the rows inherited unchanged are not repeated: a line says how many
        there are and links to the table of the payer that states them."""
        rules = self.rules(section) if rules is None else rules
        out: Blocks = []
        if section in BULK_SECTIONS and self.data.get("extends"):
            inherited = [r for r in rules if self.ctx.shown_at(self.pid, section, r["key"]) != self.pid]
            rules = [r for r in rules if self.ctx.shown_at(self.pid, section, r["key"]) == self.pid]
            by = sorted({r.get("declared_by") or self.pid for r in inherited})
            if inherited:
                anchor = {"ptp_edits": "bundling", "mues": "mues"}[section]
                out.append(Para([
                    Span(f"{plural(len(inherited), 'rule')} inherited", "kb-inherited"), " unchanged from ",
                    joined([payer_link(self.ctx, p, anchor) for p in by], " and "),
                    ": see its table, or a code's page for the code's edits under every payer. Below: only what ",
                    self.data["name"], " states itself" + (" (none)." if not rules else "."),
                ], cls="kb-inherits"))
                if not rules:
                    return out
        current = [r for r in rules if cite.status(r, self.day) != "ended"]
        ended = [r for r in rules if cite.status(r, self.day) == "ended"]
        main = table(self.header(*names), [self.row(section, r, cells(r)) for r in current], cls=cls)
        if main is not None:
            out.append(main)
        else:
            out.append(Para(f"None in force on {self.day.isoformat()}." if ended else "None."))
        if ended:
            history = table(self.header(*names), [self.row(section, r, cells(r)) for r in ended], cls=cls)
            out.append(Details(f"{plural(len(ended), 'ended rule')}, kept for claims with earlier dates of service",
                               [b for b in [history] if b is not None], cls="kb-history"))
        return out

    # -- sections ------------------------------------------------------------------------------

    def intro(self) -> Blocks:
        d = self.data
        facts: list[list[Inline]] = [["Payer id", self.pid], ["Kind", d["kind"]]]
        if d.get("extends"):
            facts.append(["Extends", joined([payer_link(self.ctx, p) for p in d["lineage"][1:]], " → ")])
        children = [p for p in self.ctx.payer_ids if self.ctx.payer(p).get("extends") == self.pid]
        if children:
            facts.append(["Extended by", Items([payer_link(self.ctx, p) for p in children], cls="kb-payer-list")])
        if d.get("claim_type"):
            facts.append(["Claims", d["claim_type"]])
        if d.get("jurisdiction"):
            facts.append(["States", ", ".join(d["jurisdiction"])])
        facts.append(["Counts timed units by", method_words(self.ctx, method_in_force(self.ctx, self.pid))])
        own = inherited = overrides = 0
        for section in SECTIONS:
            for rule in self.rules(section):
                kind, _ = self.ctx.origin(self.pid, section, rule)
                own += kind == "own"
                overrides += kind == "overrides"
                inherited += kind == "inherited"
        summary: list[Inline] = [f"{plural(own + overrides + inherited, 'rule')}: {own or 'none'} its own"]
        if d.get("extends"):
            summary += [f", {overrides} overriding ", payer_link(self.ctx, d["extends"]),
                        f", {inherited} inherited unchanged, ", Link(f"{len(d['removed'])} removed", anchor="removed")]
        facts.append(["Rules", summary])
        out: Blocks = [Para(p) for p in paragraphs(d.get("summary"))]
        out.append(table(["", ""], facts, cls="kb-facts"))
        jump = [("codes", "Codes"), ("units", "Units"), ("examples", "Worked examples"), ("modifiers", "Modifiers"),
                ("bundling", "Bundling"), ("caps", "Caps"), ("thresholds", "Thresholds"),
                ("payments", "Payments"), ("documentation", "Documentation"), ("code-rules", "Code rules"),
                ("visit-rules", "Visit rules")]
        if d.get("extends"):
            jump.append(("removed", "Removed"))
        out.append(Para(["On this page: ", joined([Link(label, anchor=a) for a, label in jump], " · ")]))
        out.append(Para([
            "Each rule shows the dates it is in force, its evidence grade (", cite.grade("primary"), " ",
            cite.grade("bulletin"), " ", cite.grade("secondary"), ": ",
            Link("what they mean", links.HOME, "evidence-grades"), ") and its sources. ",
            f"“In force” is judged on {self.day.isoformat()}."], cls="kb-legend"))
        return out

    def units(self) -> Blocks:
        rows = []
        for rule in self.rules("unit_methods"):
            method = self.ctx.model["methods"].get(rule["method"], {})
            rows.append(self.row("unit_methods", rule, [
                Link(method.get("name", rule["method"]), links.METHODS, rule["method"]),
                cap_words(self.ctx, rule) or "—",
                str(rule.get("minimum_minutes") or 8),
            ]))
        out: Blocks = [Heading(2, "How units are counted", "units")]
        current = method_in_force(self.ctx, self.pid)
        if current is not None:
            method = self.ctx.model["methods"].get(current["method"], {})
            out.append(Para([f"On {self.day.isoformat()}: ", method_words(self.ctx, current), ". ",
                             method.get("summary", "")]))
        out.append(table(self.header("Method", "Daily cap on timed units", "Minimum minutes for a unit"), rows))
        out += self.common_visits()
        chart = charts.staircase(self.ctx, self.pid)
        if chart:
            out.append(Para("How this payer's units grow with minutes, beside the other ways of counting:"))
            out.append(Block(chart))
        return out

    def common_visits(self) -> Blocks:
        codes = self.ctx.model["codes"]
        view = self.ctx.view(self.pid)
        try:
            view.unit_method()
        except KBError:
            return []
        # a column for each group of states with its own unit method in force (Anthem's capped states)
        limited = list(dict.fromkeys(
            tuple(r["jurisdiction"]) for r in self.rules("unit_methods")
            if r.get("jurisdiction") and cite.status(r, self.day) == "in force"))
        rows = []
        for label, visit in COMMON_VISITS:
            if any(c not in codes for c, _ in visit):
                continue
            units = view.units(dict(visit))
            row: list[Inline] = [label, joined([[code_link(c, self.ctx), f" {m} min"] for c, m in visit], " + "),
                                 units_text(units) + f" = {sum(units.values())}"]
            for states in limited:
                there = self.ctx.view(self.pid, self.day, states[0]).units(dict(visit))
                row.append(units_text(there) + f" = {sum(there.values())}")
            row.append(links.calculator_link("explain", self.pid, self.day.isoformat(), visit))
            rows.append(row)
        if not rows:
            return []
        header = ["Visit", "Minutes", "Units" + (" elsewhere" if limited else ""),
                  *[f"Units in {', '.join(s)}" for s in limited], "Steps"]
        return [Heading(3, "Units for common visits", "common-visits"),
                Para(f"Counted by this site with {self.data['name']}'s rules on {self.day.isoformat()}. "
                     "“explain” opens the calculator with every step."),
                table(header, rows)]

    def examples(self) -> Blocks:
        out: Blocks = [Heading(2, "Worked examples", "examples")]
        examples = self.data.get("examples") or []
        if not examples:
            out.append(Para("This payer has no worked examples of its own yet"
                            + (" (examples are not inherited; see the payer it extends)." if self.data.get("extends")
                               else ".")))
            return out
        out.append(Para("Visits from the sources, with the answer the source gives and the answer this site "
                        "computes from the rules above (they must agree: the test suite checks every one)."))
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
                got, got_text = None, str(err)
            want: list[Inline]
            if "units" in expect:
                want = [units_text(expect["units"])]
                ok = got == expect["units"]
            elif "units_any_of" in expect:
                want = ["any of: " + " or ".join(units_text(u) for u in expect["units_any_of"])]
                ok = got in expect["units_any_of"]
            else:
                want, ok = ["—"], True
            if expect.get("findings"):
                want.append("findings: " + ", ".join(expect["findings"]))
            if expect.get("payment_factors"):
                want.append("payment: " + ", ".join(f"{c} ×{f:g}" for c, f in expect["payment_factors"].items()))
            mark = Span("✓", "kb-ok", "agrees with the source") if ok else \
                Span("✗", "kb-bad", "differs from the source")
            rows.append([
                [Span("", id=f"example-{slug(ex['id'])}"), ex["title"]],
                ex["date"],
                visit_text(visit, self.ctx),
                Lines(want),
                [mark, f" {got_text} ",
                 links.calculator_link("explain", self.pid, ex["date"], list(minutes.items()), visit.get("state"))],
                Lines([*([cite.grade(ex["evidence"])] if ex.get("evidence") else []), cite.sources(ex.get("sources"))]),
                ex.get("notes") or "",
            ])
        out.append(table(["Example", "Date", "Visit", "The source says", "This site counts", "Evidence · source",
                          "Notes"], rows, cls="kb-rules kb-examples"))
        return out

    def modifiers(self) -> Blocks:
        return [Heading(2, "Modifier rules", "modifiers"), *self.rule_tables(
            "modifier_rules", ["Rule", "Modifiers", "What it asks", "On lines of"], lambda rule: [
                rule["id"], self.modifier_names(rule), modifier_condition(self.ctx, rule),
                selector_text(rule, self.ctx),
            ])]

    def modifier_names(self, rule: dict[str, Any]) -> Inline:
        names: list[str] = []
        for m in [rule.get("modifier"), *(rule.get("modifiers") or []),
                  *(rule.get("by_plan_of_care") or {}).values(), *(rule.get("pairs") or {}).keys(),
                  *(rule.get("pairs") or {}).values()]:
            if m and m not in names:
                names.append(m)
        return joined([modifier_link(m, self.ctx) for m in names])

    def bundling(self) -> Blocks:
        intro = ("NCCI procedure-to-procedure (PTP) edits: when both codes are billed for one patient on one "
                 "date, the column 2 code is denied unless the modifier indicator lets a modifier bypass the "
                 "edit and the services really were distinct.")
        return [Heading(2, "Bundling edits", "bundling"), Para(intro), *self.rule_tables(
            "ptp_edits", ["Column 1", "Column 2 (denied)", "Modifier indicator", "Rationale"], lambda rule: [
                code_link(rule["column1"], self.ctx),
                code_link(rule["column2"], self.ctx),
                INDICATOR.get(rule["modifier_indicator"], str(rule["modifier_indicator"])),
                rule.get("rationale") or "",
            ])]

    def caps(self) -> Blocks:
        out: Blocks = [Heading(2, "Unit caps", "caps")]
        capped = [r for r in self.rules("unit_methods") if r.get("daily_cap") is not None]
        if capped:
            out.append(Para(["Daily cap on timed units: ",
                             joined([[cap_words(self.ctx, r), ", ", cite.period(r, self.day)] for r in capped], "; "),
                             " — see ", Link("How units are counted", anchor="units"), "."]))
        code_caps = [r for r in self.rules("code_rules") if r.get("daily_cap") is not None]
        if code_caps:
            out.append(Heading(3, "Units a day per code", "code-caps"))
            out += self.rule_tables("code_rules", ["Code", "At most"], lambda r: [
                code_link(r["code"], self.ctx), f"{r['daily_cap']} a day"], rules=code_caps)
        out.append(Heading(3, "Medically unlikely edits (MUEs)", "mues"))
        out += self.rule_tables(
            "mues", ["Code", "MUE (units a day)", "Adjudication indicator (MAI)", "Rationale"],
            lambda r: [code_link(r["code"], self.ctx), str(r["value"]), MAI.get(r["mai"], str(r["mai"])),
                       r.get("rationale") or ""])
        return out

    def thresholds(self) -> Blocks:
        rules = self.rules("thresholds")
        out: Blocks = [Heading(2, "Thresholds by year", "thresholds")]
        if not rules:
            removed = [r for r in self.data.get("removed", []) if r["section"] == "thresholds"]
            out.append(Para(["No dollar thresholds", *([" (the inherited ones are removed: see ",
                                                         Link("Removed", anchor="removed"), ")."] if removed
                                                        else ["."])]))
            return out
        columns = sorted({(r["name"], r["group"]) for r in rules})
        by_year: dict[int, dict[tuple[str, str], list[dict[str, Any]]]] = defaultdict(lambda: defaultdict(list))
        for r in rules:
            by_year[r["year"]][(r["name"], r["group"])].append(r)
        rows = []
        for year in sorted(by_year, reverse=True):
            cells: list[Inline] = [Strong(str(year))]
            notes: list[Inline] = []
            for col in columns:
                parts: list[Inline] = []
                for r in by_year[year].get(col, []):
                    amount = f"${r['amount']:,.2f}".removesuffix(".00")
                    part: list[Inline] = [self.anchor_cell("thresholds", r, Strong(amount)), " ",
                                          cite.grade(r.get("evidence")), Lines(["", cite.sources(r.get("sources"))])]
                    if r.get("jurisdiction"):
                        part.append(Lines(["", f"only in {', '.join(r['jurisdiction'])}"]))
                    parts.append(part)
                    note = notes_cell(self.ctx, self.pid, "thresholds", r, links.rule_anchor("thresholds", r["key"]))
                    if note and note not in notes:
                        notes.append(note)
                cells.append(Lines(parts) if parts else "—")
            cells.append(Lines([x for i, n in enumerate(notes) for x in ([n] if not i else ["", n])]))
            rows.append(cells)
        header = ["Year", *[f"{n} {g.replace('-', ' & ')}" for n, g in columns], "Notes"]
        out.append(Para("Dollar amounts per calendar year (in force 1 January to 31 December), per discipline "
                        "group. PT and SLP share one amount; OT has its own."))
        out.append(table(header, rows))
        return out

    def payments(self) -> Blocks:
        return [Heading(2, "Payment adjustments", "payments"), *self.rule_tables(
            "payment_adjustments", ["Adjustment", "Type", "Percent", "Lines with", "Codes"], lambda r: [
                r["id"], r["type"].replace("-", " "), f"{r['percent']:g} %",
                joined([modifier_link(m, self.ctx) for m in r.get("modifiers", [])]),
                selector_text(r, self.ctx),
            ])]

    def documentation(self) -> Blocks:
        out: Blocks = [Heading(2, "Documentation checklists", "documentation")]
        found = [r for r in self.rules("code_rules") if r.get("documentation")]
        if not found:
            out.append(Para("No documentation checklists."))
            return out
        out.append(Para("What the treatment note must show for the code to survive review. The claim checker "
                        "looks for each element in the note's text; under each, what to add when it is missing."))
        for r in found:
            code = r["code"]
            origin = notes_cell(self.ctx, self.pid, "code_rules", r, links.rule_anchor("code_rules", code))
            out.append(Para(Strong([code_link(code, self.ctx), f": {self.ctx.code_summary(code)}"]),
                            cls="kb-checklist-head", id=f"documentation-{slug(code)}"))
            out.append(Para([cite.period(r, self.day), " ", cite.grade(r.get("evidence")), " · ",
                             cite.sources(r.get("sources"), " · ")], cls="kb-legend kb-checklist-source"))
            out.append(Block(Items([checklist_item(el) for el in r["documentation"]], cls="kb-checklist", ordered=True),
                search=self.ctx.origin(self.pid, "code_rules", r)[0] != "inherited"))  # found where it is stated
            if origin:
                out.append(Para(origin, cls="kb-legend"))
        return out

    def code_rules(self) -> Blocks:
        def cells(r: dict[str, Any]) -> list[Inline]:
            flags = code_rule_flags(r)
            if r.get("documentation"):
                flags.append([Link("documentation checklist", anchor=f"documentation-{slug(r['code'])}"),
                              f" ({plural(len(r['documentation']), 'item')})"])
            return [code_link(r["code"], self.ctx), Items(flags, cls="kb-flags") if flags else "—"]

        return [Heading(2, "Per-code rules", "code-rules"), *self.rule_tables("code_rules", ["Code", "Rule"], cells)]

    def visit_rules(self) -> Blocks:
        def cells(r: dict[str, Any]) -> list[Inline]:
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
                    }.get(r["type"], r["type"])
            return [r["id"], selector_text(r, self.ctx), what,
                    selector_text(r, self.ctx, "with") if r.get("with") else "—", r["finding"]]

        return [Heading(2, "Visit rules", "visit-rules"), *self.rule_tables(
            "visit_rules", ["Rule", "Codes", "Rule", "With", "Finding id"], cells)]

    def removed(self) -> Blocks:
        if not self.data.get("extends"):
            return []
        rows = []
        for item in self.data.get("removed", []):
            key = item.get("key")
            where = ", ".join(item.get("removed_from") or []) or self.data["extends"]
            target = item.get("removed_from", [self.data["extends"]])
            first = target[0] if target else self.data["extends"]
            what: Inline
            if key:
                what = rule_link(self.ctx, key, first, item["section"], key) \
                    if first in self.ctx.model["payers"] else key
            else:
                what = "every rule of the section"
            rows.append([SECTION_TITLES.get(item["section"], item["section"]), what, where,
                         cite.grade(item.get("evidence")), cite.sources(item.get("sources")),
                         item.get("notes") or ""])
        parent = self.data["extends"]
        return [Heading(2, f"Removed from {self.ctx.name(parent)}", "removed"),
                Para(["Inherited rules of ", payer_link(self.ctx, parent),
                      " this payer does not have, each with the source that says so."]),
                table(["Section", "Rule", "Removed from", "Evidence", "Source", "Notes"], rows)
                or Para("Nothing removed.")]

    def codes(self) -> Blocks:
        """Every code, linking to this payer's rules on the code's page."""
        items = [Link(code, links.code_page(code), "payer-" + slug(self.pid)) for code in self.ctx.model["codes"]]
        return [Heading(2, "This payer, code by code", "codes"),
                Para([f"Each code's page has a matrix of every payer and, under {self.data['name']}, the rules this "
                      "payer states about the code: ", joined(items, " · ")])]

    def render(self) -> Page:
        follow = Para(["Follow this payer's rule changes: ",
                       Link("Atom feed", f"feeds/{self.pid}.xml", cls="kb-feed"),
                       " (its own rules and those it inherits; ", Link("all payers", "feeds/changes.xml"), ")"],
                      cls="kb-follow")
        blocks: Blocks = [Para([Link("Payers", links.PAYERS), f" › {self.pid}"], cls="kb-crumbs"),
                          Heading(1, self.data["name"], ""), follow, *self.intro(), *self.units(),
                          *self.examples(), *self.modifiers(), *self.bundling(), *self.caps(), *self.thresholds(),
                          *self.payments(), *self.documentation(), *self.code_rules(), *self.visit_rules(),
                          *self.removed(), *self.codes()]
        return Page(self.page, self.data["name"], [b for b in blocks if b is not None],
                    feed=f"feeds/{self.pid}.xml", boost=2)


def payer_page(ctx: SiteContext, pid: str) -> Page:
    return PayerPage(ctx, pid).render()


def modifier_condition(ctx: SiteContext, rule: dict[str, Any]) -> Inline:
    """What a modifier rule asks, in words."""
    kind = rule["type"]
    plan = rule.get("by_plan_of_care") or {}
    mapping = joined([[f"{k} plan → ", modifier_link(v, ctx)] for k, v in plan.items()], empty="")
    if kind == "discipline":
        return ["the plan-of-care modifier on every line: ", mapping]
    if kind == "assistant":
        share = rule.get("de_minimis_percent")
        return ([f"when an assistant furnishes more than {share:g} % of the service: ", mapping] if share is not None
                else ["when an assistant furnishes part of the service: ", mapping])
    if kind == "threshold":
        also = rule.get("lines_with") or []
        return [modifier_link(rule.get("modifier", ""), ctx),
                f" once the year's {rule.get('threshold', '')} threshold is passed and the care is still necessary",
                *([", also on every line carrying ", joined([modifier_link(m, ctx) for m in also], " / ")]
                  if also else [])]
    if kind == "distinct-service":
        return "may bypass a bundling edit with indicator 1 when the services were distinct"
    if kind == "required":
        return "required on every line"
    if kind == "forbidden":
        return "never on these lines"
    if kind == "telehealth":
        marks: list[Inline] = [modifier_link(m, ctx) for m in rule.get("modifiers") or []]
        marks += [f"place of service {p}" for p in rule.get("places_of_service") or []]
        also = rule.get("lines_with") or []
        return ["paid" if rule.get("allowed") else Strong("not paid"),
                " when furnished via telehealth (a line with ", joined(marks, " / "), ")",
                *([", also on every line carrying ", joined([modifier_link(m, ctx) for m in also], " / ")]
                  if also else [])]
    if kind == "pairs-with":
        return ["goes with: ", joined([[modifier_link(a, ctx), " with ", modifier_link(b, ctx)]
                                       for a, b in (rule.get("pairs") or {}).items()])]
    return str(kind)


__all__ = ["COMMON_VISITS", "INDICATOR", "MAI", "codes_links", "method_in_force", "method_words",
           "modifier_condition", "pages"]
