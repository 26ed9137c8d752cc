"""X12 837P and 837I claims in, read and validated with pyx12 (its 5010 implementation-guide maps).

`read_claims(source)` yields one `Claim` per CLM loop (2300). pyx12 reports syntax and implementation-guide problems
with the segment position they concern; a problem inside a claim's segments makes that claim unusable (reported as
such, with its position) and the rest of the file is still read. Problems in the envelope or headers are returned
as file problems.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any

from kb.claims.model import Claim, ClaimLine, Minutes, PayerMap, minutes_in_note, with_minutes
from kb.claims.pyx12_support import MAX_X12_BYTES, X12Problem, require_pyx12, x12_problems
from kb.problems import InputError

KINDS = {"005010X222A1": "837P", "005010X223A2": "837I", "005010X223A1": "837I"}
# 837I revenue codes 042x / 043x / 044x: physical therapy, occupational therapy, speech-language pathology
REVENUE_PLANS = {"042": "PT", "043": "OT", "044": "SLP"}


def looks_like_x12(text: str) -> bool:
    """True when the text starts like an X12 interchange (an ISA segment)."""
    return text.lstrip("\ufeff \r\n\t")[:3] == "ISA"


@dataclass
class ClaimFile:
    """The claims of one X12 file and the problems outside any claim (envelope, headers)."""

    claims: list[Claim] = field(default_factory=list)
    problems: list[X12Problem] = field(default_factory=list)
    kind: str = ""


def read_text(source: str | Path) -> str:
    """The text of an X12 file (or the text itself), bounded in size."""
    if isinstance(source, Path):
        try:
            if source.stat().st_size > MAX_X12_BYTES:
                raise InputError(f"{source}: more than {MAX_X12_BYTES:,} bytes; split the file", "file")
            return source.read_text(encoding="utf-8", errors="replace")
        except OSError as exc:
            raise InputError(f"cannot read {source}: {exc.strerror or exc}", "file") from None
    if len(source) > MAX_X12_BYTES:
        raise InputError(f"the X12 text has more than {MAX_X12_BYTES:,} characters; split it", "file")
    return source


def read_claims(source: str | Path, payers: PayerMap | None = None, minutes: Minutes | None = None) -> ClaimFile:
    """Every claim of an 837P or 837I file (a path, or the X12 text), mapped; see the module docstring."""
    text = read_text(source)
    if not looks_like_x12(text):
        raise InputError(f"{source if isinstance(source, Path) else 'the text'} is not X12: an interchange starts "
                         "with an ISA segment", "file")
    payers = payers or PayerMap()
    pyx12 = require_pyx12()
    errh = pyx12.error_handler.err_handler()
    out = ClaimFile()
    raw: list[Claim] = []
    tree_ends: list[int] = []
    state = _Header()
    first_claim_header: int | None = None  # where the first claim's subscriber loop (2000B) starts
    try:
        reader = pyx12.x12context.X12ContextReader(pyx12.params.params(), errh, io.StringIO(text))
        for node in reader.iter_segments("2300"):
            if node.id == "2300":
                raw.append(_claim(node, state, out.kind or "837P", payers))
                tree_ends.append(max((s.get("cur_line_number") or 0 for s in node.iterate_segments()), default=0))
            else:
                _header(node, state, out)
                if first_claim_header is None and node.id == "HL" and node.get_value("HL03") == "22":
                    first_claim_header = node.cur_line_number
    except pyx12.errors.X12Error as exc:
        out.problems.append(X12Problem(0, "ISA", f"not a readable X12 interchange: {exc}"))
        return out
    except pyx12.errors.EngineError as exc:
        out.problems.append(X12Problem(0, "GS", f"pyx12 cannot read this transaction: {exc}"))
        return out
    # a problem belongs to the claim whose segments hold it; one in the loops between two claims (the next
    # subscriber's or payer's header) to the claim that follows; one in the envelope or headers to the file
    by_claim: dict[int, list[X12Problem]] = {}
    for p in x12_problems(errh):
        k = _owner(p.position, [c.position or 0 for c in raw], tree_ends, first_claim_header)
        if k is None:
            out.problems.append(p)
        else:
            by_claim.setdefault(k, []).append(p)
    for i, claim in enumerate(raw):
        found = tuple(str(p) for p in by_claim.get(i, []))
        claim = with_minutes(claim, minutes)
        # pyx12's problems are the located, standard ones; the mapping's own are kept only when it found none
        out.claims.append(replace(claim, problems=found) if found else claim)
    return out


def _owner(position: int, starts: list[int], ends: list[int], first_header: int | None) -> int | None:
    """The claim that owns a segment position: claim i owns the positions after claim i-1's last segment (for the
    first claim: from its subscriber loop) up to its own last segment."""
    for i, end in enumerate(ends):
        lower = ends[i - 1] + 1 if i else (first_header or starts[0])
        if lower <= position <= end:
            return i
    return None


@dataclass
class _Header:
    """What the loops above the claim say (billing provider, payer), as the segments go by."""

    billing_npi: str | None = None
    billing_state: str | None = None
    payer_name: str | None = None
    payer_id: str | None = None
    filing: str | None = None
    claims_end: int | None = None


def _header(node: Any, h: _Header, out: ClaimFile) -> None:
    seg = node.id
    path = node.cur_path
    if seg == "ST":
        out.kind = KINDS.get(node.get_value("ST03") or "", out.kind)
    elif seg == "SE":
        h.claims_end = node.cur_line_number
    elif seg == "HL" and node.get_value("HL03") == "20":
        h.billing_npi = h.billing_state = None
    elif seg == "SBR" and "2000B" in path:
        h.filing = node.get_value("SBR09")
        h.payer_name = h.payer_id = None
    elif "2010AA" in path and seg == "NM1":
        h.billing_npi = node.get_value("NM109") if node.get_value("NM108") == "XX" else None
    elif "2010AA" in path and seg == "N4":
        h.billing_state = node.get_value("N402")
    elif "2010BB" in path and seg == "NM1" and node.get_value("NM101") == "PR":
        h.payer_name = node.get_value("NM103")
        h.payer_id = node.get_value("NM109")


def _claim(node: Any, h: _Header, kind: str, payers: PayerMap) -> Claim:
    claim_id = node.get_value("CLM01") or ""
    institutional = kind == "837I"
    problems: list[str] = []
    lines = []
    for ln in node.select("2400"):
        try:
            lines.append(_line_i(ln) if institutional else _line_p(ln))
        except ValueError as exc:
            problems.append(f"X12 segment {ln.cur_line_number} (line {ln.get_value('LX01')}): {exc}")
    statement = _dates(node.get_value("DTP[434]03")) if institutional else None
    if statement and statement[0] == statement[1]:  # a one-day claim: its lines may leave out DTP*472
        lines = [ln if ln.date else replace(ln, date=statement[0]) for ln in lines]
    place = node.get_value("CLM05-1")
    if institutional:
        rendering = node.get_value("2310D/NM109") or node.get_value("2310A/NM109")
        facility_state = node.get_value("2310E/N402")
    else:
        rendering = node.get_value("2310B/NM109")
        facility_state = node.get_value("2310C/N402")
    plans = {REVENUE_PLANS.get((ln.revenue_code or "")[:3]) for ln in lines}
    return Claim(
        claim_id=claim_id, kind=kind, lines=tuple(lines),
        payer=payers.resolve(h.payer_id, h.payer_name, h.filing),
        payer_name=h.payer_name, payer_id=h.payer_id, filing_indicator=h.filing,
        place_of_service=None if institutional else place, facility_type=place if institutional else None,
        rendering=rendering, billing_npi=h.billing_npi, state=facility_state or h.billing_state,
        plan_of_care=plans.pop() if institutional and len(plans) == 1 and None not in plans else None,
        position=node.cur_line_number, problems=tuple(problems),
    )


def _line_p(ln: Any) -> ClaimLine:
    """837P loop 2400: SV1 (HC:code:mods, charge, unit basis, quantity, place of service)."""
    basis = ln.get_value("SV103")
    quantity = _quantity(ln.get_value("SV104"))
    return _line(ln, ln.get_value("SV101-1"), ln.get_value("SV101-2"),
                 [ln.get_value(f"SV101-{k}") for k in range(3, 7)], basis, quantity,
                 charge=ln.get_value("SV102"), place=ln.get_value("SV105"), rendering=ln.get_value("2420A/NM109"))


def _line_i(ln: Any) -> ClaimLine:
    """837I loop 2400: SV2 (revenue code, HC:code:mods, charge, unit basis, quantity)."""
    quantity = _quantity(ln.get_value("SV205"))
    line = _line(ln, ln.get_value("SV202-1"), ln.get_value("SV202-2"),
                 [ln.get_value(f"SV202-{k}") for k in range(3, 7)], ln.get_value("SV204"), quantity,
                 charge=ln.get_value("SV203"), place=None, rendering=ln.get_value("2420C/NM109"))
    return replace(line, revenue_code=ln.get_value("SV201"))


def _line(ln: Any, qualifier: str | None, code: str | None, mods: list[str | None], basis: str | None,
          quantity: int | None, *, charge: str | None, place: str | None, rendering: str | None) -> ClaimLine:
    if qualifier not in ("HC", "HP"):
        raise ValueError(f"the procedure code qualifier is {qualifier!r}, not HC (CPT/HCPCS)")
    if not code:
        raise ValueError("no procedure code")
    units = minutes = None
    minutes_from = None
    if basis == "MJ":  # the quantity is minutes (X12 unit basis MJ)
        minutes, minutes_from = quantity, "unit-basis MJ"
    else:
        units = quantity
    note = minutes_in_note(ln.get_value("NTE02"))
    if minutes is None and note is not None:
        minutes, minutes_from = note, "note"
    days = _dates(ln.get_value("DTP[472]03"))
    if days and days[0] != days[1]:
        raise ValueError(f"the line spans {days[0]} to {days[1]}; a therapy line is one date of service")
    number = ln.get_value("LX01")
    return ClaimLine(
        number=int(number) if number and number.isdigit() else 0, code=code.upper(),
        modifiers=tuple(m.upper() for m in mods if m), units=units, minutes=minutes, minutes_from=minutes_from,
        date=days[0] if days else None, control_number=ln.get_value("REF[6R]02") or None,
        place_of_service=place or None, rendering=rendering or None, charge=_money(charge), position=ln.cur_line_number)


def _quantity(value: str | None) -> int | None:
    if value is None or value == "":
        return None
    try:
        number = float(value)
    except ValueError:
        raise ValueError(f"the quantity {value!r} is not a number") from None
    if not number.is_integer() or number < 0:
        raise ValueError(f"the quantity {value} is not a whole number of units")
    return int(number)


def _money(value: str | None) -> float | None:
    try:
        return float(value) if value else None
    except ValueError:
        return None


def _dates(value: str | None) -> tuple[date, date] | None:
    """D8 'CCYYMMDD' or RD8 'CCYYMMDD-CCYYMMDD' -> (first, last)."""
    if not value:
        return None
    parts = value.split("-")
    try:
        days = [date(int(p[:4]), int(p[4:6]), int(p[6:8])) for p in parts if len(p) == 8]
    except ValueError:
        raise ValueError(f"{value!r} is not a date (CCYYMMDD)") from None
    if len(days) != len(parts) or not days:
        raise ValueError(f"{value!r} is not a date (CCYYMMDD)")
    return days[0], days[-1]


def iter_visits(source: str | Path, payers: PayerMap | None = None,
                minutes: Minutes | None = None) -> Iterator[Any]:
    """The visits of an 837 file for the checker: plain data per date of service, a VisitError per bad claim,
    and a VisitError for each problem outside any claim (the claims are still checked)."""
    from kb.check.result import VisitError

    found = read_claims(source, payers, minutes)
    for p in found.problems:
        yield VisitError(str(p), "x12")
    for claim in found.claims:
        yield from claim.visits()
