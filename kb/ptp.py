"""Procedure-to-procedure (bundling) edits: lookups by code pair and date of service.

Two stores answer the same questions. `PairIndex` holds the edits authored in YAML (tens to
thousands), as typed objects keyed by pair. `PtpTable` holds bulk rows such as CMS's quarterly
practitioner file (2.6 million rows) in a compressed-sparse-row layout: per column 1 code, the
range of its rows, sorted by column 2 and file order, in flat arrays (15 bytes a row). It loads
from disk in one read per array and answers a lookup with one dict probe and a binary search of
a few hundred entries. A payer view asks its authored edits first and its bulk table second.
"""

from __future__ import annotations

import json
import os
from array import array
from bisect import bisect_left
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from kb.model import PtpEdit, Source
from kb.problems import KBError

OPEN_END = 99991231  # CMS '*' (no deletion date)
FORMAT = 2  # of the .ptp file: 2 = per-column-1 offsets (1 was one sorted key array)
_ROW_BITS = 23  # up to 8.3 million rows per table
_CODE_BITS = 20  # up to a million distinct codes
_MADE_LIMIT = 65_536  # PtpEdit values kept per table (a lookup that hits builds one)


def ymd(day: date) -> int:
    """A date as the integer YYYYMMDD the tables store."""
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
        self._pairs, self._by_code = dict(self._pairs), dict(self._by_code)

    @property
    def codes(self) -> dict[str, list[PtpEdit]]:
        """The codes some edit names (`code in index.codes`: a quick way out for the codes of a bulk table)."""
        return self._by_code

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


class PtpBuilder:
    """Collects rows one at a time into flat arrays (no per-row Python objects), then sorts them once."""

    def __init__(self) -> None:
        self._code_id: dict[str, int] = {}
        self._why_id: dict[str, int] = {}
        self._c1, self._c2 = array("i"), array("i")
        self._start, self._end = array("i"), array("i")
        self._ind, self._why = array("b"), array("H")

    def __len__(self) -> int:
        return len(self._c1)

    def add(self, column1: str, column2: str, start: int, end: int, indicator: int, rationale: str) -> None:
        """One row: codes, effective YYYYMMDD, deletion YYYYMMDD (or OPEN_END), indicator, rationale."""
        if len(self._c1) >= (1 << _ROW_BITS) - 1:
            raise KBError(f"at most {(1 << _ROW_BITS) - 1:,} rows per table")
        ids = self._code_id
        a = ids.setdefault(column1, len(ids))
        b = ids.setdefault(column2, len(ids))
        if len(ids) >= 1 << _CODE_BITS or len(self._why_id) >= 1 << 16:
            raise KBError("too many distinct codes or rationales for one table")
        self._c1.append(a)
        self._c2.append(b)
        self._start.append(start)
        self._end.append(end)
        self._ind.append(indicator)
        self._why.append(self._why_id.setdefault(rationale, len(self._why_id)))

    def build(self, meta: TableMeta) -> PtpTable:
        """The table: rows sorted by (column 1, column 2) as text, then file order."""
        codes = sorted(self._code_id)
        rank = array("i", bytes(4 * len(codes)))
        for r, code in enumerate(codes):
            rank[self._code_id[code]] = r
        rationales = sorted(self._why_id)
        why_rank = array("H", bytes(2 * len(rationales)))
        for r, text in enumerate(rationales):
            why_rank[self._why_id[text]] = r
        c1, n = self._c1, len(self._c1)
        # a counting sort by column 1 (stable: file order within a code), then a stable sort of each code's rows
        # by column 2 — flat arrays throughout, no per-row Python objects (memory stays a few times the table)
        c2 = array("i", (rank[b] for b in self._c2))
        offsets = array("i", bytes(4 * (len(codes) + 1)))
        first = array("i", (rank[a] for a in c1))
        for a in first:
            offsets[a + 1] += 1
        for i in range(len(codes)):
            offsets[i + 1] += offsets[i]
        slot = array("i", offsets)
        perm = array("i", bytes(4 * n))
        for i, a in enumerate(first):
            perm[slot[a]] = i
            slot[a] += 1
        del first, slot
        by_c2 = c2.__getitem__
        for a in range(len(codes)):
            lo, hi = offsets[a], offsets[a + 1]
            if hi - lo > 1:
                perm[lo:hi] = array("i", sorted(perm[lo:hi], key=by_c2))
        col2 = array("i", (c2[i] for i in perm))
        del c2
        start = array("i", (self._start[i] for i in perm))
        end = array("i", (self._end[i] for i in perm))
        ind = array("b", (self._ind[i] for i in perm))
        why = array("H", (why_rank[self._why[i]] for i in perm))
        return PtpTable(meta, codes, offsets, col2, start, end, ind, why, rationales)


class PtpTable:
    """Bulk PTP rows: for each column 1 code, its rows sorted by column 2 code, then file order."""

    def __init__(self, meta: TableMeta, codes: list[str], offsets: array, col2: array, start: array, end: array,
                 indicator: array, rationale_ids: array, rationales: list[str]):
        self.meta = meta
        self._codes = codes
        self._code_id = {c: i for i, c in enumerate(codes)}
        self._offsets, self._col2, self._start, self._end = offsets, col2, start, end
        self._indicator, self._rationale_ids, self._rationales = indicator, rationale_ids, rationales
        self._source = (Source.from_dict(meta.source),)
        self._dates: dict[int, date | None] = {}
        self._made: dict[int, PtpEdit] = {}
        # what every row's PtpEdit shares; a row adds its own eight fields
        self._shared = {"payer": meta.payer, "sources": self._source, "evidence": meta.evidence,
                        "notes": meta.notes, "jurisdiction": None, "declared_by": meta.payer,
                        "effective_from_basis": "stated"}

    @property
    def sources(self) -> tuple[Source, ...]:
        """What every row of the table cites."""
        return self._source

    def __len__(self) -> int:
        return len(self._col2)

    @classmethod
    def from_rows(cls, meta: TableMeta, rows: Iterable[tuple[str, str, int, int, int, str]]) -> PtpTable:
        """Build from (column1, column2, effective YYYYMMDD, deletion YYYYMMDD or OPEN_END, indicator, rationale)."""
        builder = PtpBuilder()
        for row in rows:
            builder.add(*row)
        return builder.build(meta)

    def _range(self, column1: str, column2: str) -> tuple[int, int]:
        """The rows of the pair: [i, j) (empty when the table has none)."""
        a = self._code_id.get(column1)
        b = self._code_id.get(column2)
        if a is None or b is None:
            return 0, 0
        hi = self._offsets[a + 1]
        col2 = self._col2
        i = bisect_left(col2, b, self._offsets[a], hi)
        j = i
        while j < hi and col2[j] == b:
            j += 1
        return i, j

    def rows(self, column1: str, column2: str) -> list[PtpEdit]:
        """Every row for this pair, as PtpEdit values."""
        i, j = self._range(column1, column2)
        return [self.edit_at(k, column1, column2) for k in range(i, j)]

    def row_in_force(self, column1: str, column2: str, day: int) -> int:
        """The row number in force on `day` (YYYYMMDD), or -1. Where CMS lists duplicates, the latest deletion wins."""
        i, j = self._range(column1, column2)
        start, end = self._start, self._end
        best = -1
        for k in range(i, j):
            if start[k] <= day <= end[k] and (best < 0 or end[k] > end[best]):
                best = k
        return best

    def either_order(self, code_a: str, code_b: str, day: int) -> PtpEdit | None:
        """The row in force on `day` (YYYYMMDD) for the pair in either order (a then b first), as a PtpEdit.

        The hot path of `p.ptp()` and the checker: two dict probes, then per order a binary search within the
        column 1 code's rows (typically a few hundred), all inline."""
        ids = self._code_id
        a = ids.get(code_a)
        if a is None:
            return None
        b = ids.get(code_b)
        if b is None:
            return None
        offsets, col2, start, end = self._offsets, self._col2, self._start, self._end
        for x, y in ((a, b), (b, a)):
            hi = offsets[x + 1]
            k = bisect_left(col2, y, offsets[x], hi)
            best = -1
            while k < hi and col2[k] == y:
                if start[k] <= day <= end[k] and (best < 0 or end[k] > end[best]):
                    best = k
                k += 1
            if best >= 0:
                made = self._made.get(best)
                if made is not None:
                    return made
                return self.edit_at(best, code_a, code_b) if x == a else self.edit_at(best, code_b, code_a)
        return None

    def in_force(self, column1: str, column2: str, day: date) -> PtpEdit | None:
        """The row in force on `day`; where CMS lists duplicates, the one with the latest deletion wins."""
        k = self.row_in_force(column1, column2, ymd(day))
        return None if k < 0 else self.edit_at(k, column1, column2)

    def _date(self, value: int) -> date | None:
        found = self._dates.get(value, False)
        if found is False:
            found = self._dates[value] = _from_ymd(value)
        return found  # type: ignore[return-value]

    def edit_at(self, k: int, column1: str, column2: str) -> PtpEdit:
        made = self._made.get(k)
        if made is not None:
            return made
        # a frozen dataclass built field by field costs ~3 µs; filling its __dict__ directly is the same value
        edit = object.__new__(PtpEdit)
        edit.__dict__.update(self._shared, key=f"{column1}/{column2}", effective_from=self._date(self._start[k]),
                             effective_to=self._date(self._end[k]), column1=column1, column2=column2,
                             modifier_indicator=self._indicator[k],
                             rationale=self._rationales[self._rationale_ids[k]])
        if len(self._made) >= _MADE_LIMIT:
            self._made.clear()
        self._made[k] = edit
        return edit

    def nbytes(self) -> int:
        """Bytes held by the row arrays (not counting the small code and rationale lists)."""
        return sum(a.itemsize * len(a) for a in self._arrays())

    def _arrays(self) -> tuple[array, ...]:
        return (self._offsets, self._col2, self._start, self._end, self._indicator, self._rationale_ids)

    # -- on disk: a JSON header line, then the raw arrays -------------------------------------------

    def save(self, path: Path) -> None:
        """Write the table (header and arrays) to one file, atomically: a crash leaves no half-written table."""
        header = {"format": FORMAT, "meta": self.meta.__dict__, "codes": self._codes,
                  "rationales": self._rationales, "rows": len(self)}
        partial = path.with_name(path.name + ".partial")
        try:
            with partial.open("wb") as fh:
                line = json.dumps(header, ensure_ascii=False).encode("utf-8")
                fh.write(len(line).to_bytes(8, "little"))
                fh.write(line)
                for arr in self._arrays():
                    arr.tofile(fh)
            os.replace(partial, path)
        finally:
            partial.unlink(missing_ok=True)

    @classmethod
    def load(cls, path: Path) -> PtpTable:
        """Read a table written by `save`; KBError when the file is not one (or is cut short)."""
        try:
            with path.open("rb") as fh:
                size = int.from_bytes(fh.read(8), "little")
                if not 0 < size < 1 << 31:
                    raise ValueError("no table header")
                header = json.loads(fh.read(size))
                if header.get("format") != FORMAT:
                    raise KBError(f"{path}: a PTP table of another format version; rebuild it with `kb ncci ptp`")
                n, codes = header["rows"], header["codes"]
                arrays = []
                for code, count in (("i", len(codes) + 1), ("i", n), ("i", n), ("i", n), ("b", n), ("H", n)):
                    arr = array(code)
                    arr.fromfile(fh, count)
                    arrays.append(arr)
                if fh.read(1):
                    raise ValueError("data after the last array")
                meta = TableMeta(**header["meta"])
        except KBError:
            raise
        except (OSError, EOFError, ValueError, KeyError, TypeError) as exc:
            raise KBError(f"{path}: not a PTP table written by `kb ncci ptp` ({exc})") from None
        offsets, col2, start, end, indicator, rationale_ids = arrays
        return cls(meta, codes, offsets, col2, start, end, indicator, rationale_ids, header["rationales"])

    def __iter__(self) -> Iterator[tuple[str, str, int, int, int, str]]:
        codes, offsets = self._codes, self._offsets
        for a in range(len(codes)):
            for k in range(offsets[a], offsets[a + 1]):
                yield (codes[a], codes[self._col2[k]], self._start[k], self._end[k], self._indicator[k],
                       self._rationales[self._rationale_ids[k]])
