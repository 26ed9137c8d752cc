"""X12 835 remittances in, read and validated with pyx12 (its 005010X221A1 map): claims, service lines, and the
adjustment (CAS) and remark (LQ, MOA) codes the payer sent for each."""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from kb.claims.pyx12_support import X12Problem, require_pyx12, x12_problems
from kb.claims.x12 import looks_like_x12, read_text
from kb.problems import InputError


@dataclass(frozen=True)
class Adjustment:
    """One CAS adjustment: group code, reason code (CARC) and amount."""

    group: str
    carc: str
    amount: float
    units: float | None = None

    def __str__(self) -> str:
        return f"{self.group}-{self.carc} ${self.amount:,.2f}"


@dataclass(frozen=True)
class RemitLine:
    """One service line as paid (SVC) with its adjustments and remark codes."""

    code: str
    modifiers: tuple[str, ...]
    charge: float
    paid: float
    units: int | None  # units paid (SVC05)
    date: date | None
    control_number: str | None
    adjustments: tuple[Adjustment, ...]
    remarks: tuple[str, ...]
    position: int | None = None
    billed_units: int | None = None  # units submitted (SVC07 when given, else SVC05)

    @property
    def adjusted(self) -> bool:
        return bool(self.adjustments)


@dataclass(frozen=True)
class RemitClaim:
    """One claim as paid (CLP): status, totals, claim-level adjustments and remarks, and its lines."""

    claim_id: str
    status: str
    charge: float
    paid: float
    filing_indicator: str | None
    payer_claim_number: str | None
    adjustments: tuple[Adjustment, ...]
    remarks: tuple[str, ...]
    lines: tuple[RemitLine, ...]
    position: int | None = None


@dataclass
class Remittance:
    """An 835: who paid, and every claim in it; `problems` are X12 problems (with segment position)."""

    payer_name: str | None = None
    payer_id: str | None = None
    claims: list[RemitClaim] = field(default_factory=list)
    problems: list[X12Problem] = field(default_factory=list)


CLAIM_STATUS = {"1": "processed as primary", "2": "processed as secondary", "3": "processed as tertiary",
                "4": "denied", "19": "processed as primary, forwarded", "20": "processed as secondary, forwarded",
                "21": "processed as tertiary, forwarded", "22": "reversal of previous payment",
                "23": "not our claim, forwarded"}


def read_remittance(source: str | Path) -> Remittance:
    """Every claim of an 835 file (a path or the X12 text)."""
    text = read_text(source)
    if not looks_like_x12(text):
        raise InputError(f"{source if isinstance(source, Path) else 'the text'} is not X12: an 835 starts with an "
                         "ISA segment", "file")
    pyx12 = require_pyx12()
    errh = pyx12.error_handler.err_handler()
    out = Remittance()
    kind = ""
    try:
        reader = pyx12.x12context.X12ContextReader(pyx12.params.params(), errh, io.StringIO(text))
        for node in reader.iter_segments("2100"):
            if node.id == "2100":
                out.claims.append(_claim(node))
            elif node.id == "ST":
                kind = node.get_value("ST01") or ""
            elif node.id == "N1" and node.get_value("N101") == "PR":
                out.payer_name = node.get_value("N102")
            elif node.id == "REF" and "1000A" in node.cur_path and node.get_value("REF01") == "2U":
                out.payer_id = node.get_value("REF02")
    except (pyx12.errors.X12Error, pyx12.errors.EngineError) as exc:
        out.problems.append(X12Problem(0, "ISA", f"not a readable 835: {exc}"))
        return out
    if kind and kind != "835":
        raise InputError(f"this X12 file holds a {kind} transaction, not an 835 remittance", "file")
    out.problems = x12_problems(errh)
    return out


def _claim(node: Any) -> RemitClaim:
    lines = tuple(_line(svc, node) for svc in node.select("2110"))
    remarks = [node.get_value(f"MOA{k:02d}") for k in range(3, 8)]
    return RemitClaim(
        claim_id=node.get_value("CLP01") or "", status=node.get_value("CLP02") or "",
        charge=_money(node.get_value("CLP03")), paid=_money(node.get_value("CLP04")),
        filing_indicator=node.get_value("CLP06"), payer_claim_number=node.get_value("CLP07"),
        adjustments=tuple(a for seg in node.select("CAS") for a in _cas(seg)),
        remarks=tuple(r for r in remarks if r), lines=lines, position=node.cur_line_number)


def _line(svc: Any, claim: Any) -> RemitLine:
    composite = svc.get_value("SVC01-2") or ""
    mods = tuple(m for m in (svc.get_value(f"SVC01-{k}") for k in range(3, 7)) if m)
    units = svc.get_value("SVC05")
    original = svc.get_value("SVC07")
    day = svc.get_value("DTM[472]02") or svc.get_value("DTM[150]02") or claim.get_value("DTM[232]02")
    return RemitLine(
        code=composite.upper(), modifiers=mods, charge=_money(svc.get_value("SVC02")),
        paid=_money(svc.get_value("SVC03")), units=_units(units),
        date=_date(day), control_number=svc.get_value("REF[6R]02"),
        adjustments=tuple(a for seg in svc.select("CAS") for a in _cas(seg)),
        remarks=tuple(r for seg in svc.select("LQ") if (r := seg.get_value("LQ02"))),
        position=svc.cur_line_number, billed_units=_units(original) if original else _units(units))


def _units(value: str | None) -> int | None:
    try:
        return int(float(value)) if value else None
    except ValueError:
        return None


def _cas(seg: Any) -> list[Adjustment]:
    """A CAS segment holds a group code and up to six reason/amount/quantity triplets."""
    group = seg.get_value("CAS01") or ""
    out = []
    for k in range(2, 19, 3):
        carc = seg.get_value(f"CAS{k:02d}")
        if carc:
            qty = seg.get_value(f"CAS{k + 2:02d}")
            out.append(Adjustment(group, carc, _money(seg.get_value(f"CAS{k + 1:02d}")),
                                  float(qty) if qty else None))
    return out


def _money(value: str | None) -> float:
    try:
        return float(value) if value else 0.0
    except ValueError:
        return 0.0


def _date(value: str | None) -> date | None:
    if not value or len(value) != 8 or not value.isdigit():
        return None
    try:
        return date(int(value[:4]), int(value[4:6]), int(value[6:]))
    except ValueError:
        return None
