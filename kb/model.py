"""The values queries return: frozen dataclasses that print well and convert to plain data."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

from kb.rules import parse_date


@dataclass(frozen=True)
class Source:
    """Where a rule comes from."""

    title: str
    read: date | None = None
    url: str | None = None
    document: str | None = None
    publisher: str | None = None
    section: str | None = None
    quote: str | None = None
    revised: date | None = None
    via: str | None = None
    doc: str | None = None
    last_verified: date | None = None  # the last date a maintainer checked the document still says this

    def __str__(self) -> str:
        where = f", {self.section}" if self.section else ""
        link = f" <{self.url}>" if self.url else (f" ({self.document})" if self.document else "")
        return f"{self.title}{where}{link}"

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Source:
        values: dict[str, Any] = {k: data.get(k) for k in cls.__dataclass_fields__}
        values["read"] = parse_date(values["read"])
        values["revised"] = parse_date(values["revised"])
        values["last_verified"] = parse_date(values["last_verified"])
        return cls(**values)


@dataclass(frozen=True)
class Rule:
    """What every rule carries: its payer, period, sources, evidence grade and notes."""

    payer: str
    key: str
    effective_from: date | None
    effective_to: date | None
    sources: tuple[Source, ...]
    evidence: str
    notes: str | None = None
    jurisdiction: tuple[str, ...] | None = None
    declared_by: str | None = None
    effective_from_basis: str = "stated"  # or 'earliest-evidence' (may be older) / 'assumed' (a convention)

    @property
    def inherited(self) -> bool:
        """True when the rule comes from a payer this one extends."""
        return self.declared_by is not None and self.declared_by != self.payer

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready data (dates as ISO strings)."""
        return plain(asdict(self))


def plain(value: Any) -> Any:
    """JSON-ready data: dates as ISO strings, None fields dropped, tuples as lists."""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items() if v is not None}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    return value


def rule_fields(payer: str, data: dict[str, Any], sources: dict[int, Source] | None = None) -> dict[str, Any]:
    """The common Rule fields from one compiled rule. `sources` (source dict id -> Source) shares one Source per
    source dict of the compiled model: an unpacked model holds each distinct source once, cited by many rules."""
    if sources is not None:
        cited = []
        for s in data.get("sources", []):
            found = sources.get(id(s))
            if found is None:
                found = sources[id(s)] = Source.from_dict(s)
            cited.append(found)
        return _common(payer, data, tuple(cited))
    return _common(payer, data, tuple(Source.from_dict(s) for s in data.get("sources", [])))


def _common(payer: str, data: dict[str, Any], sources: tuple[Source, ...]) -> dict[str, Any]:
    return {
        "payer": payer,
        "key": data["key"],
        "effective_from": parse_date(data.get("effective_from")),
        "effective_to": parse_date(data.get("effective_to")),
        "sources": sources,
        "evidence": data["evidence"],
        "notes": data.get("notes"),
        "jurisdiction": tuple(data["jurisdiction"]) if data.get("jurisdiction") else None,
        "declared_by": data.get("declared_by"),
        "effective_from_basis": data.get("effective_from_basis", "stated"),
    }


@dataclass(frozen=True)
class PtpEdit(Rule):
    """A bundling edit: column 2 is denied with column 1 unless the indicator lets a modifier bypass it."""

    column1: str = ""
    column2: str = ""
    modifier_indicator: int = 0
    rationale: str | None = None

    def __str__(self) -> str:
        end = self.effective_to.isoformat() if self.effective_to else "open"
        meaning = {0: "no modifier bypasses it", 1: "59/X{EPSU} on the column 2 line may bypass it",
                   9: "not applicable"}[self.modifier_indicator]
        return (f"{self.column1} bundles {self.column2} (indicator {self.modifier_indicator}: {meaning}); "
                f"{self.effective_from} to {end}")


@dataclass(frozen=True)
class Mue(Rule):
    """A medically unlikely edit: the most units of a code per patient per date of service."""

    code: str = ""
    value: int = 0
    mai: int = 0
    rationale: str | None = None

    def __str__(self) -> str:
        return f"MUE {self.code}: {self.value} (MAI {self.mai})"


@dataclass(frozen=True)
class UnitMethod(Rule):
    """How the payer turns minutes into units in this period."""

    method: str = ""
    daily_cap: int | None = None
    cap_scope: str | None = None
    cap_codes: tuple[str, ...] | None = None
    minimum_minutes: int | None = None


@dataclass(frozen=True)
class CodeRule(Rule):
    """A payer's rule about one code."""

    code: str = ""
    timed: bool | None = None
    unit_minutes: int | None = None
    daily_cap: int | None = None
    one_on_one: bool | None = None
    covered: bool | None = None
    documentation: tuple[dict[str, Any], ...] = ()
    # the sources of each fact the rule states, where they differ ({"daily_cap": (Source, ...)}); `sources` covers
    # the rule as a whole
    fact_sources: dict[str, tuple[Source, ...]] = field(default_factory=dict)


@dataclass(frozen=True)
class ModifierRule(Rule):
    """A payer's rule about modifiers on lines of the codes it applies to."""

    id: str = ""
    type: str = ""
    modifiers: tuple[str, ...] = ()
    applies_to: tuple[str, ...] = ()
    by_plan_of_care: dict[str, str] = field(default_factory=dict)
    de_minimis_percent: float | None = None
    threshold: str | None = None
    pairs: dict[str, str] = field(default_factory=dict)
    lines_with: tuple[str, ...] = ()  # threshold, telehealth: also every line carrying one of these modifiers
    allowed: bool | None = None  # telehealth: the payer pays telehealth lines in the rule's period
    places_of_service: tuple[str, ...] = ()  # telehealth: the visit places of service that mean telehealth

    def __str__(self) -> str:
        return f"{self.id} ({self.type}): {', '.join(self.modifiers)}"


@dataclass(frozen=True)
class Threshold(Rule):
    """A dollar threshold for one calendar year and discipline group."""

    name: str = ""
    group: str = ""
    year: int = 0
    amount: float = 0.0


@dataclass(frozen=True)
class PaymentAdjustment(Rule):
    """A payment rule: a percent of payment for some modifiers, or a multiple-procedure reduction."""

    id: str = ""
    type: str = ""
    percent: float = 100.0
    modifiers: tuple[str, ...] = ()
    applies_to: tuple[str, ...] = ()
    claim_types: tuple[str, ...] = ()


@dataclass(frozen=True)
class VisitRule(Rule):
    """A rule about a whole visit (a date of service)."""

    id: str = ""
    type: str = ""
    finding: str = ""
    applies_to: tuple[str, ...] = ()
    with_codes: tuple[str, ...] = ()
    max: int | None = None
    days: int | None = None  # rules over several visits: their period in calendar days
    treatment_days: int | None = None  # progress-report: most treatment days between two reports


@dataclass(frozen=True)
class CodeInfo:
    """A code as one payer sees it on one date: the catalogue entry plus the payer's rules for it."""

    code: str
    system: str
    summary: str
    timed: bool
    unit_minutes: int | None
    family: str
    disciplines: tuple[str, ...]
    always_therapy: bool
    one_on_one: bool
    covered: bool
    rule: CodeRule | None
    mue: Mue | None
    modifier_rules: tuple[ModifierRule, ...]
    sources: tuple[Source, ...]

    def __str__(self) -> str:
        kind = f"timed, {self.unit_minutes}-minute units" if self.timed else "untimed (1 unit per day)"
        return f"{self.code} ({self.system}): {self.summary} [{kind}; {self.family}]"


@dataclass(frozen=True)
class UnitsExplanation:
    """Units per code for one visit, and how they were counted."""

    payer: str
    as_of: date
    method: str
    units: dict[str, int]
    steps: tuple[str, ...]
    tie_broken: bool
    rule: UnitMethod

    @property
    def sources(self) -> tuple[Source, ...]:
        return self.rule.sources

    def __str__(self) -> str:
        lines = [f"{self.payer} on {self.as_of}: method {self.method}"]
        lines += [f"  {i}. {s}" for i, s in enumerate(self.steps, 1)]
        lines.append("  Units: " + ", ".join(f"{c} x{u}" for c, u in self.units.items()))
        lines += [f"  Source: {s}" for s in self.sources]
        return "\n".join(lines)
