"""The check of one visit: what every check reads (lines, code facts, units counted) and `add` to report.

A `Run` is built once per visit; the registered checks (kb/check/checks/) read it and add findings. Units are
counted here because the line results and several checks need them. A visit whose timed lines carry billed
units but no minutes is checked without minutes: `has_minutes` is False, timed lines have no computed units, and
the checks that need minutes are skipped by the engine.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from kb.check.context import CodeFacts, Context
from kb.check.inputs import Line, Visit
from kb.check.result import Finding
from kb.model import Rule, Source, Threshold
from kb.problems import InputError
from kb.units import Counted

if TYPE_CHECKING:
    from kb.remit.codes import RemittanceTable


def basis(ctx: Context, rule: Rule, section: str, key: str | None = None) -> str:
    """Which policy rule fired: 'payer section key', and the payer it is inherited from."""
    text = f"{ctx.payer} {section} {key or rule.key}"
    return text + (f" (from {rule.declared_by})" if rule.inherited else "")


def group(t: Threshold) -> str:
    """'PT-SLP' -> 'PT and SLP'."""
    return t.group.replace("-", " and ")


def plural(n: int, word: str = "unit") -> str:
    """'1 unit', '2 units'."""
    return f"{n} {word}{'s' if n != 1 else ''}"


def clock(minutes: int) -> str:
    """Minutes after midnight as HH:MM."""
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def listing(items: Iterable[str]) -> str:
    """'a', 'a and b', 'a, b and c'."""
    items = list(items)
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1] if items else ""


def first_sentence(notes: str | None) -> str:
    """The first sentence of a rule's notes, without its full stop ('' when there are none)."""
    return notes.split(". ")[0].rstrip(".") if notes else ""


def share(total: int, minutes: Sequence[int], unit: int = 15) -> list[int]:
    """Split a code's units over its lines: full units by each line's minutes, the rest to the largest leftovers."""
    if len(minutes) == 1:
        return [total]
    out = [min(m // unit, total) for m in minutes]
    while sum(out) > total:  # more full units than the code has (a cap took some): take from the smallest
        k = min((k for k in range(len(out)) if out[k]), key=lambda k: (minutes[k], -k))
        out[k] -= 1
    left = total - sum(out)
    order = sorted(range(len(minutes)), key=lambda k: (-(minutes[k] - out[k] * unit), k))
    for k in itertools.islice(itertools.cycle(order), left):
        out[k] += 1
    return out


class Run:
    """One visit being checked: its lines, the facts of its codes under the payer, its units, its findings."""

    def __init__(self, ctx: Context, visit: Visit, remittance: RemittanceTable | None = None):
        self.ctx = ctx
        self.visit = visit
        self.remittance = remittance  # predicted remittance codes per finding id, carried by each finding
        self.lines = visit.lines
        self.facts: list[CodeFacts | None] = [ctx.code(ln.code) for ln in visit.lines]
        self.findings: list[Finding] = []
        self.by_code: dict[str, list[int]] = {}
        self.has_minutes = True
        for i, (ln, f) in enumerate(zip(self.lines, self.facts, strict=True)):
            if f is not None:
                self.by_code.setdefault(ln.code, []).append(i)
                if f.timed and ln.minutes is None:
                    if ln.units is None:
                        raise InputError(f"missing: {ln.code} is a timed code, so its minutes are needed to count "
                                         "units (or its billed units, to check it without minutes)",
                                         f"lines[{i}].minutes")
                    self.has_minutes = False
        self.code_facts: dict[str, CodeFacts] = {c: self.facts[ix[0]] for c, ix in self.by_code.items()}  # type: ignore[misc]
        self.plans = [visit.plan_of_care or self._plan_from_modifiers(ln) for ln in self.lines]
        self._count_units()

    def _plan_from_modifiers(self, line: Line) -> str | None:
        for m in line.modifiers:
            plan = self.ctx.plan_of_modifier.get(m)
            if plan is not None:
                return plan
        return None

    def add(self, rule: str, severity: str, lines: Iterable[int], message: str, fix: str,
            sources: tuple[Source, ...] = (), basis: str = "") -> None:
        """Report a finding (its id declared in kb/check/registry.py by the check that raises it), with the
        remittance codes the payer is expected to answer it with."""
        remit = self.remittance.predict(rule, self.ctx.payer) if self.remittance is not None else None
        self.findings.append(Finding(rule, severity, tuple(sorted(set(lines))), message[:1].upper() + message[1:],
                                     fix, sources, basis, remit))

    # -- units ---------------------------------------------------------------------------------------

    def _count_units(self) -> None:
        ctx = self.ctx
        self.minutes: dict[str, int] = {c: sum(self.lines[i].minutes or 0 for i in ix)
                                        for c, ix in self.by_code.items()}
        self.timed = {c for c, f in self.code_facts.items() if f.timed}
        self.caps = {c: f.rule.daily_cap for c, f in self.code_facts.items()
                     if f.rule is not None and f.rule.daily_cap is not None}
        # without minutes only the untimed codes (one unit a date) can be counted
        counted = self.minutes if self.has_minutes else {c: m for c, m in self.minutes.items() if c not in self.timed}
        self.counted: Counted = ctx.count(counted, self.timed, self.caps)
        units = self.counted.units
        self.line_units: list[int | None] = [None] * len(self.lines)
        for code, ix in self.by_code.items():
            if code not in units:
                continue
            for i, u in zip(ix, share(units[code], [self.lines[i].minutes or 0 for i in ix]), strict=True):
                self.line_units[i] = u
        # what each code is billed for: the biller's units where given, the computed share elsewhere
        self.billed_given = {c for c, ix in self.by_code.items() if any(self.lines[i].units is not None for i in ix)}
        self.effective = [ln.units if ln.units is not None else self.line_units[i] for i, ln in enumerate(self.lines)]
        self.billed: dict[str, int] = {c: sum(self.effective[i] or 0 for i in ix) for c, ix in self.by_code.items()}
        self._uncapped: dict[str, int] | None = None

    def uncapped(self) -> dict[str, int]:
        """Units before any daily cap (only worked out when a cap is in play)."""
        if self._uncapped is None:
            self._uncapped = self.ctx.count(self.minutes, self.timed, {}, capped=False).units
        return self._uncapped

    def capped_codes(self) -> list[str]:
        """The visit's codes the payer's daily cap counts (its timed codes, or those the cap lists), in line order."""
        cap_codes = self.ctx.cap_codes
        return [c for c in self.minutes if c in self.timed and (cap_codes is None or c in cap_codes)]

    # -- lines ---------------------------------------------------------------------------------------

    def assistant_share(self, ln: Line, percent: float | None) -> bool | None:
        """Whether the assistant furnished the line 'in part' (more than the de minimis share); None if unknown."""
        if ln.assistant_minutes is None:
            return None
        if not ln.minutes:
            return ln.assistant_minutes > 0
        return ln.assistant_minutes * 100 > (percent or 0) * ln.minutes

    def payment_factor(self, i: int) -> float:
        """1.0, or the product of the percent-of-payment adjustments that apply to the line as it should be billed
        (an assistant modifier counts when the assistant furnished the line in part, or when the line carries it
        and the assistant minutes are not given)."""
        f = self.facts[i]
        if f is None or not f.percent:
            return 1.0
        ln = self.lines[i]
        mods = set(ln.modifiers)
        for r in f.assistant:
            furnished = self.assistant_share(ln, r.de_minimis_percent)
            if furnished is None:
                continue
            mods -= set(r.modifiers)
            plan = self.plans[i]
            expected = r.by_plan_of_care.get(plan) if plan else None
            if furnished and expected:
                mods.add(expected)
        factor = 1.0
        for a in f.percent:
            if mods & set(a.modifiers):
                factor *= a.percent / 100
        return round(factor, 6)

    def overlap(self, a: int, b: int) -> int:
        """Minutes two lines with clock times share (0 or less when they do not)."""
        la, lb = self.lines[a], self.lines[b]
        return min(la.end, lb.end) - max(la.start, lb.start)  # type: ignore[type-var,operator]

    def when(self, i: int) -> str:
        """'97110 (09:00-09:30)'."""
        ln = self.lines[i]
        return f"{ln.code} ({clock(ln.start)}-{clock(ln.end)})"  # type: ignore[arg-type]

