"""Checking visits on every core: a batch is cut into chunks of consecutive visits, each chunk is checked by one of
n processes — the caller and n - 1 forked workers —, and the results come back in input order (a bad visit still in
its place, with its index).

Workers are forked from the calling process, once per batch, so they share its knowledge base (and bulk tables)
copy-on-write: nothing is loaded or sent again. What they check they also read where they can: a list of visits is
inherited and read by index; a CSV file is cut into byte ranges between claims (kb/csvslices.py) and each worker
parses its own; `finish` (e.g. rendering JSON) runs in the worker. The caller keeps two chunks queued per worker
and, while the next result in order is not back, checks the following chunk itself: n processes on n cores, none
waiting. At most 3 × n chunks are in flight, so a stream of any length is checked in bounded memory. Where fork is
not available (Windows, macOS by policy) the batch is checked in-process.

Results come back through kb/transfer.py (marshal, shared objects and each distinct line and finding sent once per
worker): pickling a result and unpickling it would cost half as much CPU again as checking the visit.

One process for a short batch (workers=None): a list of at most AUTO_AFTER visits, a CSV file of at most AUTO_BYTES.
Starting a worker costs tens of milliseconds, and each builds the contexts of the periods it meets (a few ms each,
hundreds in a batch spread over years and payers): below about a second of checking that is more than the second
core gives back.

Scaling model: a chunk checked by a worker costs r more CPU than one checked by the caller (encoding it there,
decoding it here; r is about 0.1-0.2). On m free cores the caller checks about 1/m of the chunks, so the speed-up is
about m / (1 + r (m - 1) / m), until the caller's decoding of m - 1 workers' results fills its core (about
m = 10-20). benchmarks/bench_scale.py --only workers measures r.
"""

from __future__ import annotations

import gc
import itertools
import multiprocessing
import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from kb.check.inputs import iter_visit_data
from kb.check.result import CheckResult, VisitError
from kb.csvslices import CsvFile, Slice
from kb.transfer import Decoder, Encoder

if TYPE_CHECKING:
    from kb.check.context import RuleBase

T = TypeVar("T")
CHUNK = 200  # visits per task: big enough that the hand-over is small beside the checking
AUTO_AFTER = 2000  # with workers=None, the visits after these are spread over every core
AUTO_BYTES = 256 * 1024  # with workers=None, a CSV file longer than this (about 1,200 visits) uses every core

_WORKER_KB: RuleBase | None = None  # the knowledge base a forked worker inherited
_WORKER_ITEMS: Sequence[Any] | None = None  # the batch, when it is a list the workers inherit


def cores() -> int:
    """The CPU cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _identity(result: CheckResult | VisitError) -> CheckResult | VisitError:
    return result


def check_many(kb: RuleBase, visits: Any, workers: int | None = None,
               finish: Callable[[CheckResult | VisitError], T] = _identity,  # type: ignore[assignment]
               chunk: int = CHUNK) -> Iterator[T]:
    """Check visits in input order on `workers` processes (None: every core once the batch is long, else this
    process); `finish` runs in the worker on each result (e.g. to render it) and its value is yielded."""
    if workers is not None and (not isinstance(workers, int) or isinstance(workers, bool) or workers < 1):
        from kb.problems import InputError

        raise InputError(f"workers must be a whole number of processes, 1 or more, not {workers!r}", "workers")
    from kb.claims import claim_input  # X12/FHIR claims: mapped to visits (kb/claims/)

    source = claim_input(visits)
    if source is not None:
        visits = source.visits(kb)
    n = workers or cores()
    forks = "fork" in multiprocessing.get_all_start_methods()
    if isinstance(visits, os.PathLike) and Path(visits).suffix.lower() == ".csv" and n > 1 and forks:
        size = _size(Path(visits))
        if workers is not None or size > AUTO_BYTES:
            from kb.csvslices import plan

            csvfile = plan(Path(visits))
            if csvfile is not None:
                try:
                    yield from _check_csv(kb, csvfile, n, finish)
                finally:
                    csvfile.close()
                return
        if workers is None:
            workers = n = 1  # a short file: one process
    indexed: Iterator[tuple[int, Any]] = enumerate(iter_visit_data(visits))
    # a list in memory is not sent to the workers at all: they inherit it at fork and read their ranges of it
    items = visits if isinstance(visits, list | tuple) else None
    done = 0  # visits checked here before the pool starts
    if workers is None and items is not None and len(items) <= AUTO_AFTER:
        n = 1  # a short list: one process
    elif workers is None and items is None:
        # a stream of unknown length: results come from the first visit, the head of the batch is checked here,
        # and only a batch that turns out long moves on to every core
        yield from _check_chunk_in(kb, itertools.islice(indexed, AUTO_AFTER), finish)
        done = AUTO_AFTER
        following = next(indexed, None)
        if following is None:
            return
        indexed = itertools.chain([following], indexed)
    if n == 1 or not forks:
        yield from _check_chunk_in(kb, indexed, finish)
        return
    tasks: Iterable[Any]
    if items is not None:
        tasks = ((start, min(start + chunk, len(items))) for start in range(done, len(items), chunk))
    else:
        tasks = _chunks(indexed, chunk)
    plain = finish is _identity  # results travel by kb.transfer (marshal), rendered values by pickle
    decoder = Decoder()
    here = partial(_chunk, kb, items, finish=finish)
    for value, remote in _pooled(kb, tasks, items, n, partial(_work, finish=finish), here):
        yield from decoder.decode(value) if plain and remote else value  # type: ignore[misc]


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0  # the reader reports it


def _check_csv(kb: RuleBase, csvfile: CsvFile, n: int, finish: Callable[[Any], T]) -> Iterator[T]:
    """A CSV file on n workers, each reading, checking and rendering its own byte ranges; here only the claims
    split across ranges are found (by claim id), and every result is put in its place in input order."""
    from kb.check.inputs import split_claim

    seen: set[str] = set()
    index = 0
    plain = finish is _identity
    decoder = Decoder()
    here = partial(_csv_part, kb, csvfile, finish=finish)
    for value, remote in _pooled(kb, csvfile.slices(), csvfile, n, partial(_work_csv, finish=finish), here):
        claims, starts, payload = value
        results = decoder.decode(payload) if plain and remote else payload
        for claim, row, result in zip(claims, starts, results, strict=True):
            if claim in seen:  # the claim's rows began in an earlier range: split, as one pass would say
                result = finish(replace(split_claim(row, claim), index=index))
            elif isinstance(result, VisitError):
                result = finish(replace(result, index=index))
            if claim:
                seen.add(claim)
            index += 1
            yield result


def _chunks(indexed: Iterable[tuple[int, Any]], size: int) -> Iterator[list[tuple[int, Any]]]:
    batch: list[tuple[int, Any]] = []
    for pair in indexed:
        batch.append(pair)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def run_tasks(kb: RuleBase, tasks: Iterable[Any], work: Callable[[Any, Any], T], n: int) -> Iterator[T]:
    """work(kb, task) for each task, on n processes (this one and n - 1 forked workers; here alone when n is 1 or
    fork is not available); the values in task order. `work` is a module-level function (sent by name); what it
    reads besides the task, workers inherit at fork."""
    if n == 1 or "fork" not in multiprocessing.get_all_start_methods():
        for task in tasks:
            yield work(kb, task)
        return
    for value, _ in _pooled(kb, tasks, None, n, partial(_call, work=work), partial(work, kb)):
        yield value


def _call(task: Any, work: Callable[[Any, Any], T]) -> T:
    return work(_WORKER_KB, task)


_END = object()


def _pooled(kb: RuleBase, tasks: Iterable[Any], items: Any, n: int, work: Callable[[Any], Any],
            local: Callable[[Any], Any]) -> Iterator[tuple[Any, bool]]:
    """Each task on one of n processes: n - 1 forked workers run work(task), and this process runs local(task)
    whenever the next result in order is not back yet. Yields (value, from_worker) in task order. The workers
    inherit `kb` and `items` (read by the tasks) at fork: neither is sent.

    This process works too (rather than only waiting and putting results in order) because on n cores a parent
    that only waits leaves its core to n workers and takes CPU from them to decode their results: with it working,
    n processes share n cores, and the results it checks itself need no encoding or decoding."""
    global _WORKER_KB, _WORKER_ITEMS
    _WORKER_KB, _WORKER_ITEMS = kb, items
    context = multiprocessing.get_context("fork")
    pending: deque[tuple[bool, Any]] = deque()  # (from_worker, future or value), in task order
    queue = iter(tasks)
    more = True
    in_flight = 0  # futures not yet yielded
    ahead = 2 * (n - 1)  # tasks queued per worker pool: enough that a worker never waits while this process works
    # Objects that exist now (the knowledge base, its contexts) are left out of the cyclic garbage collector's
    # passes: the parent does not walk them while it unpacks results, and forked workers do not copy their pages.
    gc.freeze()
    try:
        with ProcessPoolExecutor(max_workers=n - 1, mp_context=context) as pool:
            try:
                while True:
                    while more and in_flight < ahead:
                        task = next(queue, _END)
                        if task is _END:
                            more = False
                            break
                        pending.append((True, pool.submit(work, task)))
                        in_flight += 1
                    if not pending:
                        return
                    remote, head = pending[0]
                    if remote and not head.done() and more and len(pending) < 3 * n:
                        # the next result is still being checked: check a task here meanwhile
                        task = next(queue, _END)
                        if task is _END:
                            more = False
                        else:
                            pending.append((False, local(task)))
                        continue
                    pending.popleft()
                    if remote:
                        in_flight -= 1
                        yield head.result(), True
                    else:
                        yield head, False
            finally:
                for remote, future in pending:
                    if remote:
                        future.cancel()
    finally:
        _WORKER_KB = _WORKER_ITEMS = None
        gc.unfreeze()


_ENCODER: Encoder | None = None  # a worker's: shared objects are sent once per worker


def _ship(results: list[Any], finish: Callable[[Any], Any]) -> Any:
    """In a worker: a chunk's values as they cross to the parent (results by kb.transfer, anything else by pickle)."""
    global _ENCODER
    if finish is not _identity:
        return results
    if _ENCODER is None:
        _ENCODER = Encoder()
    return _ENCODER.encode(results)


def _chunk(kb: RuleBase, items: Sequence[Any] | None, task: Any, finish: Callable[[Any], T]) -> list[T]:
    """Check one chunk — (index, visit) pairs, or a range of the batch `items` — and finish its results."""
    if isinstance(task, tuple):
        assert items is not None
        start, stop = task
        task = zip(range(start, stop), items[start:stop], strict=True)
    return list(_check_chunk_in(kb, task, finish))


def _work(task: Any, finish: Callable[[Any], T]) -> Any:
    """In a worker: one chunk, checked with the inherited knowledge base (and batch), ready to cross back."""
    assert _WORKER_KB is not None, "workers are forked from a process that set the knowledge base"
    return _ship(_chunk(_WORKER_KB, _WORKER_ITEMS, task, finish), finish)


def _csv_part(kb: RuleBase, csvfile: CsvFile, part: Slice,
              finish: Callable[[Any], T]) -> tuple[list[str | None], list[int], list[Any]]:
    """Read, check and finish one byte range of a CSV file. A visit that could not be checked stays a VisitError
    (the caller knows its index in the file); claims and first rows go along."""
    from kb.check.engine import checker_for

    checker = checker_for(kb)
    starts: list[int] = []
    claims: list[str | None] = []
    out: list[Any] = []
    for item in csvfile.visits(part, starts):
        claims.append(item.claim_id if isinstance(item, VisitError) else item["claim_id"])
        result = next(iter(checker.check_many([item])))
        out.append(result if isinstance(result, VisitError) else finish(result))
    return claims, starts, out


def _work_csv(part: Slice, finish: Callable[[Any], T]) -> tuple[list[str | None], list[int], Any]:
    """In a worker: one byte range of the inherited CSV file, ready to cross back."""
    assert _WORKER_KB is not None and isinstance(_WORKER_ITEMS, CsvFile)
    claims, starts, out = _csv_part(_WORKER_KB, _WORKER_ITEMS, part, finish)
    return claims, starts, _ship(out, finish)


def _check_chunk_in(kb: RuleBase, batch: Iterable[tuple[int, Any]], finish: Callable[[Any], T]) -> Iterator[T]:
    """Check (index, visit) pairs in this process; a VisitError carries the visit's index in the whole batch."""
    from kb.check.engine import checker_for

    checker = checker_for(kb)
    for index, item in batch:
        for result in checker.check_many([item]):
            if isinstance(result, VisitError):
                result = replace(result, index=index)
            yield finish(result)
