"""Check results across a process boundary, cheaply: pickling a CheckResult and unpickling it costs about half as
much CPU again as checking the visit, which would eat the gain of a second core. Here a chunk of results becomes
plain tuples for `marshal` (dates as ordinals, lines and findings as tuples), and the few distinct objects they
share (sources, remittance predictions) are pickled once per chunk and referred to by index.

The field lists come from the dataclasses themselves, so a field added to a result class travels too: plain values
(text, numbers, None, tuples of them) go through marshal, anything else through the chunk's object table.
"""

from __future__ import annotations

import marshal
import os
import pickle
import re
from dataclasses import fields
from datetime import date
from operator import attrgetter
from typing import Any

from kb.check.result import CheckResult, Finding, LineResult, VisitError

_PLAIN = re.compile(r"^(str|int|float|bool|None|tuple\[(str|int), \.\.\.\])( \| (str|int|float|bool|None))*$")


def _kinds(cls: type) -> tuple[tuple[str, str], ...]:
    """(field, kind) for a result class: plain, date, lines, findings, objects (a tuple of objects) or object."""
    out = []
    for f in fields(cls):
        kind = str(f.type)
        if _PLAIN.match(kind):
            out.append((f.name, "plain"))
        elif kind == "date":
            out.append((f.name, "date"))
        elif kind.startswith("tuple[LineResult"):
            out.append((f.name, "lines"))
        elif kind.startswith("tuple[Finding"):
            out.append((f.name, "findings"))
        elif kind.startswith("tuple["):
            out.append((f.name, "objects"))
        else:
            out.append((f.name, "object"))
    return tuple(out)


_RESULT, _LINE, _FINDING, _ERROR = (_kinds(c) for c in (CheckResult, LineResult, Finding, VisitError))
# the fast path knows these shapes; a result class that grows a field of another kind travels by pickle
_FAST = (all(k == "plain" for _, k in _LINE) and all(k == "plain" for _, k in _ERROR)
         and [k for _, k in _FINDING if k != "plain"] in (["objects"], ["objects", "object"])
         and sorted(k for _, k in _RESULT if k != "plain") == ["date", "findings", "lines"])
_LINE_NAMES = tuple(n for n, _ in _LINE)
_ERROR_NAMES = tuple(n for n, _ in _ERROR)
_FINDING_PLAIN = tuple(n for n, k in _FINDING if k == "plain")
_FINDING_REFS = tuple(n for n, k in _FINDING if k != "plain")
_RESULT_PLAIN = tuple(n for n, k in _RESULT if k == "plain")
_EXTRA_REF = _FINDING_REFS[1] if len(_FINDING_REFS) > 1 else None  # the one object beside the sources, if any
_line_values = attrgetter(*_LINE_NAMES)
_error_values = attrgetter(*_ERROR_NAMES)
_finding_values = attrgetter(*_FINDING_PLAIN)
_result_values = attrgetter(*_RESULT_PLAIN)


def _new(cls: type, state: dict[str, Any]) -> Any:
    obj: Any = object.__new__(cls)
    obj.__dict__.update(state)  # the frozen dataclass's own fields, as its __init__ would set them
    return obj


CACHE = 100_000  # distinct lines and findings a worker numbers before it starts again (a few tens of MB each side)


class Encoder:
    """One worker's side: results to bytes. Shared objects (sources, remittance predictions) are sent once per
    worker, the first time a result names them; later chunks refer to them by number. Lines and findings recur
    across visits (the same code, minutes and units; the same finding of a rule), so each distinct one is sent
    once too and numbered: the parent builds one object for it and shares it, as immutable results may."""

    def __init__(self) -> None:
        self.index: dict[int, int] = {}
        self.kept: list[Any] = []  # every object sent, kept alive so its id() is never reused
        self.lines: dict[Any, int] = {}
        self.findings: dict[Any, int] = {}
        # a finding's sources, by the ids of its source objects: once all of them are kept (alive, so their ids are
        # never reused) the same sources recur in thousands of findings as new tuples of the same few objects
        self.groups: dict[tuple[int, ...], tuple[int, ...]] = {}

    def encode(self, results: list[CheckResult | VisitError]) -> bytes:
        """A chunk of results as bytes (marshal for the values, pickle for objects not sent before)."""
        if not _FAST:
            return b"P" + pickle.dumps(results, protocol=pickle.HIGHEST_PROTOCOL)
        index, kept, line_ids, finding_ids, groups = self.index, self.kept, self.lines, self.findings, self.groups
        start = len(kept)
        reset = len(line_ids) + len(finding_ids) > CACHE
        if reset:
            line_ids.clear()
            finding_ids.clear()
        new_lines: list[Any] = []
        new_findings: list[Any] = []
        new_groups: list[tuple[int, ...]] = []

        def ref(value: Any) -> int:
            if value is None:
                return -1
            found = index.get(id(value))
            if found is None:
                found = index[id(value)] = len(kept)
                kept.append(value)
            return found

        rows: list[Any] = []
        for r in results:
            if isinstance(r, VisitError):
                rows.append((0, _error_values(r)))
                continue
            lines = []
            for ln in r.lines:
                values = _line_values(ln)
                number = line_ids.get(values)
                if number is None:
                    number = line_ids[values] = len(line_ids)
                    new_lines.append(values)
                lines.append(number)
            findings = []
            for f in r.findings:
                ids = tuple(map(id, f.sources))
                refs = groups.get(ids)
                if refs is None:
                    refs = tuple(ref(s) for s in f.sources)
                    new_groups.append(ids)
                    groups[ids] = refs
                key = (_finding_values(f), refs, ref(getattr(f, _EXTRA_REF)) if _EXTRA_REF else -1)
                number = finding_ids.get(key)
                if number is None:
                    number = finding_ids[key] = len(finding_ids)
                    new_findings.append(key)
                findings.append(number)
            rows.append((1, _result_values(r), r.date.toordinal(), tuple(lines), tuple(findings)))
        try:
            body = marshal.dumps((os.getpid(), start, reset, tuple(new_lines), tuple(new_findings), tuple(rows)))
        except ValueError:  # a value marshal does not know: the whole chunk by pickle, and the numbering undone
            for obj in kept[start:]:
                del index[id(obj)]
            del kept[start:]
            for values in new_lines:
                del line_ids[values]
            for key in new_findings:
                del finding_ids[key]
            for ids in new_groups:
                del groups[ids]
            return b"P" + pickle.dumps(results, protocol=pickle.HIGHEST_PROTOCOL)
        new = pickle.dumps(kept[start:], protocol=pickle.HIGHEST_PROTOCOL)
        return b"M" + len(body).to_bytes(8, "little") + body + new


class Decoder:
    """The parent's side: bytes back to results equal to the originals. Chunks of one worker must be decoded in
    the order that worker encoded them (kb/parallel.py decodes in input order, and each worker takes its chunks
    in input order)."""

    def __init__(self) -> None:
        self.tables: dict[int, tuple[list[Any], list[LineResult], list[Finding]]] = {}
        self.groups: dict[int, dict[tuple[int, ...], tuple[Any, ...]]] = {}  # a worker's source refs -> sources
        self.dates: dict[int, date] = {}

    def decode(self, data: bytes) -> list[CheckResult | VisitError]:
        if data[:1] == b"P":
            return pickle.loads(data[1:])  # type: ignore[no-any-return]
        size = int.from_bytes(data[1:9], "little")
        pid, start, reset, new_lines, new_findings, rows = marshal.loads(data[9:9 + size])
        objects, lines, findings = self.tables.setdefault(pid, ([], [], []))
        if start != len(objects):
            raise RuntimeError(f"results of worker {pid} arrived out of order ({start} != {len(objects)})")
        objects += pickle.loads(data[9 + size:])
        if reset:
            lines.clear()
            findings.clear()
        if len(self.dates) > CACHE:
            self.dates.clear()
        lines += [_new(LineResult, dict(zip(_LINE_NAMES, v, strict=True))) for v in new_lines]
        groups = self.groups.setdefault(pid, {})
        findings += [_finding(key, objects, groups) for key in new_findings]
        return _rebuild(rows, lines, findings, self.dates)


_SOURCES = _FINDING_REFS[0]


def _finding(key: Any, objects: list[Any], groups: dict[tuple[int, ...], tuple[Any, ...]]) -> Finding:
    values, refs, extra = key
    state = dict(zip(_FINDING_PLAIN, values, strict=True))
    sources = groups.get(refs)
    if sources is None:
        sources = groups[refs] = tuple(map(objects.__getitem__, refs))
    state[_SOURCES] = sources
    if _EXTRA_REF:
        state[_EXTRA_REF] = None if extra < 0 else objects[extra]
    return _new(Finding, state)  # type: ignore[no-any-return]


def _rebuild(rows: Any, lines: list[LineResult], findings: list[Finding],
             dates: dict[int, date]) -> list[CheckResult | VisitError]:
    out: list[CheckResult | VisitError] = []
    result_plain, line_at, finding_at = _RESULT_PLAIN, lines.__getitem__, findings.__getitem__
    for row in rows:
        if row[0] == 0:
            out.append(_new(VisitError, dict(zip(_ERROR_NAMES, row[1], strict=True))))
            continue
        _, plain, ordinal, line_ids, finding_ids = row
        state = dict(zip(result_plain, plain, strict=True))
        day = dates.get(ordinal)
        if day is None:
            day = dates[ordinal] = date.fromordinal(ordinal)
        state["date"] = day
        state["lines"] = tuple(map(line_at, line_ids))
        state["findings"] = tuple(map(finding_at, finding_ids))
        out.append(_new(CheckResult, state))
    return out
