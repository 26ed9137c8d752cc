"""What the checker needs about one payer in one period, worked out once and shared by every visit in it.

A payer's rules change only on the dates where some rule starts or ends, so visits whose dates fall between
the same two boundaries (and in the same state) see exactly the same rules. A `Context` is built for the first
visit of such a period and reused for the rest; facts about a code are worked out the first time a visit uses
the code. Nothing here knows a payer, a code number or a modifier by name: it all comes from the rules.
"""

from __future__ import annotations

import copy
from bisect import bisect_right
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from kb import units as unit_methods
from kb.check.notes import ElementMatcher, PreparedNote, compile_element
from kb.model import (
    CodeRule,
    ModifierRule,
    Mue,
    PaymentAdjustment,
    PtpEdit,
    Source,
    Threshold,
    UnitMethod,
    VisitRule,
)
from kb.payer import GROUP_OF
from kb.problems import InputError, QueryError
from kb.ptp import ymd
from kb.rules import SECTIONS, pick

if TYPE_CHECKING:
    from kb.payer import PayerRules, PayerView



class RuleBase(Protocol):
    """What the checker needs of a knowledge base (kb.KnowledgeBase is one): the checker does not import
    kb/knowledge.py, which builds on the checker."""

    model: dict[str, Any]  # the compiled model (catalogues, payers)

    def payers(self) -> list[str]: ...

    def payer(self, payer_id: str, as_of: date | None = None, state: str | None = None) -> PayerView: ...

    def payer_rules(self, payer_id: str) -> PayerRules | None: ...


@dataclass(frozen=True)
class DocElement:
    """One documentation checklist element with its patterns compiled (kb/check/notes.py)."""

    id: str
    element: str
    fix: str
    matcher: ElementMatcher

    def found_in(self, note: PreparedNote) -> bool:
        return self.matcher.found_in(note)


@dataclass
class CodeFacts:
    """One code as this payer sees it in this period: everything a line of the code is checked against."""

    code: str
    timed: bool
    family: str
    covered: bool
    rule: CodeRule | None
    mue: Mue | None
    discipline: list[ModifierRule] = field(default_factory=list)
    assistant: list[ModifierRule] = field(default_factory=list)
    threshold: list[ModifierRule] = field(default_factory=list)
    required: list[ModifierRule] = field(default_factory=list)
    forbidden: list[ModifierRule] = field(default_factory=list)
    telehealth: list[ModifierRule] = field(default_factory=list)  # telehealth rules in force for the code
    pairs: list[ModifierRule] = field(default_factory=list)  # every rule with a `pairs` map (pairs-with, assistant)
    distinct: dict[str, ModifierRule] = field(default_factory=dict)  # modifier -> distinct-service rule
    percent: list[PaymentAdjustment] = field(default_factory=list)
    docs: tuple[DocElement, ...] = ()
    one_on_one: bool = False  # the time billed needs the clinician one-on-one (the payer's rule, else the catalogue)
    one_on_one_rule: CodeRule | None = None  # the payer's rule that says so, when it is the payer's
    sources: tuple[Source, ...] = ()  # the catalogue entry's sources


@dataclass(frozen=True)
class MethodShape:
    """How a unit method behaves, found by asking it (not by its name): the fewest minutes a lone timed service
    needs for a unit, and whether minutes of different codes are added up before units are counted."""

    min_alone: int
    pools: bool


_SHAPES: dict[tuple[str, int, int], MethodShape] = {}


def method_shape(method: str, params: unit_methods.Params) -> MethodShape:
    key = (method, params.minimum_minutes, params.unit_minutes)
    shape = _SHAPES.get(key)
    if shape is None:
        least = next((m for m in range(1, 4 * params.unit_minutes)
                      if unit_methods.count(method, {"A": m}, {"A"}, params).units["A"] > 0), 4 * params.unit_minutes)
        below = least - 1
        pools = below > 0 and sum(unit_methods.count(method, {"A": below, "B": below}, {"A", "B"},
                                                     params).units.values()) > 0
        shape = _SHAPES[key] = MethodShape(least, pools)
    return shape


T = TypeVar("T")
_SHARED: dict[tuple[int, Any], tuple[Any, Any]] = {}  # (id of a rule or entry, how) -> (it, what it gives)


def _shared(owner: Any, make: Callable[[Any], T]) -> T:
    """make(owner), computed once per process for each rule or catalogue entry: the periods' contexts ask the same
    rules again (a code's rule stays in force through many periods of other sections' changes)."""
    key = (id(owner), make)
    found = _SHARED.get(key)
    if found is None or found[0] is not owner:  # kept alive with it, so its id is not reused while listed
        if len(_SHARED) > 50_000:
            _SHARED.clear()
        found = _SHARED[key] = (owner, make(owner))
    return found[1]  # type: ignore[no-any-return]


def _entry_sources(entry: dict[str, Any]) -> tuple[Source, ...]:
    return tuple(Source.from_dict(s) for s in entry.get("sources", ()))


def _doc_elements(rule: CodeRule) -> tuple[DocElement, ...]:
    return tuple(DocElement(d["id"], d["element"], d.get("fix") or f"Add to the note: {d['element']}.",
                            compile_element(d["match"], d.get("exclude") or (), bool(d.get("future")),
                                            d.get("sections") or ()))
                 for d in rule.documentation)


class Context:
    """One payer's rules in force for one period (and state), indexed for the checks."""

    def __init__(self, view: PayerView):
        self.view = view
        self.catalogue = catalogue = view.catalogue
        self.payer = view.id
        self.name = view.name
        # sections whose data start after this date: the visit is checked against what is in force, and a
        # finding says what could not be checked (never an error, never a silent clean)
        self.gaps: dict[str, str] = view.no_data_by_section()
        self.no_data: list[str] = list(self.gaps.values())
        firsts = view.first_rules()
        self.gap_sources = {section: firsts[section].sources if section in firsts else () for section in self.gaps}
        self.unit_rule: UnitMethod | None
        try:
            self.unit_rule = view.unit_method()
        except QueryError:
            self.unit_rule = None  # no unit-counting rule on this date: timed units are not counted
            first = _first_unit_method(view)
            if "unit_methods" not in self.gaps:
                self.gaps["unit_methods"] = ("no unit-counting rule in force on this date" if first is not None
                                             else "no unit-counting rule at all")
                self.gap_sources["unit_methods"] = ()
                self.no_data.insert(0, self.gaps["unit_methods"])
        self.method = self.unit_rule.method if self.unit_rule is not None else None
        self.method_name = catalogue.method_name(self.method) if self.method else "no unit-counting rule"
        self.params = view.unit_params() if self.unit_rule is not None else unit_methods.Params()
        self.uncapped = replace(self.params, daily_cap=None, cap_codes=None)
        # the codes the payer's daily cap counts (None: every timed code), and how to name them
        self.cap_codes = self.params.cap_codes
        self.cap_counts = "timed units" if self.cap_codes is None else "units of the codes it caps"

        self.shape = method_shape(self.method, self.uncapped) if self.method else MethodShape(8, True)
        self.modifier_rules: list[ModifierRule] = view.modifier_rules()
        self.adjustments: list[PaymentAdjustment] = view.payment_adjustments()
        self.visit_rules: list[VisitRule] = view.visit_rules()
        self.max_per_date = [(r, frozenset(r.applies_to)) for r in self.visit_rules if r.type == "max-per-date"]
        self.no_shared = [(r, frozenset(r.applies_to), frozenset(r.with_codes))
                          for r in self.visit_rules if r.type == "no-shared-time"]
        self.may_share = [(r, frozenset(r.applies_to)) for r in self.visit_rules if r.type == "may-share-time"]
        self.shares_time = frozenset().union(*(codes for _, codes in self.may_share))
        # the plan of care each discipline modifier names (GP -> PT ...), from the discipline rules
        self.plan_of_modifier: dict[str, str] = {}
        for r in self.modifier_rules:
            if r.type == "discipline":
                for plan, mod in r.by_plan_of_care.items():
                    self.plan_of_modifier.setdefault(mod, plan)
        self.assistant_modifiers = frozenset(
            m for m, e in catalogue.modifiers.items() if e.get("kind") == "assistant") | {
            m for r in self.modifier_rules if r.type == "assistant" for m in r.modifiers}
        self.known_modifiers = frozenset(catalogue.modifiers)
        # what marks a line as furnished via telehealth: the catalogue's telehealth modifiers and every telehealth
        # rule's modifiers and places of service (whether or not one is in force: a lapse must still be seen)
        tele = [r for r in view.all_rules("modifier_rules") if isinstance(r, ModifierRule) and r.type == "telehealth"]
        self.telehealth_modifiers = frozenset(
            m for m, e in catalogue.modifiers.items() if e.get("kind") == "telehealth") | {
            m for r in tele for m in r.modifiers}
        self.telehealth_places = frozenset(p for r in tele for p in r.places_of_service)
        self.telehealth_rules: list[ModifierRule] = tele  # every period, for telehealth.no-data's sources
        thresholds: list[Threshold] = view.thresholds()
        self.thresholds: dict[tuple[str, str], Threshold] = {(t.name, t.group): t for t in thresholds}
        used = {r.threshold for r in self.modifier_rules if r.type == "threshold"}
        self.plain_thresholds = sorted({t.name for t in thresholds if t.name not in used})
        self._codes: dict[str, CodeFacts | None] = {}
        self._ptp: dict[tuple[str, str], PtpEdit | None] = {}  # authored edits in force in the period, by pair
        self._bulk = view._rules.bulk_ptp  # a bulk PTP table: its rows carry their own dates
        self.day = ymd(view.as_of)  # the visit's date of service as YYYYMMDD (set per visit by `on`)

    def on(self, day: date) -> Context:
        """This period's context for a visit on `day`: shares every cached fact, and answers bulk PTP rows (which
        have dates of their own) for that day. Without a bulk table the period's context serves every day."""
        if self._bulk is None:
            return self
        day_ymd = ymd(day)
        if day_ymd == self.day:
            return self
        other = copy.copy(self)
        other.day = day_ymd
        return other

    # -- codes -----------------------------------------------------------------------------------

    def code(self, code: str) -> CodeFacts | None:
        """The facts of a code, or None when the catalogue does not know it."""
        try:
            return self._codes[code]
        except KeyError:
            facts = self._codes[code] = self._facts(code)
            return facts

    def _facts(self, code: str) -> CodeFacts | None:
        entry = self.catalogue.codes.get(code)
        if entry is None:
            return None
        view = self.view
        rule = view.code_rule(code)
        facts = CodeFacts(code=code, timed=view.timed(code), family=entry["family"], covered=view.covered(code),
                          rule=rule, mue=view.mue(code), one_on_one=bool(entry.get("one_on_one", False)),
                          sources=_shared(entry, _entry_sources))
        if rule is not None and rule.one_on_one is not None:
            facts.one_on_one, facts.one_on_one_rule = rule.one_on_one, rule
        for r in self.modifier_rules:
            if r.applies_to and code not in r.applies_to and not r.lines_with:
                continue
            kind = {"discipline": facts.discipline, "assistant": facts.assistant, "threshold": facts.threshold,
                    "required": facts.required, "forbidden": facts.forbidden,
                    "telehealth": facts.telehealth}.get(r.type)
            if kind is not None:
                kind.append(r)
            if r.pairs:
                facts.pairs.append(r)
            if r.type == "distinct-service":
                for m in r.modifiers:
                    facts.distinct.setdefault(m, r)
        facts.percent = [a for a in self.adjustments
                         if a.type == "percent-of-payment" and (not a.applies_to or code in a.applies_to)]
        if rule is not None and rule.documentation:
            facts.docs = _shared(rule, _doc_elements)
        return facts

    def count(self, minutes: dict[str, int], timed: set[str], caps: dict[str, int],
              capped: bool = True) -> unit_methods.Counted:
        """The payer's unit count for a visit's minutes per code (with its daily caps, or without any)."""
        if self.method is None:  # no unit-counting rule on this date: only untimed codes (one unit) are counted
            untimed = {c: 1 for c in minutes if c not in timed}
            return unit_methods.Counted(untimed, [f"{self.name} has no unit-counting rule in force on "
                                                  f"{self.view.as_of.isoformat()}: timed units are not counted."])
        if capped:
            return unit_methods.count(self.method, minutes, timed, self.params, caps or None,
                                      self.view.unit_lengths(timed))
        return unit_methods.count(self.method, minutes, timed, self.uncapped, None, self.view.unit_lengths(timed))

    def ptp(self, a: str, b: str) -> PtpEdit | None:
        """The bundling edit in force between two codes (either order): the authored edit of the period (cached),
        else the bulk table's row in force on the visit's day."""
        key = (a, b) if a < b else (b, a)
        try:
            edit = self._ptp[key]
        except KeyError:
            edit = self._ptp[key] = self._authored_ptp(a, b)
        if edit is None and self._bulk is not None:
            return self._bulk.either_order(a, b, self.day)
        return edit

    def _authored_ptp(self, a: str, b: str) -> PtpEdit | None:
        authored = self.view._rules.authored_ptp
        for c1, c2 in ((a, b), (b, a)):
            rows = authored.rows(c1, c2)
            if rows:
                found = pick(rows, self.view.as_of, self.view.state)
                if found is not None:
                    return found  # type: ignore[no-any-return]
        return None

    def threshold(self, name: str, plan: str) -> Threshold | None:
        group = GROUP_OF.get(plan)
        return None if group is None else self.thresholds.get((name, group))




def _first_unit_method(view: PayerView) -> date | None:
    starts = [r.effective_from for r in view.all_rules("unit_methods") if r.effective_from]
    return min(starts) if starts else None


class Contexts:
    """Contexts by payer, period and state, for one knowledge base."""

    LIMIT = 4096

    def __init__(self, kb: RuleBase):
        self.kb = kb
        self._boundaries: dict[str, tuple[list[date], Any]] = {}
        self._cache: dict[tuple[Any, ...], Context] = {}

    def get(self, payer: str, day: date, state: str | None) -> Context:
        """The context of the payer's period (and state) that holds `day`, for a visit on that day."""
        bounds, token = self._periods(payer)
        key = (payer, bisect_right(bounds, day), state, token)
        ctx = self._cache.get(key)
        if ctx is None:
            if len(self._cache) >= self.LIMIT:
                self._cache.clear()
            ctx = self._cache[key] = Context(self.kb.payer(payer, as_of=day, state=state))
        return ctx.on(day)

    def _periods(self, payer: str) -> tuple[list[date], Any]:
        """The dates on which some rule of the payer starts or stops applying (bulk PTP rows are looked up by the
        visit's own day, so they do not split periods; a bulk MUE table starts one)."""
        rules = self.kb.payer_rules(payer)
        if rules is None:
            raise InputError(f"unknown payer {payer!r}; known payers: {', '.join(self.kb.payers())}", "payer")
        token = (id(rules.bulk_ptp), tuple(id(t) for t in rules.bulk_mue))
        cached = self._boundaries.get(payer)
        if cached is not None and cached[1] == token:
            return cached
        days: set[date] = set()
        for section in SECTIONS:
            for rule in rules.sections[section]:
                if rule.effective_from is not None:
                    days.add(rule.effective_from)
                if rule.effective_to is not None and rule.effective_to < date.max:
                    days.add(rule.effective_to + timedelta(days=1))
        days.update(t.effective_from for t in rules.bulk_mue)
        result = (sorted(days), token)
        self._boundaries[payer] = result
        return result
