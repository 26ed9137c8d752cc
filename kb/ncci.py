"""Readers for CMS's quarterly NCCI files: the practitioner PTP text files and the MUE CSV.

The layouts are CMS's own (../shared/domain/ncci.md §1): PTP .TXT files are Latin-1 with CRLF
lines of 7 tab-separated fields after a banner and a 4-line wrapped header; '*' as a deletion date
means the edit is active. The MUE CSV has a multi-line notice cell and a header cell with an
embedded newline, and carries its effective date only in the file name. Real CMS files sit behind
an AMA licence and are never committed here; tests use synthetic files in the same shape.
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
from kb.ptp import OPEN_END

_CODE = re.compile(r"^([0-9]{4}[0-9A-Z]|[A-Z][0-9]{4})$")
_YMD = re.compile(r"^[0-9]{8}$")
_EFFECTIVE_IN_NAME = re.compile(r"_Eff_(\d{2})-(\d{2})-(\d{4})", re.IGNORECASE)

PtpRow = tuple[str, str, int, int, int, str]


def read_ptp_text(lines: Iterable[str], display: str) -> tuple[list[PtpRow], list[Problem]]:
    """Parse the lines of one PTP .TXT part. Header lines are skipped; bad data lines are problems."""
    rows: list[PtpRow] = []
    problems: list[Problem] = []
    for number, raw in enumerate(lines, 1):
        line = raw.rstrip("\r\n")
        fields = line.split("\t")
        if len(fields) < 2 or not (_CODE.match(fields[0]) and _CODE.match(fields[1])):
            continue  # banner, title and the wrapped header (CMS puts them before the data)
        if len(fields) != 7:
            problems.append(Problem(display, number, 1, "", f"expected 7 tab-separated fields, found {len(fields)}"))
            continue
        c1, c2, _prior, eff, dele, ind, why = fields
        if not _YMD.match(eff) or _date(eff) is None:
            problems.append(Problem(display, number, _col(fields, 3), "effective", f"bad effective date {eff!r}"))
            continue
        if dele == "*":
            end = OPEN_END
        elif _YMD.match(dele) and _date(dele) is not None:
            end = int(dele)
        else:
            problems.append(Problem(display, number, _col(fields, 4), "deletion", f"bad deletion date {dele!r}"))
            continue
        if ind not in ("0", "1", "9"):
            problems.append(Problem(display, number, _col(fields, 5), "modifier",
                                    f"modifier indicator must be 0, 1 or 9, not {ind!r}"))
            continue
        rows.append((c1, c2, int(eff), end, int(ind), why.strip()))
    return rows, problems


def _col(fields: list[str], index: int) -> int:
    return sum(len(f) + 1 for f in fields[:index]) + 1


def _date(ymd: str) -> date | None:
    try:
        return date(int(ymd[:4]), int(ymd[4:6]), int(ymd[6:]))
    except ValueError:
        return None


def read_ptp_files(paths: Iterable[Path]) -> Iterator[PtpRow]:
    """Rows of every part file (f1..f4), raising DataError listing every bad line of every file."""
    problems: list[Problem] = []
    all_rows: list[PtpRow] = []
    for path in paths:
        with path.open("r", encoding="latin-1", newline="") as fh:
            rows, found = read_ptp_text(fh, str(path))
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
    """Parse the MUE CSV: skip the notice and header records, read code, value, 'N label' MAI, rationale."""
    rows: list[MueRow] = []
    problems: list[Problem] = []
    reader = csv.reader(io.StringIO(text, newline=""))
    for record in reader:
        line = reader.line_num
        if not record or not _CODE.match(record[0].strip()):
            continue  # the notice cell, the header, blank records
        if len(record) < 3:
            problems.append(Problem(display, line, 1, "", f"expected 4 columns, found {len(record)}"))
            continue
        code, value, mai_cell = record[0].strip(), record[1].strip(), record[2].strip()
        if not value.isdigit():
            problems.append(Problem(display, line, 1, "value", f"MUE value must be a whole number, not {value!r}"))
            continue
        if mai_cell[:1] not in ("1", "2", "3"):
            problems.append(Problem(display, line, 1, "mai", f"MAI must start with 1, 2 or 3, not {mai_cell!r}"))
            continue
        rows.append(MueRow(code, int(value), int(mai_cell[0]), record[3].strip() if len(record) > 3 else ""))
    return rows, problems


def read_mue_file(path: Path) -> tuple[date, list[MueRow]]:
    """The effective date (from the file name) and rows of one MUE CSV; DataError on any problem."""
    effective = effective_from_name(path)
    rows, problems = read_mue_csv(path.read_text(encoding="latin-1"), str(path))
    if effective is None:
        problems.insert(0, Problem(str(path), 1, 1, "", "no effective date in the file name (CMS: ..._Eff_MM-DD-YYYY)"))
    if not rows and not problems:
        problems.append(Problem(str(path), 1, 1, "", "no MUE rows (is this a CMS MUE CSV?)"))
    if problems:
        raise DataError(problems)
    assert effective is not None
    return effective, rows
