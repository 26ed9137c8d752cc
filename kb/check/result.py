"""What the claim checker returns: frozen dataclasses that print as a billing report and convert to JSON."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date
from functools import lru_cache
from typing import TYPE_CHECKING, Any, ClassVar

from kb.model import Source, plain

if TYPE_CHECKING:
    from kb.remit.codes import Prediction

SEVERITIES = ("error", "warning", "info")
_RANK = {s: i for i, s in enumerate(SEVERITIES)}


def source_dict(source: Source) -> dict[str, Any]:
    """A source as plain data (only the fields it has); a fresh copy of the cached conversion."""
    return dict(_source_dict(source))


@lru_cache(maxsize=4096)
def _source_dict(source: Source) -> dict[str, Any]:
    return plain(asdict(source))


@dataclass(frozen=True)
class Finding:
    """One problem with a visit: which rule, how bad, which lines, what to do, and where the rule comes from.

    `rule` is a stable id (e.g. `units.mismatch`, `ptp.modifier-required`); `basis` names the policy rule that
    fired (payer, section and key), so a finding can be traced to the YAML that drives it.
    """

    rule: str
    severity: str
    lines: tuple[int, ...]
    message: str
    fix: str
    sources: tuple[Source, ...] = ()
    basis: str = ""
    remittance: Prediction | None = None  # the codes the payer is expected to send (policies/remittance.yaml)

    def __str__(self) -> str:
        where = f" [line{'s' if len(self.lines) != 1 else ''} {', '.join(map(str, self.lines))}]" if self.lines else ""
        text = [f"{self.severity.upper():<7} {self.rule}{where}: {self.message}"]
        if self.fix:
            text.append(f"        fix: {self.fix}")
        text += [f"        source: {s}" for s in self.sources]
        if self.remittance is not None and self.severity != "info":
            text.append(f"        remittance: {self.remittance}")
        return "\n".join(text)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"rule": self.rule, "severity": self.severity, "lines": list(self.lines),
                               "message": self.message, "fix": self.fix,
                               "sources": [source_dict(s) for s in self.sources], "basis": self.basis}
        if self.remittance is not None:
            out["remittance"] = self.remittance.to_dict()
        return out


@dataclass(frozen=True)
class LineResult:
    """One claim line as checked: the units the payer's method gives and what the biller meant to bill."""

    index: int
    code: str
    minutes: int | None
    units: int | None  # None when the code is unknown, or timed in a visit checked without minutes
    billed_units: int | None
    modifiers: tuple[str, ...]
    payment_factor: float

    def to_dict(self) -> dict[str, Any]:
        return {"index": self.index, "code": self.code, "minutes": self.minutes, "units": self.units,
                "billed_units": self.billed_units, "modifiers": list(self.modifiers),
                "payment_factor": self.payment_factor}


@dataclass(frozen=True)
class CheckResult:
    """A checked visit: every line with its units and payment factor, and every finding (errors first)."""

    payer: str
    date: date
    lines: tuple[LineResult, ...]
    findings: tuple[Finding, ...]
    plan_of_care: str | None = None
    state: str | None = None
    claim_id: str | None = None
    method: str = ""
    explanation: tuple[str, ...] = ()
    skipped: tuple[str, ...] = ()  # ids of the checks not run (they need minutes the visit does not give)

    @property
    def ok(self) -> bool:
        """True when no finding is an error (the payer is not expected to deny or reject anything)."""
        return not any(f.severity == "error" for f in self.findings)

    @property
    def rules(self) -> set[str]:
        """The rule ids of every finding."""
        return {f.rule for f in self.findings}

    @property
    def units(self) -> dict[str, int]:
        """Computed units per code (lines of one code added up)."""
        out: dict[str, int] = {}
        for line in self.lines:
            if line.units is not None:
                out[line.code] = out.get(line.code, 0) + line.units
        return out

    def by_severity(self, severity: str) -> list[Finding]:
        return [f for f in self.findings if f.severity == severity]

    @property
    def errors(self) -> list[Finding]:
        return self.by_severity("error")

    @property
    def warnings(self) -> list[Finding]:
        return self.by_severity("warning")

    def __str__(self) -> str:
        head = [f"claim {self.claim_id}" if self.claim_id else "visit", self.payer, self.date.isoformat()]
        if self.plan_of_care:
            head.append(f"{self.plan_of_care} plan of care")
        if self.state:
            head.append(self.state)
        out = [" · ".join(head)]
        out.append(f"  {'line':<5}{'code':<7}{'min':>5}{'units':>7}{'billed':>8}{'pay':>7}  modifiers")
        for ln in self.lines:
            out.append(f"  {ln.index:<5}{ln.code:<7}{_blank(ln.minutes):>5}{_blank(ln.units, '?'):>7}"
                       f"{_blank(ln.billed_units):>8}{ln.payment_factor:>7.2f}  {' '.join(ln.modifiers)}")
        if not self.findings:
            out.append("  no findings")
        for f in self.findings:
            out.append("  " + str(f).replace("\n", "\n  "))
        if self.skipped:
            out.append(f"  not checked without minutes: {', '.join(self.skipped)}")
        counts = {s: len(self.by_severity(s)) for s in SEVERITIES}
        summary = ", ".join(f"{n} {s}{'s' if n != 1 else ''}" for s, n in counts.items() if n)
        out.append(f"  => {'OK' if self.ok else 'WILL BE DENIED OR REJECTED'}" + (f" ({summary})" if summary else ""))
        return "\n".join(out)

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok, "claim_id": self.claim_id, "payer": self.payer, "date": self.date.isoformat(),
            "plan_of_care": self.plan_of_care, "state": self.state, "method": self.method,
            "lines": [ln.to_dict() for ln in self.lines], "findings": [f.to_dict() for f in self.findings],
            "explanation": list(self.explanation), "skipped": list(self.skipped),
        }


@dataclass(frozen=True)
class VisitError:
    """A visit that could not be checked (bad input), reported in place of its result in a batch."""

    message: str
    field: str | None = None
    claim_id: str | None = None
    index: int | None = None  # position in the batch (0-based)

    # what a CheckResult has, so code that walks a batch can treat both alike
    findings: ClassVar[tuple[Finding, ...]] = ()
    lines: ClassVar[tuple[LineResult, ...]] = ()
    ok: ClassVar[bool] = False
    rules: ClassVar[frozenset[str]] = frozenset()

    def __str__(self) -> str:
        who = (f"claim {self.claim_id}" if self.claim_id
               else f"visit #{self.index}" if self.index is not None else "visit")
        return f"{who}: NOT CHECKED: {self.message}"

    def to_dict(self) -> dict[str, Any]:
        return {"ok": False, "claim_id": self.claim_id, "index": self.index, "error": self.message,
                "field": self.field}


def _blank(value: Any, empty: str = "") -> str:
    return empty if value is None else str(value)


def sort_findings(findings: list[Finding]) -> tuple[Finding, ...]:
    """Errors first, then warnings, then info; within a severity by first line, then rule id."""
    return tuple(sorted(findings, key=lambda f: (_RANK[f.severity], f.lines[:1] or (-1,), f.rule, f.message)))
