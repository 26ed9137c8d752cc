"""Rule sections, their keys, and effective periods: the vocabulary shared by lint, compiler and queries."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

# The sections of a payer file that hold rules, in the order pages and artifacts list them.
SECTIONS = (
    "unit_methods",
    "code_rules",
    "modifier_rules",
    "ptp_edits",
    "mues",
    "thresholds",
    "payment_adjustments",
    "visit_rules",
)
REMOVABLE = SECTIONS[1:]


def rule_key(section: str, rule: Mapping[str, Any]) -> str:
    """The identity of a rule within its payer: entries with one key are one rule over time."""
    if section == "unit_methods":
        return "unit-method"
    if section in ("code_rules", "mues"):
        return str(rule.get("code"))
    if section == "ptp_edits":
        return f"{rule.get('column1')}/{rule.get('column2')}"
    if section == "thresholds":
        return f"{rule.get('name')}/{rule.get('group')}/{rule.get('year')}"
    return str(rule.get("id"))


def parse_date(value: Any) -> date | None:
    """'2024-01-01' -> date; None (or anything malformed) -> None."""
    if isinstance(value, date):
        return value
    if not isinstance(value, str):
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


_MAPPING: dict[type, bool] = {}  # per type: is it a Mapping (asking the ABC each time was most of a context's cost)


def field(rule: Any, name: str) -> Any:
    """A field of an authored rule (a mapping) or of a typed rule (an object)."""
    kind = type(rule)
    mapping = _MAPPING.get(kind)
    if mapping is None:
        mapping = _MAPPING[kind] = issubclass(kind, Mapping)
    return rule.get(name) if mapping else getattr(rule, name, None)


def period(rule: Any) -> tuple[date | None, date | None]:
    """(effective_from, effective_to) of an authored, compiled or typed rule; thresholds span their year."""
    start = field(rule, "effective_from")
    year = field(rule, "year")
    if start is None and isinstance(year, int) and not isinstance(year, bool):
        return date(year, 1, 1), date(year, 12, 31)
    return parse_date(start), parse_date(field(rule, "effective_to"))


def in_force(rule: Any, day: date) -> bool:
    """True when `day` lies in the rule's effective period (both ends inclusive)."""
    start, end = period(rule)
    return (start is None or start <= day) and (end is None or day <= end)


def overlap(a: Any, b: Any) -> bool:
    """True when two rules' periods share at least one day."""
    a0, a1 = period(a)
    b0, b1 = period(b)
    lo = max(a0 or date.min, b0 or date.min)
    hi = min(a1 or date.max, b1 or date.max)
    return lo <= hi


def same_scope(a: Any, b: Any) -> bool:
    """True when two rules could apply to the same visit: their jurisdictions are equal or intersect."""
    ja, jb = field(a, "jurisdiction"), field(b, "jurisdiction")
    if not ja or not jb:
        return not ja and not jb
    return bool(set(ja) & set(jb))


def applies_in(rule: Any, state: str | None) -> bool:
    """A rule limited to some states applies only to a visit in one of them."""
    limited = field(rule, "jurisdiction")
    return not limited or (state is not None and state in limited)


def pick(rules: Iterable[Any], day: date, state: str | None) -> Any:
    """The one rule of a key in force on `day` for a visit in `state`.

    A rule limited to the visit's state wins over one that applies everywhere; among equals the
    later effective date wins (the lint keeps such overlaps out of authored data).
    """
    best = None
    best_rank: tuple[int, date] | None = None
    for rule in rules:
        if not in_force(rule, day) or not applies_in(rule, state):
            continue
        rank = (1 if field(rule, "jurisdiction") else 0, period(rule)[0] or date.min)
        if best_rank is None or rank > best_rank:
            best, best_rank = rule, rank
    return best
