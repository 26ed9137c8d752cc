"""Claims as billing systems send them (X12 837P/837I, FHIR Claim), mapped to the checker's visits.

A claim carries units, not minutes, and may span several dates of service. `Claim.visits()` turns one claim into one
visit per date of service (claim id `CLM01` when the claim has one date, `CLM01@YYYY-MM-DD` when it has several),
with minutes from a sidecar file or from the line itself when the sender put them there.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any

from kb.check.result import VisitError
from kb.problems import InputError

# X12 claim filing indicator codes (SBR09) that name original Medicare: MA = Medicare Part A, MB = Medicare Part B
FILING_INDICATOR_PAYERS = {"MA": "medicare", "MB": "medicare"}
MAX_SIDECAR_BYTES = 20_000_000


@dataclass(frozen=True)
class ClaimLine:
    """One service line as sent: its number on the claim, codes, units and where its minutes came from."""

    number: int  # LX01 (837) or item.sequence (FHIR)
    code: str
    modifiers: tuple[str, ...] = ()
    units: int | None = None
    minutes: int | None = None
    minutes_from: str | None = None  # 'sidecar', 'note', 'unit-basis MJ', 'extension', 'quantity'
    assistant_minutes: int | None = None
    date: date | None = None
    control_number: str | None = None  # REF*6R line item control number
    revenue_code: str | None = None  # 837I SV201
    place_of_service: str | None = None
    rendering: str | None = None  # NPI
    charge: float | None = None
    position: int | None = None  # segment number of the line's first segment (LX)


@dataclass(frozen=True)
class Claim:
    """One claim, mapped: who pays, where, who rendered it, and its lines. `problems` are mapping problems."""

    claim_id: str
    kind: str  # '837P', '837I' or 'FHIR'
    lines: tuple[ClaimLine, ...]
    payer: str | None = None  # the knowledge base's payer id, when the payer could be mapped
    payer_name: str | None = None
    payer_id: str | None = None
    filing_indicator: str | None = None
    place_of_service: str | None = None  # 837P CLM05-1 (facility code)
    facility_type: str | None = None  # 837I CLM05-1 (type of bill, first two digits)
    rendering: str | None = None
    billing_npi: str | None = None
    state: str | None = None
    plan_of_care: str | None = None
    position: int | None = None  # segment number of CLM
    problems: tuple[str, ...] = ()

    def dates(self) -> list[date]:
        """The dates of service on the claim, in order."""
        return sorted({ln.date for ln in self.lines if ln.date is not None})

    def visits(self) -> list[dict[str, Any] | VisitError]:
        """One visit per date of service (plain data for the checker), or one VisitError when the claim is bad."""
        if self.problems:
            return [VisitError("; ".join(self.problems), "claim", self.claim_id)]
        if self.payer is None:
            who = " ".join(filter(None, [self.payer_name and repr(self.payer_name),
                                         self.payer_id and f"(payer id {self.payer_id})"]))
            return [VisitError(f"payer {who or 'not named'} is not mapped to a knowledge-base payer: give a payer "
                               "map (--payer-map FILE, payer id or name -> payer) or --payer", "payer",
                               self.claim_id)]
        days = self.dates()
        undated = [ln.number for ln in self.lines if ln.date is None]
        if undated:
            return [VisitError(f"line {undated[0]} has no date of service (DTP*472)", "date", self.claim_id)]
        out: list[dict[str, Any] | VisitError] = []
        for day in days:
            lines = [ln for ln in self.lines if ln.date == day]
            visit: dict[str, Any] = {
                "claim_id": self.claim_id if len(days) == 1 else f"{self.claim_id}@{day.isoformat()}",
                "payer": self.payer, "date": day, "lines": [_line_data(ln) for ln in lines],
            }
            if self.state:
                visit["state"] = self.state
            # the lines' own place of service (837P SV105, FHIR item.location) when they agree, else the claim's
            places = {ln.place_of_service for ln in lines if ln.place_of_service}
            place = places.pop() if len(places) == 1 else self.place_of_service
            if place:
                visit["place_of_service"] = place
            if self.plan_of_care:
                visit["plan_of_care"] = self.plan_of_care
            out.append(visit)
        return out

    def line_numbers(self, day: date) -> list[int]:
        """The claim's line numbers (LX) of one date of service, in the order of the visit's lines."""
        return [ln.number for ln in self.lines if ln.date == day]


def _line_data(ln: ClaimLine) -> dict[str, Any]:
    data: dict[str, Any] = {"code": ln.code}
    if ln.modifiers:
        data["modifiers"] = list(ln.modifiers)
    if ln.units is not None:
        data["units"] = ln.units
    if ln.minutes is not None:
        data["minutes"] = ln.minutes
    if ln.assistant_minutes is not None:
        data["assistant_minutes"] = ln.assistant_minutes
    return data


# -- minutes ---------------------------------------------------------------------------------------

# A line note such as "MINUTES 24", "TIME: 24 MIN" or "24 MIN" (NTE02 in loop 2400).
NOTE_MINUTES = re.compile(r"(?:\bMIN(?:UTES?|S)?|\bTIME)\s*[:=]?\s*(\d{1,4})\b|\b(\d{1,4})\s*MIN(?:UTES?|S)?\b",
                          re.IGNORECASE)


def minutes_in_note(text: str | None) -> int | None:
    """The minutes a line note states ('MINUTES 24', 'TIME: 24 MIN', '24 MIN'), or None."""
    if not text:
        return None
    m = NOTE_MINUTES.search(text)
    return int(m.group(1) or m.group(2)) if m else None


@dataclass(frozen=True)
class Minutes:
    """Minutes by claim id and line number, read from a sidecar file (CSV or JSON)."""

    by_line: Mapping[tuple[str, int], tuple[int | None, int | None]] = field(default_factory=dict)
    source: str = ""

    def get(self, claim_id: str, line: int) -> tuple[int | None, int | None] | None:
        """(minutes, assistant_minutes) for one line, or None when the sidecar does not give it."""
        return self.by_line.get((claim_id, line))

    @classmethod
    def read(cls, path: str | Path) -> Minutes:
        """CSV with columns claim_id, line, minutes[, assistant_minutes], or JSON: a list of such records or
        {claim_id: {line: minutes}}. InputError names the row or key at fault."""
        p = Path(path)
        try:
            if p.stat().st_size > MAX_SIDECAR_BYTES:
                raise InputError(f"{p}: a minutes file of more than {MAX_SIDECAR_BYTES:,} bytes", "minutes")
            text = p.read_text(encoding="utf-8-sig")
        except OSError as exc:
            raise InputError(f"cannot read the minutes file {p}: {exc.strerror or exc}", "minutes") from None
        except UnicodeDecodeError:
            raise InputError(f"{p}: the minutes file is not UTF-8 text", "minutes") from None
        return cls.parse(text, str(p), json_=p.suffix.lower() == ".json")

    @classmethod
    def parse(cls, text: str, where: str = "<minutes>", json_: bool | None = None) -> Minutes:
        if json_ is None:
            json_ = text.lstrip()[:1] in ("{", "[")
        records = _json_records(text, where) if json_ else _csv_records(text, where)
        out: dict[tuple[str, int], tuple[int | None, int | None]] = {}
        for at, rec in records:
            claim = str(rec.get("claim_id") or "").strip()
            if not claim:
                raise InputError(f"{where}: {at}: claim_id is empty", "minutes")
            line = _count(rec.get("line"), f"{where}: {at}: line", 1, 9999)
            minutes = _count(rec.get("minutes"), f"{where}: {at}: minutes", 0, 24 * 60, optional=True)
            assistant = _count(rec.get("assistant_minutes"), f"{where}: {at}: assistant_minutes", 0, 24 * 60,
                               optional=True)
            if (claim, line) in out:
                raise InputError(f"{where}: {at}: claim {claim} line {line} is given twice", "minutes")
            out[(claim, line)] = (minutes, assistant)
        return cls(out, where)


def _csv_records(text: str, where: str) -> Iterable[tuple[str, dict[str, Any]]]:
    reader = csv.DictReader(io.StringIO(text))
    columns = [c.strip().lower() for c in reader.fieldnames or []]
    allowed = {"claim_id", "line", "minutes", "assistant_minutes"}
    if not {"claim_id", "line", "minutes"} <= set(columns) or set(columns) - allowed:
        raise InputError(f"{where}: the minutes CSV needs the columns claim_id, line, minutes (and optionally "
                         f"assistant_minutes), not {', '.join(columns) or 'nothing'}", "minutes")
    reader.fieldnames = columns
    return [(f"row {n}", {k: (v or "").strip() for k, v in row.items()})
            for n, row in enumerate(reader, start=2) if any((v or "").strip() for v in row.values())]


def _json_records(text: str, where: str) -> list[tuple[str, dict[str, Any]]]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"{where}: not valid JSON: {exc.msg} (line {exc.lineno})", "minutes") from None
    if isinstance(data, list):
        if not all(isinstance(r, dict) for r in data):
            raise InputError(f"{where}: a list of minutes must hold records {{claim_id, line, minutes}}", "minutes")
        return [(f"item {i}", r) for i, r in enumerate(data)]
    if isinstance(data, dict):
        out = []
        for claim, lines in data.items():
            if not isinstance(lines, dict):
                raise InputError(f"{where}: {claim!r} must map line numbers to minutes", "minutes")
            out += [(f"{claim}.{line}", {"claim_id": claim, "line": line, "minutes": m}) for line, m in lines.items()]
        return out
    raise InputError(f"{where}: give minutes as a list of records or {{claim_id: {{line: minutes}}}}", "minutes")


def _count(value: Any, what: str, low: int, high: int, optional: bool = False) -> Any:
    if value is None or value == "":
        if optional:
            return None
        raise InputError(f"{what} is missing", "minutes")
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise InputError(f"{what} must be a whole number from {low} to {high}, not {value!r}", "minutes")
    return value


def with_minutes(claim: Claim, minutes: Minutes | None) -> Claim:
    """The claim with the sidecar's minutes on its lines (the sidecar wins over what the claim itself says)."""
    if minutes is None:
        return claim
    lines = []
    for ln in claim.lines:
        given = minutes.get(claim.claim_id, ln.number)
        if given is not None:
            ln = replace(ln, minutes=given[0] if given[0] is not None else ln.minutes,
                         assistant_minutes=given[1] if given[1] is not None else ln.assistant_minutes,
                         minutes_from="sidecar")
        lines.append(ln)
    return replace(claim, lines=tuple(lines))


# -- payers ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PayerMap:
    """How a claim's payer (id or name, as sent) maps to a knowledge-base payer.

    Resolution order: `force` (one payer for every claim); the map, by payer id then by payer name (case and spaces
    ignored); a payer id or name that is itself a knowledge-base payer id; the claim filing indicator (SBR09 MA/MB:
    original Medicare). Otherwise the claim is reported as not mapped.
    """

    entries: Mapping[str, str] = field(default_factory=dict)
    force: str | None = None
    known: frozenset[str] = frozenset()

    def resolve(self, payer_id: str | None, payer_name: str | None, filing: str | None) -> str | None:
        if self.force:
            return self.force
        for key in (payer_id, payer_name):
            if key and (hit := self.entries.get(_norm(key))):
                return hit
        for key in (payer_id, payer_name):
            if key and _slug(key) in self.known:
                return _slug(key)
        return FILING_INDICATOR_PAYERS.get((filing or "").strip().upper())

    @classmethod
    def read(cls, path: str | Path, known: Iterable[str] = ()) -> PayerMap:
        """A map file: CSV `payer,kb_payer` rows (payer = payer id or name as sent), or a YAML/JSON mapping."""
        p = Path(path)
        try:
            text = p.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            raise InputError(f"cannot read the payer map {p}: {getattr(exc, 'strerror', None) or exc}",
                             "payer_map") from None
        return cls.parse(text, str(p), known, csv_=p.suffix.lower() == ".csv")

    @classmethod
    def parse(cls, text: str, where: str = "<payer map>", known: Iterable[str] = (), csv_: bool = False) -> PayerMap:
        known_set = frozenset(known)
        entries: dict[str, str] = {}
        if csv_:
            rows = [r for r in csv.reader(io.StringIO(text)) if any(c.strip() for c in r)]
            if rows and [c.strip().lower() for c in rows[0]] == ["payer", "kb_payer"]:
                rows = rows[1:]
            pairs = []
            for n, row in enumerate(rows, start=1):
                if len(row) != 2:
                    raise InputError(f"{where}: row {n}: give two columns, payer and kb_payer", "payer_map")
                pairs.append((row[0].strip(), row[1].strip()))
        else:
            from kb.check.inputs import parse_text

            data = parse_text(text, where)
            if not isinstance(data, dict):
                raise InputError(f"{where}: the payer map is a mapping of payer id or name to a payer", "payer_map")
            pairs = [(str(k), v) for k, v in data.items()]
        for key, payer in pairs:
            if not isinstance(payer, str) or (known_set and payer not in known_set):
                raise InputError(f"{where}: {key!r} maps to {payer!r}, which is not a knowledge-base payer"
                                 + (f" ({', '.join(sorted(known_set))})" if known_set else ""), "payer_map")
            entries[_norm(key)] = payer
        return cls(entries, None, known_set)


def _norm(text: str) -> str:
    return " ".join(text.upper().split())


def _slug(text: str) -> str:
    return "-".join(text.lower().split())
