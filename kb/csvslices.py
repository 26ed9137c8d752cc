"""A claim-lines CSV file cut into byte ranges at claim boundaries, so that worker processes read and parse their
own share of the file (kb/parallel.py) instead of the parent parsing every row and sending the visits over.

A cut falls between two rows of different claims, so each claim's rows stay together in one range and in order.
A file is cut only when a row is exactly a line: no quoted field spans lines (a line with an odd number of `"`)
and no bare carriage return ends a line, and the whole file is UTF-8. Otherwise `plan` returns None and the file
is read from start to end by one process, as before (`kb.check.inputs.read_file`), which reports its problems.

Row numbers in messages are the file's own (the header is row 1), as when the file is read in one pass.
"""

from __future__ import annotations

import codecs
import csv
import io
import mmap
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kb.check.inputs import csv_header, csv_visits
from kb.check.result import VisitError

SLICE_BYTES = 64 * 1024  # about 300 visits of three lines: the hand-over is small beside checking them
_BARE_CR = re.compile(rb"\r(?!\n)")
_BOM = b"\xef\xbb\xbf"


@dataclass(frozen=True)
class Slice:
    """Bytes [start, stop) of the file, whose first line is CSV row `first_row`."""

    start: int
    stop: int
    first_row: int


class CsvFile:
    """A CSV file of claim lines mapped into memory (forked workers share the mapping), with its columns."""

    def __init__(self, path: Path, data: mmap.mmap, columns: list[str], body: int):
        self.path = path
        self.data = data
        self.columns = columns
        self.body = body  # the byte where the first data row starts
        self.claim_column = columns.index("claim_id")

    def close(self) -> None:
        self.data.close()

    @property
    def where(self) -> tuple[str, int, list[str], int]:
        """What another process needs to map the same file again (see `reopen`): path, size, columns, body."""
        return str(self.path), len(self.data), self.columns, self.body

    def slices(self, size: int | None = None) -> Iterator[Slice]:
        """Consecutive ranges of about `size` bytes (default SLICE_BYTES) covering every data row, each cut
        between two claims."""
        size = size or SLICE_BYTES
        data, end = self.data, len(self.data)
        start, row = self.body, 2
        while start < end:
            stop = self._cut(start + size)
            yield Slice(start, stop, row)
            row += data[start:stop].count(b"\n")
            start = stop

    def _cut(self, target: int) -> int:
        """The start of the first row at or after the line holding `target` whose claim differs from the row
        before it (blank rows belong to no claim); the end of the file when there is none."""
        data, end = self.data, len(self.data)
        if target >= end:
            return end
        pos = data.rfind(b"\n", 0, target) + 1  # the line holding target
        previous = None
        while pos < end:
            nl = data.find(b"\n", pos)
            stop = end if nl < 0 else nl + 1
            claim = self._claim(data[pos:stop])
            if claim is not None:
                if previous is not None and claim != previous:
                    return pos
                previous = claim
            pos = stop
        return end

    def _claim(self, line: bytes) -> str | None:
        """The claim id of one line (None for a blank row), as kb.check.inputs reads it."""
        row = next(csv.reader([line.decode("utf-8")]), [])
        if not any(cell.strip() for cell in row):
            return None
        return row[self.claim_column].strip() if self.claim_column < len(row) else ""

    def visits(self, part: Slice, starts: list[int]) -> Iterator[dict[str, Any] | VisitError]:
        """The visits of one range (in a worker); `starts` gets each visit's first row number."""
        text = self.data[part.start:part.stop].decode("utf-8")
        return csv_visits(csv.reader(io.StringIO(text, newline="")), self.columns, part.first_row, set(), starts)


def _utf8(data: mmap.mmap, block: int = 1 << 22) -> bool:
    """Whether the mapped file is UTF-8 text (read in blocks: no copy of the whole file)."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        for start in range(0, len(data), block):
            decoder.decode(data[start:start + block])
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def _spans_lines(data: mmap.mmap, block: int = 1 << 22) -> bool:
    """Whether some line has an odd number of `"`: a quoted field may run on to the next line there."""
    if data.find(b'"') < 0:
        return False
    start = 0
    while start < len(data):
        stop = data.find(b"\n", start + block)
        stop = len(data) if stop < 0 else stop + 1
        if any(line.count(b'"') % 2 for line in data[start:stop].split(b"\n") if b'"' in line):
            return True
        start = stop
    return False


def plan(path: Path) -> CsvFile | None:
    """The file mapped for cutting, or None when it cannot be cut safely (then read it in one pass)."""
    try:
        with path.open("rb") as fh:
            data = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)
    except (OSError, ValueError):  # unreadable, or empty (mmap refuses a file of 0 bytes)
        return None
    if not _utf8(data):
        data.close()
        return None
    if _BARE_CR.search(data) or _spans_lines(data):  # type: ignore[call-overload]
        data.close()
        return None
    begin = len(_BOM) if data[:3] == _BOM else 0
    nl = data.find(b"\n")
    body = len(data) if nl < 0 else nl + 1
    header = next(csv.reader([data[begin:body].decode("utf-8")]), None)
    if header is None:
        data.close()
        return None
    try:
        columns = csv_header(header)
    except Exception:
        data.close()
        return None  # the one-pass reader reports it
    return CsvFile(path, data, columns, body)


def reopen(where: tuple[str, int, list[str], int]) -> CsvFile:
    """The file `CsvFile.where` describes, mapped in this process (a worker's own mapping of the batch's file);
    an error if it is no longer the same size (changed while being checked)."""
    from kb.problems import InputError

    path, size, columns, body = where
    with open(path, "rb") as fh:
        data = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)
    if len(data) != size:
        data.close()
        raise InputError(f"{path} changed while it was being checked ({size:,} bytes, now {len(data):,})", path)
    return CsvFile(Path(path), data, columns, body)
