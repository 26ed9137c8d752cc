"""Visits in: a dict, YAML or JSON text or file (one visit or a list), or CSV rows grouped by claim_id.

Everything is validated here before any rule runs; a problem raises `kb.InputError` whose `field` names the
offending field (`date`, `lines[1].minutes`, ...). Codes are only checked for their form here: whether the
knowledge base knows them is a finding (`code.unknown`), not an input error.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from kb.check.episode import Episode, parse_episode
from kb.check.notes import MAX_NOTE_CHARS as NOTE_LIMIT
from kb.check.result import VisitError
from kb.check.values import parse_day
from kb.check.values import scalar as _scalar
from kb.check.values import show as _show
from kb.problems import InputError
from kb.yamlfile import parse_yaml

MAX_MINUTES = 24 * 60  # per line and per visit
MAX_UNITS = 200
MAX_LINES = 200
MAX_DOLLARS = 10_000_000
MAX_TEXT = 2_000_000  # bytes of YAML/JSON text for one call
MAX_NOTE_CHARS = NOTE_LIMIT  # characters of a visit note (kb/check/notes.py: bounds the time the matcher takes)
PLANS = ("PT", "OT", "SLP")

VISIT_FIELDS = ("claim_id", "payer", "date", "plan_of_care", "state", "place_of_service", "ytd_allowed", "note",
                "episode", "lines")
LINE_FIELDS = ("code", "minutes", "units", "modifiers", "assistant_minutes", "allowed", "start", "end")
_VISIT_KEYS = frozenset(VISIT_FIELDS)
_LINE_KEYS = frozenset(LINE_FIELDS)
CSV_VISIT_FIELDS = ("payer", "date", "plan_of_care", "state", "place_of_service", "ytd_allowed", "note")
CSV_COLUMNS = ("claim_id", *CSV_VISIT_FIELDS, *LINE_FIELDS)
CSV_REQUIRED = ("claim_id", "payer", "date", "code")

_CODE = re.compile(r"^([0-9]{4}[0-9A-Z]|[A-Z][0-9]{4})$")
_MODIFIER = re.compile(r"^[0-9A-Z]{2}$")
_STATE = re.compile(r"^[A-Z]{2}$")
_PLACE = re.compile(r"^[0-9]{2}$")
_CLOCK = re.compile(r"^([01]?[0-9]|2[0-3]):([0-5][0-9])$")
_SPLIT = re.compile(r"[\s;,]+")


@dataclass(frozen=True)
class Line:
    """One claim line, validated."""

    code: str
    minutes: int | None = None
    units: int | None = None
    modifiers: tuple[str, ...] = ()
    assistant_minutes: int | None = None
    allowed: float | None = None
    start: int | None = None  # minutes after midnight
    end: int | None = None


@dataclass(frozen=True)
class Visit:
    """One date of service for one patient and one payer, validated."""

    payer: str
    date: date
    lines: tuple[Line, ...]
    plan_of_care: str | None = None
    state: str | None = None
    place_of_service: str | None = None  # CMS place-of-service code, two digits ('02', '10': telehealth)
    ytd_allowed: float | None = None
    note: str | None = None
    claim_id: str | None = None
    episode: Episode | None = None  # the patient's earlier visits or their summary (rules over several visits)


# -- one visit -----------------------------------------------------------------------------------


def to_visit(data: Any) -> Visit:
    """Validate one visit given as a mapping (or a Visit); InputError names the first bad field."""
    if isinstance(data, Visit):
        return data
    if not isinstance(data, Mapping):
        raise InputError(f"a visit is a mapping with payer, date and lines, not {_kind(data)}", "visit")
    unknown = [k for k in data if k not in _VISIT_KEYS]
    if unknown:
        raise InputError(f"unknown field{'s' if len(unknown) > 1 else ''} {', '.join(map(repr, unknown))}; a visit "
                         f"has {', '.join(VISIT_FIELDS)}", str(unknown[0]))
    claim_id = _claim_id(data.get("claim_id"))
    payer = data.get("payer")
    if payer is None or payer == "":
        raise InputError("missing: name the payer, e.g. payer: medicare", "payer")
    if not isinstance(payer, str):
        raise InputError(f"must be a payer id such as 'medicare', not {_show(payer)}", "payer")
    payer = _text(payer, "payer", 100)
    day = _date(data.get("date"))
    plan = data.get("plan_of_care")
    if plan is not None and plan not in PLANS:
        raise InputError(f"must be PT, OT or SLP, not {_show(plan)}", "plan_of_care")
    state = data.get("state")
    if state is not None and (not isinstance(state, str) or not _STATE.match(state)):
        raise InputError(f"must be a two-letter state code such as 'OH', not {_show(state)}", "state")
    place = _place(data.get("place_of_service"))
    ytd = _money(data.get("ytd_allowed"), "ytd_allowed")
    note = data.get("note")
    if note is not None and not isinstance(note, str):
        raise InputError(f"must be the text of the visit note, not {_kind(note)}", "note")
    if note is not None:
        note = _text(note, "note", MAX_NOTE_CHARS)
    raw_lines = data.get("lines")
    if raw_lines is None:
        raise InputError("missing: a visit needs at least one line (code, minutes, ...)", "lines")
    if not isinstance(raw_lines, list | tuple) or not raw_lines:
        raise InputError("must be a non-empty list of lines", "lines")
    if len(raw_lines) > MAX_LINES:
        raise InputError(f"{len(raw_lines)} lines: more than {MAX_LINES} lines is not one visit", "lines")
    episode = parse_episode(data.get("episode"))
    lines = tuple(_line(raw, i) for i, raw in enumerate(raw_lines))
    total = sum(ln.minutes or 0 for ln in lines)
    if total > MAX_MINUTES:
        raise InputError(f"the lines add up to {total} minutes, more than a day ({MAX_MINUTES})", "lines")
    return Visit(payer=payer, date=day, lines=lines, plan_of_care=plan, state=state, place_of_service=place,
                 ytd_allowed=ytd, note=note, claim_id=claim_id, episode=episode)


def _place(value: Any) -> str | None:
    """A place-of-service code: two digits ('02'); a whole number 0-99 (from a spreadsheet cell) is padded."""
    if value is None or value == "":
        return None
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 99:
        return f"{value:02d}"
    if isinstance(value, str) and _PLACE.match(value.strip()):
        return value.strip()
    raise InputError(f"must be a two-digit CMS place-of-service code such as '11' or '02', not {_show(value)}",
                     "place_of_service")


def _line(raw: Any, i: int) -> Line:
    where = f"lines[{i}]"
    if not isinstance(raw, Mapping):
        raise InputError(f"a line is a mapping with at least a code, not {_kind(raw)}", where)
    unknown = [k for k in raw if k not in _LINE_KEYS]
    if unknown:
        raise InputError(f"unknown field {unknown[0]!r}; a line has {', '.join(LINE_FIELDS)}", f"{where}.{unknown[0]}")
    given = raw.get("code")
    if given is None or given == "":
        raise InputError("missing: every line needs a CPT or HCPCS code", f"{where}.code")
    if isinstance(given, int) and not isinstance(given, bool):
        given = f"{given:05d}"  # YAML reads an unquoted 97112 as a number
    code = given.strip().upper() if isinstance(given, str) else ""
    if not _CODE.match(code):
        raise InputError(f"{_show(given)} is not a CPT or HCPCS code (five characters such as 97112 or G0283)",
                         f"{where}.code")
    get = raw.get
    minutes = units = assistant = allowed = start = end = None
    if (value := get("minutes")) is not None:
        minutes = _whole(value, f"{where}.minutes", MAX_MINUTES, "minutes")
    if (value := get("units")) is not None:
        units = _whole(value, f"{where}.units", MAX_UNITS, "units")
    if (value := get("assistant_minutes")) is not None:
        assistant = _whole(value, f"{where}.assistant_minutes", MAX_MINUTES, "minutes")
    if (value := get("allowed")) is not None:
        allowed = _money(value, f"{where}.allowed")
    modifiers = _modifiers(get("modifiers"), f"{where}.modifiers")
    if (value := get("start")) is not None:
        start = _clock(value, f"{where}.start")
    if (value := get("end")) is not None:
        end = _clock(value, f"{where}.end")
    if (start is None) != (end is None):
        missing = "end" if end is None else "start"
        raise InputError("give both start and end (HH:MM), or neither", f"{where}.{missing}")
    if start is not None and end is not None:
        span = end - start
        if span <= 0:
            raise InputError(f"end {raw.get('end')} is not after start {raw.get('start')}", f"{where}.end")
        if minutes is None:
            minutes = span
        elif minutes > span:
            raise InputError(f"{minutes} minutes do not fit between {raw.get('start')} and {raw.get('end')} "
                             f"({span} minutes)", f"{where}.minutes")
    if assistant is not None and minutes is not None and assistant > minutes:
        raise InputError(f"{assistant} assistant minutes are more than the line's {minutes} minutes",
                         f"{where}.assistant_minutes")
    return Line(code=code, minutes=minutes, units=units, modifiers=modifiers, assistant_minutes=assistant,
                allowed=allowed, start=start, end=end)


def _text(value: str, field: str, limit: int) -> str:
    """Text a visit carries: valid Unicode (no lone surrogate, no NUL) and at most `limit` characters."""
    if len(value) > limit:
        raise InputError(f"is {len(value):,} characters long; at most {limit:,} are checked (split the note or "
                         "send the part that documents this visit)", field)
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise InputError(f"is not valid Unicode text: U+{ord(value[exc.start]):04X} at character {exc.start + 1} "
                         "is half of a surrogate pair", field) from None
    if "\x00" in value:
        raise InputError(f"contains a NUL character (at character {value.index(chr(0)) + 1})", field)
    return value


_KINDS: dict[type, str] = {list: "a list", tuple: "a list", str: "text", dict: "a mapping"}


def _kind(value: Any) -> str:
    return _KINDS.get(type(value), repr(value))


def _claim_id(value: Any) -> str | None:
    value = _scalar(value)
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise InputError(f"must be text or a number, not {_kind(value)}", "claim_id")
    if isinstance(value, int):
        if abs(value) >= 10**30:
            raise InputError(f"must be an id of at most 200 characters, not {_show(value)}", "claim_id")
        return str(value)
    return _text(value, "claim_id", 200)


def _date(value: Any) -> date:
    day = parse_day(value, "date", "a date of service")
    if day is None:
        raise InputError("missing: the date of service (YYYY-MM-DD)", "date")
    return day


def _whole(value: Any, field: str, ceiling: int, what: str) -> int | None:
    if value.__class__ is int and 0 <= value <= ceiling:
        return value
    value = _scalar(value)
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise InputError(f"must be a whole number of {what}, not {_show(value)}", field)
    if value < 0:
        raise InputError(f"must not be negative ({_show(value)})", field)
    if value > ceiling:
        raise InputError(f"{_show(value)} {what} is not plausible for one visit (at most {ceiling})", field)
    return value


def _money(value: Any, field: str) -> float | None:
    value = _scalar(value)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or value != value:  # NaN
        raise InputError(f"must be a dollar amount such as 2350.00, not {_show(value)}", field)
    if value < 0:
        raise InputError(f"must not be negative ({_show(value)})", field)
    if value > MAX_DOLLARS:
        shown = f"${value:,.2f}" if value < 10**30 else _show(value)
        raise InputError(f"{shown} is not a plausible amount (at most ${MAX_DOLLARS:,})", field)
    return float(value)


def _modifiers(value: Any, field: str) -> tuple[str, ...]:
    if value is None or value == "":
        return ()
    if isinstance(value, str):
        items: list[Any] = [v for v in _SPLIT.split(value.strip()) if v]
    elif isinstance(value, list | tuple):
        items = value  # type: ignore[assignment]
    else:
        raise InputError(f"give modifiers as a list such as [GP, 59], not {_show(value)}", field)
    out: list[str] = []
    for item in items:
        if isinstance(item, int) and not isinstance(item, bool):
            item = f"{item:02d}"  # YAML reads an unquoted 59 as a number
        mod = item.strip().upper() if isinstance(item, str) else ""
        if not _MODIFIER.match(mod):
            raise InputError(f"{_show(item)} is not a modifier (two letters or digits, such as GP or 59)", field)
        if mod not in out:
            out.append(mod)
    if len(out) > 8:
        raise InputError(f"{len(out)} modifiers on one line; a claim line holds at most 4 (8 at most here)", field)
    return tuple(out)


def _clock(value: Any, field: str) -> int | None:
    value = _scalar(value)
    if value is None or value == "":
        return None
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 24 * 60:
        # YAML 1.1 reads an unquoted 09:30 as a base-60 number (570): that is minutes after midnight
        return value
    if not isinstance(value, str) or not _CLOCK.match(value.strip()):
        raise InputError(f"{_show(value)} is not a clock time (HH:MM, e.g. 09:30)", field)
    hours, minutes = value.strip().split(":")
    return int(hours) * 60 + int(minutes)


# -- text and files --------------------------------------------------------------------------------


def parse_text(text: str, display: str = "<text>") -> Any:
    """YAML or JSON text -> plain data (one visit or a list). Duplicate keys are errors."""
    if len(text) > MAX_TEXT:
        raise InputError(f"{len(text):,} characters is too much for one call; use a file and check_many", "visit")
    stripped = text.lstrip()
    if stripped[:1] in ("{", "["):
        try:
            return json.loads(text, object_pairs_hook=_no_duplicates)
        except json.JSONDecodeError as exc:
            if stripped[:1] == "{" and '"' in stripped[:20]:  # clearly meant as JSON
                raise InputError(f"{display}: not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})",
                                 "visit") from None
        # otherwise fall through: YAML flow style such as {payer: medicare, ...}
    doc, problems = parse_yaml(text, display)
    if problems:
        raise InputError("; ".join(f"line {p.line}, column {p.column}: {p.message}" for p in problems[:3]),
                         "visit")
    assert doc is not None
    return doc.data


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise InputError(f"duplicate key {key!r} in the JSON", str(key))
        out[key] = value
    return out


def as_visit_data(visit: Any) -> Any:
    """What check() accepts -> plain data: a mapping or Visit stays; text is parsed; a path is read."""
    if isinstance(visit, Visit | Mapping):
        return visit
    if isinstance(visit, os.PathLike):
        items = list(read_file(Path(visit)))
        if len(items) != 1:
            raise InputError(f"{visit} holds {len(items)} visits; use check_many for a batch", "visit")
        if isinstance(items[0], VisitError):
            raise InputError(items[0].message, items[0].field)
        return items[0]
    if isinstance(visit, bytes):
        visit = visit.decode("utf-8", errors="replace")
    if isinstance(visit, str):
        data = parse_text(visit)
        if isinstance(data, list):
            raise InputError(f"the text holds a list of {len(data)} visits; use check_many for a batch", "visit")
        return data
    raise InputError(f"give a visit as a mapping, YAML or JSON text, or a file path, not {_kind(visit)}", "visit")


def iter_visit_data(visits: Any) -> Iterator[Any]:
    """What check_many() accepts -> one item per visit (plain data, or a VisitError for CSV grouping problems)."""
    if isinstance(visits, os.PathLike):
        yield from read_file(Path(visits))
        return
    if isinstance(visits, bytes):
        visits = visits.decode("utf-8", errors="replace")
    if isinstance(visits, str):
        data = parse_text(visits)
        yield from (data if isinstance(data, list) else [data])
        return
    if isinstance(visits, Mapping | Visit):
        yield visits
        return
    if not isinstance(visits, Iterable):
        raise InputError(f"give visits as a list (or any iterable), text or a file path, not {_kind(visits)}",
                         "visits")
    yield from visits


def read_file(path: Path, as_csv: bool | None = None) -> Iterator[Any]:
    """The visits in a file: CSV by rows grouped by claim_id (streamed), anything else as YAML or JSON. `as_csv` says
    which; by default a .csv file is CSV."""
    try:
        if path.suffix.lower() == ".csv" if as_csv is None else as_csv:
            with path.open(newline="", encoding="utf-8-sig") as fh:
                yield from read_csv(fh)
            return
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror or exc}", "file") from None
    except UnicodeDecodeError as exc:
        raise InputError(f"{path} is not UTF-8 text ({exc.reason} at byte {exc.start})", "file") from None
    data = parse_text(text, str(path))
    yield from (data if isinstance(data, list) else [data])


def read_csv(stream: Iterable[str] | str) -> Iterator[dict[str, Any] | VisitError]:
    """CSV rows -> one visit per claim_id (rows of a claim must be together). Yields a dict per visit, or a
    VisitError for a claim whose rows disagree or are split. A bad header raises InputError."""
    if isinstance(stream, str):
        stream = io.StringIO(stream)
    reader = csv.reader(stream)
    try:
        header = next(reader)
    except StopIteration:
        raise InputError("the CSV file is empty", "file") from None
    yield from csv_visits(reader, csv_header(header), 2, set())


def csv_header(header: list[str]) -> list[str]:
    """The columns a CSV header names (lower case); InputError for an unknown, missing or repeated column."""
    columns = [h.strip().lower() for h in header]
    unknown = [c for c in columns if c not in CSV_COLUMNS]
    if unknown:
        raise InputError(f"unknown CSV column {unknown[0]!r}; columns are {', '.join(CSV_COLUMNS)}", unknown[0])
    missing = [c for c in CSV_REQUIRED if c not in columns]
    if missing:
        raise InputError(f"the CSV header lacks {', '.join(missing)} (needed: {', '.join(CSV_REQUIRED)})", missing[0])
    if len(set(columns)) != len(columns):
        raise InputError("a CSV column appears twice in the header", "file")
    return columns


def csv_visits(rows: Iterable[list[str]], columns: list[str], first_row: int, seen: set[str],
               starts: list[int] | None = None) -> Iterator[dict[str, Any] | VisitError]:
    """CSV data rows (the first numbered `first_row`) -> one visit per run of rows with the same claim_id; `seen`
    holds the claims met before (a claim met again is reported as split); `starts` gets each visit's first row."""
    group: list[tuple[int, dict[str, str]]] = []
    for number, row in enumerate(rows, start=first_row):
        if not any(cell.strip() for cell in row):
            continue
        record = {c: (row[i].strip() if i < len(row) else "") for i, c in enumerate(columns)}
        claim = record["claim_id"]
        if group and claim != group[0][1]["claim_id"]:
            if starts is not None:
                starts.append(group[0][0])
            yield _csv_visit(group, seen)
            group = []
        group.append((number, record))
    if group:
        if starts is not None:
            starts.append(group[0][0])
        yield _csv_visit(group, seen)


def split_claim(row: int, claim: str) -> VisitError:
    """The error of a claim whose rows start again at CSV row `row` after other claims' rows."""
    return VisitError(f"CSV row {row}: the rows of claim {claim} are not together (keep one claim's rows in "
                      "consecutive rows)", "claim_id", claim)


def _csv_visit(group: list[tuple[int, dict[str, str]]], seen: set[str]) -> dict[str, Any] | VisitError:
    first_row, first = group[0]
    claim = first["claim_id"]
    if not claim:
        return VisitError(f"CSV row {first_row}: claim_id is empty", "claim_id")
    if claim in seen:
        return split_claim(first_row, claim)
    seen.add(claim)
    visit: dict[str, Any] = {"claim_id": claim}
    for field in CSV_VISIT_FIELDS:
        values = {r.get(field, "") for _, r in group} - {""}
        if len(values) > 1:
            return VisitError(f"rows {first_row}-{group[-1][0]} of claim {claim} disagree on {field}: "
                              f"{', '.join(sorted(values))}", field, claim)
        if values:
            value: Any = values.pop()
            visit[field] = _number(value, float) if field == "ytd_allowed" else value
    lines = []
    for _, record in group:
        line: dict[str, Any] = {}
        for field in LINE_FIELDS:
            value = record.get(field, "")
            if value == "":
                continue
            if field in ("minutes", "units", "assistant_minutes"):
                line[field] = _number(value, int)
            elif field == "allowed":
                line[field] = _number(value, float)
            else:
                line[field] = value
        lines.append(line)
    visit["lines"] = lines
    return visit


def _number(text: str, kind: type) -> Any:
    """A CSV cell as a number when it is one; otherwise the text, for the validator to name."""
    try:
        return kind(text.replace(",", "")) if kind is float else int(text)
    except ValueError:
        return text
