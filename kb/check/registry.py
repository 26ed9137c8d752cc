"""Every check of the claim checker and every finding id it can raise, declared once.

A check is a function of one visit's `Run` (kb/check/run.py) registered with `@check`, in a module of
kb/check/checks/ beside the findings it declares:

    @check("bundling", findings=(
        finding("ptp.not-allowed", "error", "Two codes are never paid together on one date ..."),
    ))
    def bundling(run: Run) -> None:
        ...
        run.add("ptp.not-allowed", "error", lines, message, fix, edit.sources, basis)

The engine runs the checks in the order their modules register them; the README, the developers page, the JSON
Schema of results and the MCP server read `FINDINGS` and `CHECKS`. A check that needs the minutes of each line
(`needs_minutes=True`) is skipped, and named in the result's `skipped`, for a visit whose timed lines carry billed
units but no minutes (an X12 837 carries units, not minutes).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from kb.check.result import SEVERITIES

if TYPE_CHECKING:
    from kb.check.run import Run


@dataclass(frozen=True)
class FindingKind:
    """One finding id the checker can raise.

    `severities` lists the severities it is raised with, most serious first (`units.mismatch` is an error when
    over-billed, a warning when under-billed). `check` is the id of the check that raises it; `needs_minutes`
    is that check's. The remittance codes a payer is expected to answer it with are sourced policy data, per
    payer (policies/remittance.yaml; `KnowledgeBase.remittance(id, payer)`), and travel on each raised Finding.
    """

    id: str
    severities: tuple[str, ...]
    summary: str
    check: str = ""
    needs_minutes: bool = False

    @property
    def severity(self) -> str:
        """The most serious severity it is raised with."""
        return self.severities[0]


CheckFn = Callable[["Run"], None]


@dataclass(frozen=True)
class Check:
    """One registered check: its id, whether it needs each line's minutes, the findings it raises, the function."""

    id: str
    fn: CheckFn
    findings: tuple[str, ...]
    needs_minutes: bool = False
    summary: str = ""


CHECKS: list[Check] = []
FINDINGS: dict[str, FindingKind] = {}


def finding(id: str, severities: str | Iterable[str], summary: str) -> FindingKind:
    """Declare a finding id (for `@check(findings=...)`)."""
    sev = (severities,) if isinstance(severities, str) else tuple(severities)
    if not sev or any(s not in SEVERITIES for s in sev):
        raise ValueError(f"{id}: severities must be among {SEVERITIES}, not {sev}")
    return FindingKind(id, tuple(sorted(sev, key=SEVERITIES.index)), summary)


def check(id: str, *, findings: Iterable[FindingKind], needs_minutes: bool = False) -> Callable[[CheckFn], CheckFn]:
    """Register a check and the findings it raises (run in the order registered; ids are unique)."""
    kinds = tuple(findings)

    def register(fn: CheckFn) -> CheckFn:
        if any(c.id == id for c in CHECKS):
            raise ValueError(f"check {id!r} is registered twice")
        for kind in kinds:
            if kind.id in FINDINGS:
                raise ValueError(f"finding {kind.id!r} is declared twice ({FINDINGS[kind.id].check} and {id})")
            FINDINGS[kind.id] = FindingKind(kind.id, kind.severities, kind.summary, id, needs_minutes)
        summary = (fn.__doc__ or "").strip().split("\n\n")[0].replace("\n", " ")
        CHECKS.append(Check(id, fn, tuple(k.id for k in kinds), needs_minutes, " ".join(summary.split())))
        return fn

    return register


def checks() -> list[Check]:
    """Every registered check, in the order it runs (imports the check modules on first use)."""
    import kb.check.checks  # noqa: F401  (registers the checks)

    return CHECKS


def findings() -> dict[str, FindingKind]:
    """Every finding id the checker can raise, with its declaration."""
    checks()
    return FINDINGS
