"""Columnar I/O: claim lines as Arrow record batches (from Parquet or CSV) in, findings as record batches (to
Parquet) out. The core, `check_batches`, is engine-neutral: an iterator of record batches of claim lines in, an
iterator of record batches of findings out — itself a function Spark's `mapInArrow` can run (kb/spark.py).

Claim lines (one row per claim line; the rows of a claim together and in line order, as `kb check` CSV):

| column | type | |
|---|---|---|
| claim_id | string | required; groups the lines of one visit |
| line | integer | optional; the line's number on the claim (kept in findings; Spark sorts by it) |
| payer, plan_of_care, state, note | string | per visit (repeated on each line; must agree) |
| date | date32 or string YYYY-MM-DD | per visit |
| ytd_allowed | floating point | per visit |
| code | string | required |
| minutes, units, assistant_minutes | integer (null: not given) | |
| modifiers | string ("GP 59") or list<string> | |
| allowed | floating point | |
| start, end | string HH:MM | |

Findings (`FINDINGS_SCHEMA`; one row per finding, and one row per visit that could not be checked, with rule
`input.invalid`):

| column | type | |
|---|---|---|
| claim_id | string | |
| line | int32 | the finding's first claim line (its `line` value, else its 0-based position); null: visit-wide |
| lines | list<int32> | every line the finding concerns |
| rule | string | stable rule id (`units.mismatch`, ...) |
| severity | string | error, warning or info |
| remittance | list<string> | code sets the payer is expected to send (`CO-97 M15`; kb.remittance), if known |
| message, fix, basis | string | |
| source_ids | list<string> | source ids (kb/check/sources.py); file metadata `kb.sources` maps id -> source |

pyarrow is the optional extra `[arrow]`.
"""

from __future__ import annotations

import itertools
import json
import os
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from kb.check.inputs import CSV_VISIT_FIELDS, LINE_FIELDS
from kb.check.result import CheckResult, VisitError
from kb.check.sources import source_id
from kb.parallel import per_batch
from kb.problems import InputError

if TYPE_CHECKING:
    from kb.knowledge import KnowledgeBase

BATCH_ROWS = 8192  # findings per output record batch
INVALID = "input.invalid"  # the rule of the row reporting a visit that could not be checked

FINDINGS_SCHEMA = pa.schema([
    pa.field("claim_id", pa.string()),
    pa.field("line", pa.int32()),
    pa.field("lines", pa.list_(pa.int32())),
    pa.field("rule", pa.string(), nullable=False),
    pa.field("severity", pa.string(), nullable=False),
    pa.field("remittance", pa.list_(pa.string())),
    pa.field("message", pa.string(), nullable=False),
    pa.field("fix", pa.string()),
    pa.field("basis", pa.string()),
    pa.field("source_ids", pa.list_(pa.string())),
])
COLUMNS = frozenset({"claim_id", "line", *CSV_VISIT_FIELDS, *LINE_FIELDS})
_VISIT_FIELDS = ("payer", "date", *(f for f in CSV_VISIT_FIELDS if f not in ("payer", "date")))


class Remittance:
    """The remittance codes a payer is expected to send for a finding (kb.remittance), as text such as
    `CO-97 M15`, one entry per code set the knowledge base predicts (the expected set first); cached."""

    def __init__(self, kb: Any):
        self._table = getattr(kb, "remittance_table", None)
        self._cache: dict[tuple[str, str], list[str]] = {}

    def __call__(self, rule: str, payer: str) -> list[str]:
        key = (rule, payer)
        found = self._cache.get(key)
        if found is None:
            prediction = self._table.predict(rule, payer) if self._table is not None else None
            found = self._cache[key] = [str(c) for c in prediction.codes] if prediction is not None else []
        return found


# -- claim lines in ----------------------------------------------------------------------------------------


def check_columns(schema: pa.Schema) -> None:
    """InputError naming the first unknown or missing column of a claim-lines table."""
    unknown = [n for n in schema.names if n not in COLUMNS]
    if unknown:
        raise InputError(f"unknown column {unknown[0]!r}; columns are {', '.join(sorted(COLUMNS))}", unknown[0])
    for needed in ("claim_id", "payer", "date", "code"):
        if needed not in schema.names:
            raise InputError(f"the claim lines lack the {needed!r} column", needed)


def visits_from_batches(batches: Iterable[pa.RecordBatch],
                        seen: set[str] | None = None) -> Iterator[dict[str, Any] | VisitError]:
    """Record batches of claim lines -> one visit per claim (rows of a claim consecutive; a claim may span
    batches). Yields a visit mapping, or a VisitError for a claim whose rows disagree or are split (`seen`: the
    claims met before these batches)."""
    seen = set() if seen is None else seen
    group: list[dict[str, Any]] = []
    for batch in batches:
        check_columns(batch.schema)
        for row in batch.to_pylist():
            claim = row.get("claim_id")
            claim = None if claim is None else str(claim)
            if group and claim != group[0]["claim_id"]:
                yield _visit(group, seen)
                group = []
            row["claim_id"] = claim
            group.append(row)
    if group:
        yield _visit(group, seen)


def _visit(rows: list[dict[str, Any]], seen: set[str]) -> dict[str, Any] | VisitError:
    claim = rows[0]["claim_id"]
    if not claim:
        return VisitError("claim_id is empty", "claim_id")
    if claim in seen:
        return VisitError(f"the rows of claim {claim} are not together (keep one claim's rows consecutive)",
                          "claim_id", claim)
    seen.add(claim)
    visit: dict[str, Any] = {"claim_id": claim}
    for field in _VISIT_FIELDS:
        values = {_hashable(r.get(field)) for r in rows} - {None, ""}
        if len(values) > 1:
            return VisitError(f"the lines of claim {claim} disagree on {field}: "
                              f"{', '.join(sorted(map(str, values)))}", field, claim)
        if values:
            visit[field] = values.pop()
    visit["lines"] = [{f: r[f] for f in LINE_FIELDS if r.get(f) is not None and r.get(f) != ""} for r in rows]
    numbers = [r.get("line") for r in rows]
    visit["_line_numbers"] = numbers if any(n is not None for n in numbers) else None
    return visit


def _hashable(value: Any) -> Any:
    return tuple(value) if isinstance(value, list) else value


# -- findings out ------------------------------------------------------------------------------------------


def finding_rows(result: CheckResult | VisitError, numbers: list[Any] | None = None,
                 remittance: Remittance | None = None) -> list[tuple[Any, ...]]:
    """A checked visit as findings rows (FINDINGS_SCHEMA order); `numbers` are the claim's line numbers."""
    if isinstance(result, VisitError):
        return [(result.claim_id, None, [], INVALID, "error", [], result.message, "", result.field or "", [])]
    rows = []
    for f in result.findings:
        lines = [numbers[i] if numbers and numbers[i] is not None else i for i in f.lines]
        codes = remittance(f.rule, result.payer) if remittance is not None else []
        rows.append((result.claim_id, lines[0] if lines else None, lines, f.rule, f.severity, codes,
                     f.message, f.fix, f.basis, [source_id(s) for s in f.sources]))
    return rows


def findings_batch(rows: list[tuple[Any, ...]]) -> pa.RecordBatch:
    """Findings rows as one record batch of FINDINGS_SCHEMA."""
    columns: list[Any] = list(zip(*rows, strict=True)) if rows else [() for _ in FINDINGS_SCHEMA]
    return pa.RecordBatch.from_arrays([pa.array(col, type=field.type) for col, field in
                                       zip(columns, FINDINGS_SCHEMA, strict=True)], schema=FINDINGS_SCHEMA)


def cited_sources(results_sources: Iterable[Any]) -> dict[str, dict[str, Any]]:
    """id -> source for the given Source values."""
    from kb.check.result import source_dict

    return {source_id(s): source_dict(s) for s in results_sources}


def check_batches(kb: KnowledgeBase, batches: Iterable[pa.RecordBatch],
                  cited: dict[str, dict[str, Any]] | None = None) -> Iterator[pa.RecordBatch]:
    """The engine-neutral core: record batches of claim lines in, record batches of findings out, in input order.
    Runs in this process (a Spark task, a worker); `cited` collects the sources the findings cite, by id."""
    rows: list[tuple[Any, ...]] = []
    for found in _finding_rows(kb, batches, set(), cited, None):
        rows += found
        if len(rows) >= BATCH_ROWS:
            yield findings_batch(rows)
            rows = []
    if rows:
        yield findings_batch(rows)


def _finding_rows(kb: KnowledgeBase, batches: Iterable[pa.RecordBatch], seen: set[str],
                  cited: dict[str, dict[str, Any]] | None,
                  counts: dict[str, int] | None) -> Iterator[list[tuple[Any, ...]]]:
    """Each visit of the claim lines checked, as its findings rows; the sources cited go into `cited` and the
    tallies (visits, with_errors, findings, not_checked) into `counts`."""
    from kb.check.engine import checker_for
    from kb.check.result import source_dict

    checker = checker_for(kb)
    remittance = Remittance(kb)
    for index, visit in enumerate(visits_from_batches(batches, seen)):
        numbers = visit.pop("_line_numbers", None) if isinstance(visit, dict) else None
        result = next(iter(checker.check_many([visit])))
        if isinstance(result, VisitError):
            result = VisitError(result.message, result.field, result.claim_id, index)
        elif cited is not None:
            for f in result.findings:
                for s in f.sources:
                    if source_id(s) not in cited:
                        cited[source_id(s)] = source_dict(s)
        if counts is not None:
            counts["visits"] += 1
            if isinstance(result, VisitError):
                counts["not_checked"] += 1
            else:
                counts["findings"] += len(result.findings)
                counts["with_errors"] += not result.ok
        yield finding_rows(result, numbers, remittance)


# -- files ------------------------------------------------------------------------------------------------


def read_batches(path: Path, batch_rows: int = 65_536) -> Iterator[pa.RecordBatch]:
    """Claim lines from a Parquet or CSV file, streamed as record batches."""
    name = path.name.lower()
    try:
        if name.endswith(".parquet"):
            import pyarrow.parquet as pq

            yield from pq.ParquetFile(path).iter_batches(batch_size=batch_rows)
        elif name.endswith(".csv"):
            import pyarrow.csv as pacsv

            # every column as text except the numbers, so codes keep their leading zeros and modifiers stay text
            types = {c: pa.string() for c in ("claim_id", "payer", "plan_of_care", "state", "note", "code",
                                              "modifiers", "start", "end", "date")}
            reader = pacsv.open_csv(path, convert_options=pacsv.ConvertOptions(column_types=types),
                                    read_options=pacsv.ReadOptions(block_size=1 << 22))
            yield from reader
        else:
            raise InputError(f"{path}: claim lines are read from .parquet or .csv files", "file")
    except (OSError, pa.ArrowException) as exc:
        raise InputError(f"cannot read {path}: {exc}", "file") from None


SLICE_ROWS = 2048  # claim lines per task on a worker (about 700 visits): the hand-over is small beside them


def read_table(path: Path) -> pa.Table:
    """Claim lines from a Parquet or CSV file, whole (pyarrow reads it in C, on every core)."""
    table = pa.Table.from_batches(list(read_batches(path)))
    check_columns(table.schema)
    return table


def claim_slices(table: pa.Table, size: int | None = None) -> list[tuple[int, int, frozenset[str]]]:
    """Row ranges of about `size` rows (default SLICE_ROWS), each cut between two claims, with the claims whose
    rows started in an earlier range (they are split: reported so, as one pass would)."""
    size = size or SLICE_ROWS
    ids = table.column("claim_id").cast(pa.string()) if table.num_rows else pa.chunked_array([], pa.string())
    n = len(ids)
    cuts = [0]
    while cuts[-1] + size < n:
        row = cuts[-1] + size
        while row < n and ids[row].as_py() == ids[row - 1].as_py():
            row += 1
        cuts.append(row)
    cuts.append(n)
    bounds = list(itertools.pairwise(cuts))
    # claims with more than one run of rows (rare): which ranges meet them again
    earlier: list[frozenset[str]] = [frozenset()] * len(bounds)
    if n:
        import pyarrow.compute as pc

        filled = ids.fill_null("")
        starts = pc.not_equal(filled.slice(1), filled.slice(0, n - 1)) if n > 1 else pa.chunked_array([], pa.bool_())
        first = pa.chunked_array([pa.array([True]), *starts.chunks])
        runs = filled.filter(first)
        counts = pc.value_counts(runs)
        split = {v["values"] for v in counts.to_pylist() if v["counts"] > 1 and v["values"]}
        if split:
            met: set[str] = set()
            for k, (a, b) in enumerate(bounds):
                here = {c for c in ids.slice(a, b - a).to_pylist() if c in split}
                earlier[k] = frozenset(here & met)
                met |= here
    return [(a, b, seen) for (a, b), seen in zip(bounds, earlier, strict=True)]


_SENT: set[str] = set()  # the source ids this process has sent in this file's batch
per_batch(_SENT.clear)  # a worker kept for the next file starts it with nothing sent


def _ipc(task: tuple[pa.Table, frozenset[str]]) -> tuple[bytes, frozenset[str]]:
    """A range of claim lines as it goes to a worker: Arrow IPC bytes of just the range (pickling a slice would
    send the whole table's buffers)."""
    lines, seen = task
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, lines.schema) as writer:
        writer.write_table(lines)
    return sink.getvalue().to_pybytes(), seen


def _check_slice(kb: Any, task: tuple[pa.Table | bytes, frozenset[str]]) -> tuple[
        pa.RecordBatch, dict[str, int], dict[str, dict[str, Any]]]:
    """One range of the claim lines checked (in a worker, or here): its findings as one record batch, its tallies,
    and the sources it cites that this process has not sent yet."""
    lines, seen = task
    table = pa.ipc.open_stream(lines).read_all() if isinstance(lines, bytes) else lines
    counts = {"visits": 0, "with_errors": 0, "findings": 0, "not_checked": 0}
    cited: dict[str, dict[str, Any]] = {}
    rows = [r for found in _finding_rows(kb, table.to_batches(), set(seen), cited, counts) for r in found]
    new = {sid: s for sid, s in cited.items() if sid not in _SENT}
    _SENT.update(new)
    return findings_batch(rows), counts, new


class _Groups:
    """Findings batches written as row groups of exactly `size` rows (the last one shorter), whatever the sizes
    of the batches given: one process or several write the same file."""

    def __init__(self, writer: Any, size: int):
        self.writer, self.size = writer, size
        self.held: list[pa.RecordBatch] = []
        self.rows = 0

    def add(self, batch: pa.RecordBatch) -> None:
        self.held.append(batch)
        self.rows += batch.num_rows
        if self.rows >= self.size:
            table = pa.Table.from_batches(self.held)
            whole = self.rows - self.rows % self.size
            self.writer.write_table(table.slice(0, whole), row_group_size=self.size)
            rest = table.slice(whole).combine_chunks()
            self.held, self.rows = rest.to_batches(), rest.num_rows

    def close(self) -> None:
        if self.rows:
            self.writer.write_table(pa.Table.from_batches(self.held), row_group_size=self.size)


GROUP_ROWS = 65_536  # findings per row group of the output


def check_file(kb: KnowledgeBase, source: Path, target: Path, workers: int | None = None) -> dict[str, int]:
    """Claim lines (Parquet or CSV) -> findings Parquet, checked on `workers` processes (None: every core when
    the file has more than one range of SLICE_ROWS lines). The lines are read whole into memory, cut into ranges
    between claims, and each range is checked and rendered as a findings batch here or by a worker (sent the
    range as Arrow IPC); this process writes the batches in input order. Written atomically; the
    file's metadata holds `kb.sources` (id -> source) and the knowledge base's content hash. Returns counts of
    visits, visits with errors, findings and visits not checked."""
    import pyarrow.parquet as pq

    from kb.parallel import cores, run_tasks

    table = read_table(source)
    tasks = [(table.slice(a, b - a), seen) for a, b, seen in claim_slices(table)]
    n = workers if workers is not None else (cores() if len(tasks) > 1 else 1)
    counts = {"visits": 0, "with_errors": 0, "findings": 0, "not_checked": 0}
    cited: dict[str, dict[str, Any]] = {}
    partial = target.with_name(target.name + ".partial")
    metadata = {b"kb.content_hash": kb.content_hash.encode()}
    _SENT.clear()
    try:
        with pq.ParquetWriter(partial, FINDINGS_SCHEMA.with_metadata(metadata)) as writer:
            groups = _Groups(writer, GROUP_ROWS)
            for batch, tally, sources in run_tasks(kb, tasks, _check_slice, n, send=_ipc):
                groups.add(batch)
                for key, value in tally.items():
                    counts[key] += value
                cited.update(sources)
            groups.close()
            # the sources are known only at the end: the footer's metadata holds them
            writer.add_key_value_metadata({"kb.sources": json.dumps(dict(sorted(cited.items())),
                                                                    ensure_ascii=False)})
        os.replace(partial, target)
    finally:
        _SENT.clear()
        partial.unlink(missing_ok=True)
    return counts


def sources_of(path: Path) -> dict[str, dict[str, Any]]:
    """The `kb.sources` map (id -> source) of a findings Parquet file written by `check_file`."""
    import pyarrow.parquet as pq

    meta = pq.ParquetFile(path).metadata.metadata or {}
    return json.loads(meta.get(b"kb.sources", b"{}"))
