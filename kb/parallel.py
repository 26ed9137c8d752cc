"""Checking visits on every core: a batch is cut into chunks of consecutive visits, each chunk is checked by one of
n processes — the caller and n - 1 forked workers —, and the results come back in input order (a bad visit still in
its place, with its index).

The workers are forked from the calling process once per knowledge base (and n) and kept for the next batches
(`start` forks them early, `shutdown` stops them; they stop with the process). They share the caller's knowledge
base (and bulk tables) copy-on-write: nothing is loaded or sent again. Forking once matters here: after a fork every
page either process writes — a reference count is a write — is copied on first touch, which on these machines cost
about a sixth of the checking of a 20,000-visit batch when workers were forked per batch. A chunk goes to a worker
as its (index, visit) pairs, a CSV file's byte range (each worker maps the file and parses its own ranges,
kb/csvslices.py) or a range of Arrow lines (IPC); `finish` (e.g. rendering JSON) runs where the chunk is checked.
The caller keeps two chunks queued per worker and, while the next result in order is not back, checks the
following chunk itself: n processes on n cores, none only waiting. At most 3 × n chunks are in flight, so a stream
of any length is checked in bounded memory. Where fork is not available (Windows, macOS by policy) the batch is
checked in-process.

Results come back through kb/transfer.py (marshal, shared objects and each distinct line and finding sent once per
worker and batch): pickling a result and unpickling it would cost half as much CPU again as checking the visit.

One process for a short batch (workers=None): a list of at most AUTO_AFTER visits, a CSV file of at most AUTO_BYTES.
Starting a worker costs tens of milliseconds, and each builds the contexts of the periods it meets (a few ms each,
hundreds in a batch spread over years and payers): below about a second of checking that is more than the second
core gives back.

Scaling model: a chunk checked by a worker costs r more CPU than one checked by the caller (sending it, encoding
its results there, decoding them here; r is about 0.1). On m free cores the caller checks about 1/m of the chunks,
so the speed-up is about m / (1 + r (m - 1) / m), until the caller's decoding of m - 1 workers' results fills its
core (about m = 10-20). benchmarks/bench_scale.py --only workers measures r.
"""

from __future__ import annotations

import gc
import itertools
import multiprocessing
import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator
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
        tasks = (list(zip(range(start, stop), items[start:stop], strict=True))
                 for start in range(done, len(items), chunk) for stop in [min(start + chunk, len(items))])
    else:
        tasks = _chunks(indexed, chunk)
    plain = finish is _identity  # results travel by kb.transfer (marshal), rendered values by pickle
    decoder = Decoder()
    here = partial(_chunk, kb, finish=finish)
    for value, remote in _pooled(kb, tasks, n, partial(_work, finish=finish), here):
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
    where = csvfile.where
    tasks = csvfile.slices()
    for value, remote in _pooled(kb, tasks, n, partial(_work_csv, finish=finish), here, partial(_with, where)):
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


def run_tasks(kb: RuleBase, tasks: Iterable[Any], work: Callable[[Any, Any], T], n: int,
              send: Callable[[Any], Any] | None = None) -> Iterator[T]:
    """work(kb, task) for each task, on n processes (this one and n - 1 forked workers; here alone when n is 1 or
    fork is not available); the values in task order. `work` is a module-level function (sent by name); a task
    goes to a worker as send(task) when `send` is given (e.g. data the task only points to here)."""
    if n == 1 or "fork" not in multiprocessing.get_all_start_methods():
        for task in tasks:
            yield work(kb, task)
        return
    for value, _ in _pooled(kb, tasks, n, partial(_call, work=work), partial(work, kb), send):
        yield value


def _call(task: Any, work: Callable[[Any, Any], T]) -> T:
    return work(_WORKER_KB, task)


_END = object()
_RESETS: list[Callable[[], None]] = []  # what a worker forgets when a new batch starts (see per_batch)
_BATCHES = itertools.count(1)
_WORKER_BATCH = 0  # in a worker: the batch its last task belonged to


def per_batch(reset: Callable[[], None]) -> Callable[[], None]:
    """Register `reset` to run in a worker before the first task of each new batch (state that a batch's results
    rely on, e.g. which sources it has sent already). Returns it, to be used as a decorator."""
    _RESETS.append(reset)
    return reset


class _Pool:
    """n - 1 worker processes forked once for a knowledge base and reused by every batch checked with it.

    Forked once rather than per batch: after a fork, every page either process writes (a reference count is a
    write) is copied on first touch, and on these machines that costs about as much again as a sixth of the
    checking for a batch of 20,000 visits. A worker forked once pays it once; its contexts stay warm too."""

    def __init__(self, kb: RuleBase, n: int):
        self.kb, self.n = kb, n
        gc.freeze()  # the knowledge base left out of garbage collection: no pass writes its pages in either process
        self.executor = ProcessPoolExecutor(max_workers=n - 1, mp_context=multiprocessing.get_context("fork"),
                                            initializer=_start_worker, initargs=(kb,))
        self.executor.submit(int).result()  # fork now (all workers start at the first task), before batch data

    def close(self) -> None:
        self.executor.shutdown(wait=True, cancel_futures=True)


_POOL: _Pool | None = None


def _pool(kb: RuleBase, n: int) -> _Pool:
    global _POOL
    if _POOL is not None and (_POOL.kb is not kb or _POOL.n != n or _POOL.executor._broken):  # type: ignore[attr-defined]
        shutdown()
    if _POOL is None:
        _POOL = _Pool(kb, n)
    return _POOL


def start(kb: RuleBase, n: int | None = None) -> None:
    """Fork the workers for `kb` now (n processes in all; default every core), e.g. right after loading, before
    the batch's data is in memory; later batches on `kb` with the same n use them."""
    n = n or cores()
    if n > 1 and "fork" in multiprocessing.get_all_start_methods():
        _pool(kb, n)


def shutdown() -> None:
    """Stop the worker processes (they also stop when this process exits)."""
    global _POOL
    if _POOL is not None:
        pool, _POOL = _POOL, None
        pool.close()


def _start_worker(kb: RuleBase) -> None:
    global _WORKER_KB
    _WORKER_KB = kb


def _in_batch(batch: int, work: Callable[[Any], T], task: Any) -> T:
    """In a worker: one task of a batch, the worker's per-batch state reset first if the batch is new."""
    global _WORKER_BATCH
    if batch != _WORKER_BATCH:
        for reset in _RESETS:
            reset()
        _WORKER_BATCH = batch
    return work(task)


def _pooled(kb: RuleBase, tasks: Iterable[Any], n: int, work: Callable[[Any], Any],
            local: Callable[[Any], Any], send: Callable[[Any], Any] | None = None) -> Iterator[tuple[Any, bool]]:
    """Each task on one of n processes: the n - 1 workers of kb's pool run work(task) (a task — or send(task) —
    is pickled to them),
    and this process runs local(task) whenever the next result in order is not back yet. Yields (value,
    from_worker) in task order.

    This process works too (rather than only waiting and putting results in order) because on n cores a parent
    that only waits leaves its core to n workers and takes CPU from them to decode their results: with it working,
    n processes share n cores, and the results it checks itself need no encoding or decoding."""
    pool = _pool(kb, n)
    batch = next(_BATCHES)
    pending: deque[tuple[bool, Any]] = deque()  # (from_worker, future or value), in task order
    queue = iter(tasks)
    more = True
    in_flight = 0  # futures not yet yielded
    ahead = 2 * (n - 1)  # tasks queued for the workers: enough that none waits while this process works
    gc.freeze()  # what exists now is not walked by the collector while results are unpacked
    try:
        while True:
            while more and in_flight < ahead:
                task = next(queue, _END)
                if task is _END:
                    more = False
                    break
                sent = task if send is None else send(task)
                pending.append((True, pool.executor.submit(_in_batch, batch, work, sent)))
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
        gc.unfreeze()


_ENCODER: Encoder | None = None  # a worker's: shared objects are sent once per worker and batch


@per_batch
def _new_encoder() -> None:
    global _ENCODER
    _ENCODER = None


def _ship(results: list[Any], finish: Callable[[Any], Any]) -> Any:
    """In a worker: a chunk's values as they cross to the parent (results by kb.transfer, anything else by pickle)."""
    global _ENCODER
    if finish is not _identity:
        return results
    if _ENCODER is None:
        _ENCODER = Encoder()
    return _ENCODER.encode(results)


def _chunk(kb: RuleBase, task: Any, finish: Callable[[Any], T]) -> list[T]:
    """Check one chunk of (index, visit) pairs and finish its results."""
    return list(_check_chunk_in(kb, task, finish))


def _work(task: Any, finish: Callable[[Any], T]) -> Any:
    """In a worker: one chunk, checked with the inherited knowledge base, ready to cross back."""
    assert _WORKER_KB is not None, "workers are forked from a process that set the knowledge base"
    return _ship(_chunk(_WORKER_KB, task, finish), finish)


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


_CSV: CsvFile | None = None  # a worker's: the file of this batch, mapped once


@per_batch
def _close_csv() -> None:
    global _CSV
    if _CSV is not None:
        _CSV.close()
        _CSV = None


def _with(where: Any, part: Slice) -> tuple[Any, Slice]:
    return where, part


def _work_csv(task: tuple[Any, Slice], finish: Callable[[Any], T]) -> tuple[list[str | None], list[int], Any]:
    """In a worker: one byte range of the batch's CSV file (mapped here on the batch's first task), ready to cross
    back."""
    global _CSV
    from kb.csvslices import reopen

    assert _WORKER_KB is not None
    where, part = task
    if _CSV is None:
        _CSV = reopen(where)
    claims, starts, out = _csv_part(_WORKER_KB, _CSV, part, finish)
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
