"""Readers for CMS's quarterly NCCI files: the practitioner PTP text files and the MUE CSV.

The layouts are CMS's own: PTP .TXT files are Latin-1 with CRLF lines of 7 tab-separated fields after a banner
and a 4-line wrapped header; '*' as a deletion date means the edit is active. The MUE CSV has a multi-line notice
cell and a header cell with an embedded newline, and carries its effective date only in the file name. Real CMS
files sit behind an AMA licence and are never committed here; tests use synthetic files in the same shape.

Every bad data line is a located problem (file:line:column), all of them in one run: a line after the header
that is not a valid row, a deletion date before the effective date, an MUE code listed twice, a value that is not
an ASCII whole number. Text is read as UTF-8 where a line is valid UTF-8 and as Latin-1 otherwise (CMS writes
Latin-1; an edited file may be UTF-8), so neither turns into mojibake.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from kb.problems import DataError, Problem
from kb.ptp import OPEN_END, PtpBuilder

_CODE = re.compile(r"[0-9]{4}[0-9A-Z]|[A-Z][0-9]{4}", re.ASCII)
_YMD = re.compile(r"[0-9]{8}", re.ASCII)
_WHOLE = re.compile(r"[0-9]{1,6}", re.ASCII)
_HEADERISH = re.compile(r"(?=\S*\d)\S{3,7}")  # a first field shaped like a code (a data line, maybe a broken one)
_EFFECTIVE_IN_NAME = re.compile(r"_Eff_(\d{2})-(\d{2})-(\d{4})", re.IGNORECASE | re.ASCII)
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
MAX_PROBLEMS = 1000  # per file: past this, one line says how many more there were

PtpRow = tuple[str, str, int, int, int, str]


def decode_line(raw: bytes) -> str:
    """One line of a CMS file: UTF-8 when it is valid UTF-8, else Latin-1 (CMS's own encoding)."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


def read_ptp_text(lines: Iterable[str], display: str) -> tuple[list[PtpRow], list[Problem]]:
    """Parse the lines of one PTP .TXT part: the rows and a problem for every bad data line."""
    rows: list[PtpRow] = []
    problems = _Problems(display)
    for number, line in enumerate(lines, 1):
        row = parse_ptp_line(line, number, problems, started=bool(rows) or problems.count > 0)
        if row is not None:
            rows.append(row)
    return rows, problems.done()


class _Problems:
    """Problems of one file, capped so a wrong file costs bounded memory."""

    def __init__(self, display: str):
        self.display = display
        self.items: list[Problem] = []
        self.count = 0

    def add(self, line: int, column: int, path: str, message: str) -> None:
        self.count += 1
        if self.count <= MAX_PROBLEMS:
            self.items.append(Problem(self.display, line, column, path, message))

    def done(self) -> list[Problem]:
        if self.count > MAX_PROBLEMS:
            self.items.append(Problem(self.display, self.items[-1].line, 1, "",
                                      f"... and {self.count - MAX_PROBLEMS:,} more problems in this file"))
        return self.items


def parse_ptp_line(line: str, number: int, problems: _Problems, started: bool) -> PtpRow | None:
    """One PTP line -> a row, or None (a header line, a blank line, or a bad line reported to `problems`).

    Before the first data line, lines that do not start with something shaped like a code are CMS's banner and
    wrapped header; after it, every non-blank line must be a row.
    """
    line = line.rstrip("\r\n")
    fields = line.split("\t")
    first = fields[0].strip()
    if not any(f.strip() for f in fields):
        return None  # blank (CMS ends its parts with one)
    if not started and not _HEADERISH.fullmatch(first):
        return None  # banner, title and the wrapped header
    if len(fields) != 7:
        problems.add(number, 1, "", f"expected 7 tab-separated fields, found {len(fields)}")
        return None
    c1, c2, _prior, eff, dele, ind, why = (f.strip() for f in fields)
    bad = False
    for index, (name, code) in enumerate((("column1", c1), ("column2", c2))):
        if not _is_code(code):
            problems.add(number, _col(fields, index), name,
                         f"{code!r} is not a CPT or HCPCS code (five characters such as 97110 or G0283)")
            bad = True
    start = _ymd(eff)
    if start is None:
        problems.add(number, _col(fields, 3), "effective", f"bad effective date {eff!r}")
        bad = True
    end = OPEN_END if dele == "*" else _ymd(dele)
    if end is None:
        problems.add(number, _col(fields, 4), "deletion", f"bad deletion date {dele!r}")
        bad = True
    elif start is not None and end < start:
        problems.add(number, _col(fields, 4), "deletion",
                     f"deletion date {dele} is before the effective date {eff}")
        bad = True
    if ind not in ("0", "1", "9"):
        problems.add(number, _col(fields, 5), "modifier", f"modifier indicator must be 0, 1 or 9, not {ind!r}")
        bad = True
    if _CONTROL.search(why):
        problems.add(number, _col(fields, 6), "rationale", "the rationale holds a control character")
        bad = True
    if bad:
        return None
    assert start is not None and end is not None
    return (c1, c2, start, end, int(ind), why)


def _col(fields: list[str], index: int) -> int:
    return sum(len(f) + 1 for f in fields[:index]) + 1


_DATES: dict[str, int | None] = {}  # a CMS file holds a few thousand distinct dates among millions of rows
_CODES: set[str] = set()  # and some twelve thousand distinct codes


def _ymd(text: str) -> int | None:
    """YYYYMMDD (ASCII digits, a real date) as an int, else None."""
    found = _DATES.get(text, 0)
    if found != 0:
        return found
    value: int | None = None
    if _YMD.fullmatch(text):
        try:
            date(int(text[:4]), int(text[4:6]), int(text[6:]))
            value = int(text)
        except ValueError:
            value = None
    if len(_DATES) > 100_000:
        _DATES.clear()
    _DATES[text] = value
    return value


def _is_code(text: str) -> bool:
    if text in _CODES:
        return True
    if not _CODE.fullmatch(text):
        return False
    if len(_CODES) > 1_000_000:
        _CODES.clear()
    _CODES.add(text)
    return True


def _lines(path: Path) -> Iterator[str]:
    with path.open("rb") as fh:
        for raw in fh:
            yield decode_line(raw)


def read_ptp_into(paths: Iterable[Path], builder: PtpBuilder) -> list[Problem]:
    """Stream every part file (f1..f4) into `builder`; the problems of every file (empty when all is well)."""
    problems: list[Problem] = []
    for path in paths:
        found = _Problems(str(path))
        before = len(builder)
        try:
            for number, line in enumerate(_lines(path), 1):
                row = parse_ptp_line(line, number, found, started=len(builder) > before or found.count > 0)
                if row is not None:
                    builder.add(*row)
        except OSError as exc:
            found.add(1, 1, "", f"cannot read the file: {exc.strerror or exc}")
        if len(builder) == before and not found.count:
            found.add(1, 1, "", "no PTP data lines (is this a CMS practitioner PTP .TXT file?)")
        problems += found.done()
    return problems


def read_ptp_files(paths: Iterable[Path]) -> Iterator[PtpRow]:
    """Rows of every part file (f1..f4), raising DataError listing every bad line of every file."""
    problems: list[Problem] = []
    all_rows: list[PtpRow] = []
    for path in paths:
        rows, found = read_ptp_text(_lines(path), str(path))
        if not rows and not found:
            found = [Problem(str(path), 1, 1, "", "no PTP data lines (is this a CMS practitioner PTP .TXT file?)")]
        all_rows += rows
        problems += found
    if problems:
        raise DataError(problems)
    return iter(all_rows)


@dataclass(frozen=True)
class MueRow:
    """One code's MUE from CMS's table."""

    code: str
    value: int
    mai: int
    rationale: str


def effective_from_name(path: Path) -> date | None:
    """CMS names MUE files ..._Eff_MM-DD-YYYY.csv; the date is nowhere else."""
    found = _EFFECTIVE_IN_NAME.search(path.name)
    if not found:
        return None
    month, day, year = map(int, found.groups())
    try:
        return date(year, month, day)
    except ValueError:
        return None


def read_mue_csv(text: str, display: str) -> tuple[list[MueRow], list[Problem]]:
    """Parse the MUE CSV: skip the notice and header records, read code, value, 'N label' MAI, rationale.

    After the first data record, every record must be a row; a code listed twice is a problem (not 'last wins').
    """
    rows: list[MueRow] = []
    problems = _Problems(display)
    first_line: dict[str, int] = {}
    reader = csv.reader(io.StringIO(text, newline=""))
    line = 1
    try:
        for record in reader:
            start, line = line, reader.line_num + 1
            if not any(cell.strip() for cell in record):
                continue
            code = record[0].strip()
            if not rows and not problems.count and not _HEADERISH.fullmatch(code):
                continue  # the notice cell and the header
            row = _mue_row(record, start, problems, first_line)
            if row is not None:
                rows.append(row)
                first_line[row.code] = start
    except csv.Error as exc:
        problems.add(line, 1, "", f"not a readable CSV record: {exc}")
    return rows, problems.done()


def _mue_row(record: list[str], line: int, problems: _Problems, first_line: dict[str, int]) -> MueRow | None:
    cells = [c.strip() for c in record]
    if len(cells) not in (3, 4):
        problems.add(line, 1, "", f"expected 4 columns (code, value, MAI, rationale), found {len(cells)}")
        return None
    code, value, mai_cell = cells[:3]
    why = cells[3] if len(cells) > 3 else ""
    bad = False
    if not _CODE.fullmatch(code):
        problems.add(line, 1, "code", f"{code!r} is not a CPT or HCPCS code (five characters such as 97110)")
        bad = True
    elif code in first_line:
        problems.add(line, 1, "code", f"{code} is listed twice (first at line {first_line[code]}); "
                                      "a table states one MUE per code")
        bad = True
    if not _WHOLE.fullmatch(value):
        problems.add(line, 1, "value", f"MUE value must be a whole number (ASCII digits), not {value!r}")
        bad = True
    if mai_cell[:1] not in ("1", "2", "3") or (len(mai_cell) > 1 and mai_cell[1] not in " :-"):
        problems.add(line, 1, "mai", f"MAI must be 1, 2 or 3 (optionally followed by its label), not {mai_cell!r}")
        bad = True
    if _CONTROL.search(why):
        problems.add(line, 1, "rationale", "the rationale holds a control character")
        bad = True
    return None if bad else MueRow(code, int(value), int(mai_cell[0]), why)


def read_mue_file(path: Path) -> tuple[date, list[MueRow]]:
    """The effective date (from the file name) and rows of one MUE CSV; DataError on any problem."""
    effective = effective_from_name(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise DataError([Problem(str(path), 1, 1, "", f"cannot read the file: {exc.strerror or exc}")]) from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("latin-1")
    rows, problems = read_mue_csv(text, str(path))
    if effective is None:
        problems.insert(0, Problem(str(path), 1, 1, "", "no effective date in the file name (CMS: ..._Eff_MM-DD-YYYY)"))
    if not rows and not problems:
        problems.append(Problem(str(path), 1, 1, "", "no MUE rows (is this a CMS MUE CSV?)"))
    if problems:
        raise DataError(problems)
    assert effective is not None
    return effective, rows
