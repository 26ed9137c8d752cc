"""One payer's resolved rules on one date of service: the object most queries go through."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import date
from typing import TYPE_CHECKING, Any, cast

from kb import units as unit_methods
from kb.model import (
    CodeInfo,
    CodeRule,
    ModifierRule,
    Mue,
    PaymentAdjustment,
    PtpEdit,
    Rule,
    Source,
    Threshold,
    UnitMethod,
    UnitsExplanation,
    VisitRule,
    rule_fields,
)
from kb.mue import MueTable
from kb.problems import InputError, QueryError
from kb.ptp import PairIndex, PtpTable, ymd
from kb.rules import SECTIONS, period, pick

if TYPE_CHECKING:
    from kb.catalogue import Catalogue

MAX_MINUTES = 24 * 60
GROUP_OF = {"PT": "PT-SLP", "SLP": "PT-SLP", "OT": "OT"}


def typed_rule(section: str, payer: str, data: dict[str, Any], sources: dict[int, Source] | None = None) -> Rule:
    """A compiled rule as its typed, frozen value (`sources`: see kb.model.rule_fields)."""
    common = rule_fields(payer, data, sources)
    if section == "unit_methods":
        cap_codes = tuple(data["cap_codes"]) if "cap_codes" in data else None
        return UnitMethod(**common, method=data["method"], daily_cap=data.get("daily_cap"),
                          cap_scope=data.get("cap_scope"), cap_codes=cap_codes,
                          minimum_minutes=data.get("minimum_minutes"))
    if section == "code_rules":
        return CodeRule(**common, code=data["code"], timed=data.get("timed"), unit_minutes=data.get("unit_minutes"),
                        daily_cap=data.get("daily_cap"), one_on_one=data.get("one_on_one"),
                        covered=data.get("covered"), documentation=tuple(data.get("documentation", ())),
                        fact_sources={fact: tuple(Source.from_dict(s) for s in srcs)
                                      for fact, srcs in (data.get("fact_sources") or {}).items()})
    if section == "ptp_edits":
        return PtpEdit(**common, column1=data["column1"], column2=data["column2"],
                       modifier_indicator=data["modifier_indicator"], rationale=data.get("rationale"))
    if section == "mues":
        return Mue(**common, code=data["code"], value=data["value"], mai=data["mai"], rationale=data.get("rationale"))
    if section == "modifier_rules":
        named = list(data.get("modifiers", []))
        if data.get("modifier"):
            named.append(data["modifier"])
        named += [m for m in (data.get("by_plan_of_care") or {}).values() if m not in named]
        return ModifierRule(**common, id=data["id"], type=data["type"], modifiers=tuple(named),
                            applies_to=tuple(data.get("applies_to_codes", ())),
                            by_plan_of_care=dict(data.get("by_plan_of_care") or {}),
                            de_minimis_percent=data.get("de_minimis_percent"), threshold=data.get("threshold"),
                            pairs=dict(data.get("pairs") or {}), lines_with=tuple(data.get("lines_with", ())),
                            allowed=data.get("allowed"), places_of_service=tuple(data.get("places_of_service", ())))
    if section == "thresholds":
        return Threshold(**common, name=data["name"], group=data["group"], year=data["year"], amount=data["amount"])
    if section == "payment_adjustments":
        return PaymentAdjustment(**common, id=data["id"], type=data["type"], percent=data["percent"],
                                 modifiers=tuple(data.get("modifiers", ())),
                                 applies_to=tuple(data.get("applies_to_codes", ())),
                                 claim_types=tuple(data.get("claim_types", ())))
    if section == "visit_rules":
        return VisitRule(**common, id=data["id"], type=data["type"], finding=data["finding"],
                         applies_to=tuple(data.get("applies_to_codes", ())),
                         with_codes=tuple(data.get("with_codes", ())), max=data.get("max"), days=data.get("days"),
                         treatment_days=data.get("treatment_days"))
    raise ValueError(section)


class PayerRules:
    """A payer's resolved rules, typed and indexed once at load time (shared by every view)."""

    def __init__(self, payer: str, data: dict[str, Any], sources: dict[int, Source] | None = None):
        self.id = payer
        self.data = data
        self.sections: dict[str, list[Rule]] = {
            s: [typed_rule(s, payer, r, sources) for r in data["rules"][s]] for s in SECTIONS
        }
        self.by_key: dict[str, dict[str, list[Rule]]] = {}
        for section, items in self.sections.items():
            grouped: dict[str, list[Rule]] = defaultdict(list)
            for rule in items:
                grouped[rule.key].append(rule)
            self.by_key[section] = dict(grouped)
        self.authored_ptp = PairIndex(self.sections["ptp_edits"])  # type: ignore[arg-type]
        self.bulk_ptp: PtpTable | None = None
        self.bulk_mue: list[MueTable] = []  # snapshots, oldest first
        # per payer, not per date (each period's context asks again): the sections' first rules, and their first
        # dates keyed by the bulk MUE tables attached
        self.firsts: dict[str, Rule] | None = None
        self.starts: tuple[tuple[int, ...], dict[str, date]] | None = None


# what each section covers: the knowledge base holds no rule of it before its first date
COVERAGE = {"unit_methods": "unit counting", "ptp_edits": "NCCI bundling edits", "mues": "medically unlikely edits",
            "visit_rules": "visit rules", "thresholds": "yearly thresholds"}


class PayerView:
    """A payer as of one date of service (and, optionally, one state)."""

    def __init__(self, catalogue: Catalogue, rules: PayerRules, as_of: date, state: str | None = None):
        self.catalogue = catalogue
        self._rules = rules
        self.as_of = as_of
        self._ymd = ymd(as_of)
        self.state = state
        data = rules.data
        self.id: str = rules.id
        self.name: str = data["name"]
        self.kind: str = data["kind"]
        self.extends: str | None = data.get("extends")
        self.lineage: tuple[str, ...] = tuple(data["lineage"])

    def __repr__(self) -> str:
        where = f", state={self.state!r}" if self.state else ""
        return f"<PayerView {self.id} as_of={self.as_of.isoformat()}{where}>"

    # -- rules in force ------------------------------------------------------------------------------

    def _pick(self, section: str, key: str) -> Any:
        return pick(self._rules.by_key[section].get(key, ()), self.as_of, self.state)

    def rules(self, section: str) -> list[Rule]:
        """Every rule of a section in force on `as_of` for this view's state, one per key."""
        if section not in SECTIONS:
            raise QueryError(f"unknown section {section!r}; sections: {', '.join(SECTIONS)}")
        chosen = (pick(group, self.as_of, self.state) for group in self._rules.by_key[section].values())
        return [r for r in chosen if r is not None]

    def all_rules(self, section: str) -> list[Rule]:
        """Every rule of a section in every period and jurisdiction (the history)."""
        return list(self._rules.sections[section])

    def inherited(self, section: str) -> list[Rule]:
        """The rules of a section in force now that come from a payer this one extends."""
        return [r for r in self.rules(section) if r.inherited]

    @property
    def removed(self) -> list[dict[str, Any]]:
        """Inherited rules this payer removes, with its sources."""
        return list(self._rules.data["removed"])

    @property
    def examples(self) -> list[dict[str, Any]]:
        """The payer's worked examples (visits with expected units and findings)."""
        return list(self._rules.data["examples"])

    def data_starts(self) -> dict[str, date]:
        """The first date of service each section has a rule for (inherited rules included; bulk MUE tables
        count from their own dates); sections with no rule at all are left out."""
        tables = tuple(id(t) for t in self._rules.bulk_mue)
        if self._rules.starts is not None and self._rules.starts[0] == tables:
            return dict(self._rules.starts[1])
        out: dict[str, date] = {}
        for section in COVERAGE:
            starts = [start for r in self._rules.sections[section] if (start := period(r)[0]) is not None]
            if section == "mues":
                starts += [t.effective_from for t in self._rules.bulk_mue]
            if starts:
                out[section] = min(starts)
        self._rules.starts = (tables, out)
        return dict(out)

    def first_rules(self) -> dict[str, Rule]:
        """For each section, its earliest rule: the one whose sources mark where the knowledge base's data begin."""
        if self._rules.firsts is not None:
            return dict(self._rules.firsts)
        out: dict[str, Rule] = {}
        for section in COVERAGE:
            dated = [r for r in self._rules.sections[section] if period(r)[0] is not None]
            if dated:
                out[section] = min(dated, key=lambda r: (period(r)[0], r.key))
        self._rules.firsts = out
        return dict(out)

    def no_data(self) -> list[str]:
        """What the knowledge base cannot answer on `as_of` because its data start later: one sentence per
        section ('no medically unlikely edits before 2024-07-01'); empty when every section covers the date."""
        return list(self.no_data_by_section().values())

    def no_data_by_section(self) -> dict[str, str]:
        """`no_data()` keyed by section (unit_methods, ptp_edits, mues, visit_rules, thresholds)."""
        return {section: f"no {COVERAGE[section]} before {first.isoformat()}"
                for section, first in self.data_starts().items() if self.as_of < first}

    def unit_method(self) -> UnitMethod:
        """The unit-counting method in force."""
        rule = self._pick("unit_methods", "unit-method")
        if rule is None:
            gap = [g for g in self.no_data() if g.startswith("no unit counting")]
            raise QueryError(f"{self.id} has no unit-counting method in force on {self.as_of.isoformat()}"
                             + (f": no data for this date (the knowledge base has {gap[0]})" if gap else ""))
        return rule

    def code_rule(self, code: str) -> CodeRule | None:
        """This payer's rule for a code in force, or None."""
        return self._pick("code_rules", code)

    def mue(self, code: str) -> Mue | None:
        """The MUE in force for a code, or None. Authored MUEs win over bulk tables (the latest table in force)."""
        authored = self._pick("mues", code)
        if authored is not None:
            return authored
        for table in reversed(self._rules.bulk_mue):
            if table.effective_from <= self.as_of:
                return table.get(code)
        return None

    def timed(self, code: str) -> bool:
        """Whether this payer counts the code as timed (its override, else the catalogue)."""
        rule = self.code_rule(code)
        if rule is not None and rule.timed is not None:
            return rule.timed
        return bool(self.catalogue.code(code)["timed"])

    def covered(self, code: str) -> bool:
        rule = self.code_rule(code)
        return not (rule is not None and rule.covered is False)

    def unit_length(self, code: str) -> int | None:
        """Minutes in one unit of a timed code (the payer's rule, else the catalogue); None for untimed codes."""
        if not self.timed(code):
            return None
        rule = self.code_rule(code)
        return rule.unit_minutes if rule is not None and rule.unit_minutes else self.catalogue.code(code).get(
            "unit_minutes")

    def unit_lengths(self, codes: Iterable[str]) -> dict[str, int]:
        """The unit length of each timed code given whose unit is not 15 minutes."""
        return {c: n for c in codes if (n := self.unit_length(c)) is not None and n != 15}

    def code(self, code: str) -> CodeInfo:
        """A code with this payer's view of it: timed or not, its rule, its MUE, its modifier rules."""
        entry = self.catalogue.code(code)
        rule = self.code_rule(code)
        one_on_one = entry.get("one_on_one", False)
        if rule is not None and rule.one_on_one is not None:
            one_on_one = rule.one_on_one
        unit_minutes = rule.unit_minutes if rule is not None and rule.unit_minutes else entry.get("unit_minutes")
        return CodeInfo(
            code=code, system=entry["system"], summary=entry["summary"], timed=self.timed(code),
            unit_minutes=unit_minutes if self.timed(code) else None, family=entry["family"],
            disciplines=tuple(entry["disciplines"]), always_therapy=entry["always_therapy"],
            one_on_one=bool(one_on_one), covered=self.covered(code), rule=rule, mue=self.mue(code),
            modifier_rules=tuple(self.modifier_rules(code)),
            sources=tuple(Source.from_dict(s) for s in entry["sources"]),
        )

    def modifier_rules(self, code: str | None = None) -> list[ModifierRule]:
        """Modifier rules in force; with a code, those that apply to lines of that code."""
        if code is not None:
            self.catalogue.code(code)
        found = cast(list[ModifierRule], self.rules("modifier_rules"))
        return [r for r in found if code is None or not r.applies_to or code in r.applies_to]

    def thresholds(self) -> list[Threshold]:
        """Dollar thresholds in force on `as_of` (its calendar year)."""
        return self.rules("thresholds")  # type: ignore[return-value]

    def threshold(self, name: str, discipline: str = "PT") -> float | None:
        """The dollar amount of a threshold ('KX', 'targeted-review') for a discipline on `as_of`, or None."""
        if discipline not in GROUP_OF:
            raise InputError(f"unknown discipline {discipline!r}; use PT, OT or SLP", "discipline")
        key = f"{name}/{GROUP_OF[discipline]}/{self.as_of.year}"
        rule = self._pick("thresholds", key)
        return None if rule is None else rule.amount

    def payment_adjustments(self) -> list[PaymentAdjustment]:
        """Payment adjustments in force."""
        return self.rules("payment_adjustments")  # type: ignore[return-value]

    def visit_rules(self) -> list[VisitRule]:
        """Rules about a whole visit in force."""
        return self.rules("visit_rules")  # type: ignore[return-value]

    # -- bundling ------------------------------------------------------------------------------------

    def ptp(self, code_a: str, code_b: str) -> PtpEdit | None:
        """The bundling edit in force between two codes (either order), or None.

        Edits authored in the policies win over rows of a bulk table for the same pair.
        """
        rules = self._rules
        authored = rules.authored_ptp
        named = authored.codes
        if code_a in named and code_b in named:
            for c1, c2 in ((code_a, code_b), (code_b, code_a)):
                rows = authored.rows(c1, c2)
                if rows:
                    found = pick(rows, self.as_of, self.state)
                    if found is not None:
                        return found  # type: ignore[return-value]
        table = rules.bulk_ptp
        return None if table is None else table.either_order(code_a, code_b, self._ymd)

    def ptp_partners(self, code: str) -> list[PtpEdit]:
        """Every authored edit in force that names the code in either column."""
        edits = self._rules.authored_ptp.involving(code)
        by_pair: dict[tuple[str, str], list[PtpEdit]] = defaultdict(list)
        for e in edits:
            by_pair[(e.column1, e.column2)].append(e)
        found = (pick(group, self.as_of, self.state) for group in by_pair.values())
        return sorted((e for e in found if e is not None), key=lambda e: (e.column1, e.column2))  # type: ignore[misc]

    # -- units ---------------------------------------------------------------------------------------

    def _checked_minutes(self, minutes: Mapping[str, Any]) -> dict[str, int]:
        if not isinstance(minutes, Mapping):
            raise InputError("give minutes as a mapping of code to minutes, e.g. {'97112': 24}", "minutes")
        clean: dict[str, int] = {}
        for code, value in minutes.items():
            code = str(code)
            self.catalogue.code(code)
            if isinstance(value, bool) or not isinstance(value, int):
                raise InputError(f"minutes must be a whole number, not {value!r}", code)
            if value < 0 or value > MAX_MINUTES:
                raise InputError(f"minutes must be between 0 and {MAX_MINUTES}, not {value}", code)
            clean[code] = value
        return clean

    def unit_params(self) -> unit_methods.Params:
        """The parameters the unit method in force counts with (minimum minutes, daily cap and the codes it counts)."""
        rule = self.unit_method()
        return unit_methods.Params(
            minimum_minutes=rule.minimum_minutes or 8,
            daily_cap=rule.daily_cap,
            cap_codes=frozenset(rule.cap_codes) if rule.cap_codes is not None else None,
        )

    def explain_units(self, minutes: Mapping[str, int]) -> UnitsExplanation:
        """Units per code for one visit, with every step in words and the rule's source."""
        clean = self._checked_minutes(minutes)
        rule = self.unit_method()
        params = self.unit_params()
        timed = {c for c in clean if self.timed(c)}
        caps = {}
        for c in clean:
            cr = self.code_rule(c)
            if cr is not None and cr.daily_cap is not None:
                caps[c] = cr.daily_cap
        counted = unit_methods.count(rule.method, clean, timed, params, caps, self.unit_lengths(timed))
        method_name = self.catalogue.method_name(rule.method)
        since = {"earliest-evidence": "at least since", "assumed": "taken to be in force since"}.get(
            rule.effective_from_basis, "in force since")
        first = f"{self.name} counts units by {method_name} ({since} {rule.effective_from})."
        return UnitsExplanation(
            payer=self.id, as_of=self.as_of, method=rule.method, units=counted.units,
            steps=(first, *counted.steps), tie_broken=counted.tie_broken, rule=rule,
        )

    def units(self, minutes: Mapping[str, int]) -> dict[str, int]:
        """Units per code for one visit: {'97112': 24, '97110': 23} -> {'97112': 2, '97110': 1} (Medicare)."""
        return self.explain_units(minutes).units
