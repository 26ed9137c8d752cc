"""Procedure-to-procedure (bundling) edits: lookups by code pair and date of service.

Two stores answer the same questions. `PairIndex` holds the edits authored in YAML (tens to
thousands), as typed objects keyed by pair. `PtpTable` holds bulk rows such as CMS's quarterly
practitioner file (2.6 million rows) in parallel arrays sorted by pair, so it costs tens of bytes a
row, loads from disk in one read, and answers a lookup with a binary search. A payer view asks
its authored edits first and its bulk table second.
"""

from __future__ import annotations

import json
from array import array
from bisect import bisect_left
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from kb.model import PtpEdit, Source

OPEN_END = 99991231  # CMS '*' (no deletion date)
_ROW_BITS = 23  # row numbers ride along in the sort key: up to 8.3 million rows per table


def _ymd(day: date) -> int:
    return day.year * 10000 + day.month * 100 + day.day


def _from_ymd(value: int) -> date | None:
    return None if value >= OPEN_END else date(value // 10000, value // 100 % 100, value % 100)


class PairIndex:
    """Authored edits by (column1, column2)."""

    def __init__(self, edits: Iterable[PtpEdit]):
        self._pairs: dict[tuple[str, str], list[PtpEdit]] = defaultdict(list)
        self._by_code: dict[str, list[PtpEdit]] = defaultdict(list)
        for edit in edits:
            self._pairs[(edit.column1, edit.column2)].append(edit)
            self._by_code[edit.column1].append(edit)
            self._by_code[edit.column2].append(edit)

    def rows(self, column1: str, column2: str) -> list[PtpEdit]:
        """Every edit with this column 1 and column 2, whatever its period."""
        return self._pairs.get((column1, column2), [])

    def involving(self, code: str) -> list[PtpEdit]:
        """Every edit that names the code in either column."""
        return self._by_code.get(code, [])


@dataclass(frozen=True)
class TableMeta:
    """What a bulk table is: its payer, its source, and the evidence grade of its rows."""

    payer: str
    source: dict[str, Any]
    evidence: str = "primary"
    notes: str | None = None


class PtpTable:
    """Bulk PTP rows in compact arrays, sorted by (column1, column2, effective date)."""

    def __init__(self, meta: TableMeta, codes: list[str], keys: array, start: array, end: array,
                 indicator: array, rationale_ids: array, rationales: list[str]):
        self.meta = meta
        self._codes = codes
        self._code_id = {c: i for i, c in enumerate(codes)}
        self._keys, self._start, self._end = keys, start, end
        self._indicator, self._rationale_ids, self._rationales = indicator, rationale_ids, rationales
        self._source = (Source.from_dict(meta.source),)

    def __len__(self) -> int:
        return len(self._keys)

    @classmethod
    def from_rows(cls, meta: TableMeta, rows: Iterable[tuple[str, str, int, int, int, str]]) -> PtpTable:
        """Build from (column1, column2, effective YYYYMMDD, deletion YYYYMMDD or OPEN_END, indicator, rationale)."""
        rows = list(rows)
        if len(rows) >= 1 << _ROW_BITS:
            raise ValueError(f"at most {(1 << _ROW_BITS) - 1:,} rows per table")
        codes = sorted({r[0] for r in rows} | {r[1] for r in rows})  # keys sort by code text, as CMS's files do
        code_id = {c: i for i, c in enumerate(codes)}
        rationales = sorted({r[5] for r in rows})
        rationale_id = {r: i for i, r in enumerate(rationales)}
        # One sort of plain integers (pair key, then file order) instead of millions of tuples.
        order = sorted((((code_id[r[0]] << 20) | code_id[r[1]]) << _ROW_BITS) | i for i, r in enumerate(rows))
        mask = (1 << _ROW_BITS) - 1
        picked = [rows[k & mask] for k in order]
        return cls(meta, codes,
                   array("q", (k >> _ROW_BITS for k in order)), array("i", (r[2] for r in picked)),
                   array("i", (r[3] for r in picked)), array("b", (r[4] for r in picked)),
                   array("H", (rationale_id[r[5]] for r in picked)), rationales)

    def _key(self, column1: str, column2: str) -> int | None:
        a, b = self._code_id.get(column1), self._code_id.get(column2)
        return None if a is None or b is None else (a << 20) | b

    def rows(self, column1: str, column2: str) -> list[PtpEdit]:
        """Every row for this pair, as PtpEdit values."""
        key = self._key(column1, column2)
        if key is None:
            return []
        out = []
        i = bisect_left(self._keys, key)
        while i < len(self._keys) and self._keys[i] == key:
            out.append(self._edit(i, column1, column2))
            i += 1
        return out

    def _edit(self, i: int, column1: str, column2: str) -> PtpEdit:
        start = _from_ymd(self._start[i])
        return PtpEdit(
            payer=self.meta.payer, key=f"{column1}/{column2}", effective_from=start,
            effective_to=_from_ymd(self._end[i]), sources=self._source, evidence=self.meta.evidence,
            notes=self.meta.notes, declared_by=self.meta.payer, column1=column1, column2=column2,
            modifier_indicator=self._indicator[i], rationale=self._rationales[self._rationale_ids[i]],
        )

    def in_force(self, column1: str, column2: str, day: date) -> PtpEdit | None:
        """The row in force on `day`; where CMS lists duplicates, the one with the latest deletion wins."""
        key = self._key(column1, column2)
        if key is None:
            return None
        ymd = _ymd(day)
        best = -1
        i = bisect_left(self._keys, key)
        while i < len(self._keys) and self._keys[i] == key:
            if self._start[i] <= ymd <= self._end[i] and (best < 0 or self._end[i] > self._end[best]):
                best = i
            i += 1
        return None if best < 0 else self._edit(best, column1, column2)

    def nbytes(self) -> int:
        """Bytes held by the row arrays (not counting the small code and rationale lists)."""
        return sum(a.itemsize * len(a) for a in (self._keys, self._start, self._end, self._indicator,
                                                 self._rationale_ids))

    # -- on disk: a JSON header line, then the raw arrays -------------------------------------------

    def save(self, path: Path) -> None:
        """Write the table (header and arrays) to one file."""
        header = {"meta": self.meta.__dict__, "codes": self._codes, "rationales": self._rationales,
                  "rows": len(self._keys)}
        with path.open("wb") as fh:
            line = json.dumps(header).encode("utf-8")
            fh.write(len(line).to_bytes(8, "little"))
            fh.write(line)
            for arr in (self._keys, self._start, self._end, self._indicator, self._rationale_ids):
                arr.tofile(fh)

    @classmethod
    def load(cls, path: Path) -> PtpTable:
        """Read a table written by `save`."""
        with path.open("rb") as fh:
            size = int.from_bytes(fh.read(8), "little")
            header = json.loads(fh.read(size))
            n = header["rows"]
            arrays = []
            for code in ("q", "i", "i", "b", "H"):
                arr = array(code)
                arr.fromfile(fh, n)
                arrays.append(arr)
        keys, start, end, indicator, rationale_ids = arrays
        return cls(TableMeta(**header["meta"]), header["codes"], keys, start, end, indicator, rationale_ids,
                   header["rationales"])

    def __iter__(self) -> Iterator[tuple[str, str, int, int, int, str]]:
        for i, key in enumerate(self._keys):
            yield (self._codes[key >> 20], self._codes[key & 0xFFFFF], self._start[i], self._end[i],
                   self._indicator[i], self._rationales[self._rationale_ids[i]])
