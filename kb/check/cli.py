"""`kb check FILE`: check visits from a YAML/JSON file (one visit or a list) or a CSV file (rows grouped by
claim_id); a readable report by default, `--json` for tools. `--jobs N` checks on N processes (default: every
core once the batch is long); the output is the same, in input order.

JSON: `{"results": [...], "sources": {id: source}, "summary": {...}}`; each finding names its sources by id and
each source is listed once in `sources`.

X12 837P/837I and FHIR Claim files are recognised by their content (kb/claims/); `--minutes`, `--payer-map` and
`--payer` say how to read them.

Exit codes: 0 nothing wrong; 1 some visit has an error-severity finding (the payer will deny or reject it);
2 misuse or unreadable input, including a visit in a batch that could not be checked (the others are still
checked and reported); 130 interrupted (Ctrl-C): the batch stops after the visit in hand, and the report, JSON
included, is complete for the visits before it.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import time
from functools import partial
from pathlib import Path
from typing import Any

from kb.check.inputs import parse_text, read_csv, read_file
from kb.check.result import CheckResult, VisitError
from kb.check.sources import result_by_id
from kb.claims import CLAIM_FORMATS
from kb.claims.cli import add_claim_options, claim_source
from kb.parallel import per_batch
from kb.problems import InputError

PROGRESS_EVERY = 10_000
INPUT_FORMATS = ("yaml", "json", "csv", *CLAIM_FORMATS)


def register(subparsers: Any) -> None:
    from kb.cli import add_json_option, add_policies_option, add_tables_option

    p = subparsers.add_parser(
        "check", help="check visits: units per line, and what will get them denied (with sources)",
        description="Check therapy visits against a payer's rules. FILE is YAML or JSON (one visit or a list), CSV "
                    "(one row per line; claim_id groups the rows of a visit), an X12 837P/837I or a FHIR Claim or "
                    "Bundle; '-' reads standard input. Claims are told from their content, for standard input as for "
                    "a file (an X12 interchange starts with ISA, FHIR is JSON with a resourceType); CSV is a file "
                    "named .csv or standard input that starts with its header row; the rest is YAML or JSON. "
                    "--input-format says what FILE holds instead. Claims "
                    "from standard input take their minutes from --minutes or the line notes (there is no file to "
                    "find a sidecar beside). Exit 0: nothing wrong; 1: an error-severity finding; 2: misuse or a "
                    "visit that could not be checked.")
    p.add_argument("file", metavar="FILE",
                   help="visits to check (.yaml, .json, .csv, an X12 837 or FHIR Claim file, or - for stdin)")
    p.add_argument("--input-format", choices=INPUT_FORMATS, default=None, metavar="FORMAT",
                   help=f"what FILE holds: {', '.join(INPUT_FORMATS)} (default: told from its content)")
    p.add_argument("--problems-only", action="store_true",
                   help="report only visits with findings (and visits that could not be checked)")
    p.add_argument("--findings", type=Path, metavar="OUT.parquet",
                   help="write the findings as Parquet (claim lines from .parquet or .csv; needs the [arrow] extra)")
    p.add_argument("--jobs", "-j", type=_jobs, default=None, metavar="N",
                   help="processes to check with, this one included (default: every core once the batch is long; "
                        "1: one process)")
    add_claim_options(p)
    add_policies_option(p)
    add_tables_option(p)
    add_json_option(p)
    p.set_defaults(func=cmd_check)


def _jobs(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"--jobs takes a number of processes, 1 or more, not {text!r}")
    return value


_SENT: set[str] = set()  # the ids of the sources this process has handed on in this run (each goes once)
per_batch(_SENT.clear)  # a worker kept for another batch starts it with nothing handed on


def _render_json(result: CheckResult | VisitError) -> tuple[str, str, int, dict[str, Any]]:
    """In a worker: the result as one JSON line with sources by id, its tally, and the sources it cites that this
    process has not handed on before."""
    cited: dict[str, dict[str, Any]] = {}
    text = json.dumps(result_by_id(result, cited), ensure_ascii=False)
    new = {sid: source for sid, source in cited.items() if sid not in _SENT}
    _SENT.update(new)
    return text, _kind(result), len(result.findings), new


def _render_text(problems_only: bool, result: CheckResult | VisitError) -> tuple[str | None, str, int, None]:
    """In a worker: the readable report of a result (None when --problems-only hides it), and its tally."""
    shown = not problems_only or bool(result.findings) or isinstance(result, VisitError)
    return (str(result) if shown else None), _kind(result), len(result.findings), None


def _visits(name: str, args: argparse.Namespace) -> Any:
    """The visits named on the command line (streamed for CSV): standard input and a file are told apart the same
    way, by their content (or --input-format)."""
    given = args.input_format
    if name == "-":
        text = sys.stdin.read()
        if (source := claim_source(Path("<stdin>"), args, text=text, format=given)) is not None:
            return source
        if given == "csv" or (given is None and _looks_like_csv(text)):
            return read_csv(text.splitlines(keepends=True))
        data = parse_text(text, "<stdin>")
        return data if isinstance(data, list) else [data]
    path = Path(name)
    if not path.is_file():
        from kb.cli import UsageError

        raise UsageError(f"no such file: {name}")
    if (source := claim_source(path, args, format=given)) is not None:
        return source
    if given is None and path.suffix.lower() == ".csv":
        return path  # kb.parallel reads a long CSV file in slices, one per worker
    return read_file(path, as_csv=None if given is None else given == "csv")


def _looks_like_csv(text: str) -> bool:
    """CSV visits start with their header row (claim_id first) or, headerless, with a row of four or more cells."""
    first = text.lstrip("\ufeff \r\n\t").split("\n", 1)[0]
    return first.lower().startswith("claim_id") or (first.count(",") >= 3 and ":" not in first)


class _Interrupt:
    """Ctrl-C (SIGINT) stops a batch between two visits, so every record written is whole and the JSON closes;
    a second Ctrl-C stops at once."""

    def __init__(self) -> None:
        self.hit = False
        self._old: Any = None

    def __enter__(self) -> _Interrupt:
        try:
            self._old = signal.signal(signal.SIGINT, self._handle)
        except ValueError:  # not the main thread: leave the signal alone
            self._old = None
        return self

    def _handle(self, signum: int, frame: Any) -> None:
        if self.hit:
            raise KeyboardInterrupt
        self.hit = True

    def __exit__(self, *exc: object) -> None:
        if self._old is not None:
            signal.signal(signal.SIGINT, self._old)


def cmd_check(args: argparse.Namespace) -> int:
    with _Interrupt() as interrupt:
        return _check(args, interrupt)


def _check(args: argparse.Namespace, interrupt: _Interrupt) -> int:
    from kb.cli import open_kb, progress
    from kb.parallel import check_many

    if args.findings is not None:
        return _to_parquet(args)
    visits = _visits(args.file, args)
    k = open_kb(args)
    started = time.perf_counter()
    counts = {"visits": 0, "with_errors": 0, "with_warnings": 0, "clean": 0, "not_checked": 0, "findings": 0}
    cited: dict[str, dict[str, Any]] = {}
    render = _render_json if args.json else partial(_render_text, args.problems_only)
    _SENT.clear()  # this process starts the run with nothing handed on (workers: per_batch)
    opened = False
    try:
        for text, kind, findings, sources in check_many(k, visits, workers=args.jobs, finish=render):
            if args.json and not opened:
                sys.stdout.write('{"results": [\n')
                opened = True
            counts["visits"] += 1
            counts[kind] += 1
            counts["findings"] += findings
            if args.json:
                sys.stdout.write(("" if counts["visits"] == 1 else ",\n") + (text or ""))
                cited.update(sources or {})
            elif text is not None:
                print(text)
                print()
            if counts["visits"] % PROGRESS_EVERY == 0:
                elapsed = time.perf_counter() - started
                progress(f"checked {counts['visits']:,} visits ({counts['visits'] / elapsed:,.0f} visits/s)")
            if interrupt.hit:
                break
    except InputError as err:
        if opened:  # the file broke off half-way: close the JSON so what was written still parses
            sys.stdout.write("\n],\n" + json.dumps({"sources": cited, "summary": counts, "error": str(err)},
                                                    ensure_ascii=False)[1:] + "\n")
        raise
    elapsed = time.perf_counter() - started
    if args.json:
        if not opened:
            sys.stdout.write('{"results": [')
        tail: dict[str, Any] = {"sources": dict(sorted(cited.items())), "summary": counts}
        if interrupt.hit:
            tail["interrupted"] = True
        sys.stdout.write("\n],\n" + json.dumps(tail, ensure_ascii=False)[1:] + "\n")
    else:
        print(f"{counts['visits']:,} visit{'s' if counts['visits'] != 1 else ''} checked: "
              f"{counts['with_errors']:,} with errors, {counts['with_warnings']:,} with warnings only, "
              f"{counts['clean']:,} clean, {counts['not_checked']:,} not checked "
              f"({counts['findings']:,} findings, {elapsed:.2f} s)")
    if interrupt.hit:
        sys.stdout.flush()
        print(f"kb check: interrupted after {counts['visits']:,} visit(s); the report above covers them "
              "(every record whole)", file=sys.stderr)
        return 130
    if counts["not_checked"]:
        return 2
    return 1 if counts["with_errors"] else 0


def _to_parquet(args: argparse.Namespace) -> int:
    """kb check LINES --findings OUT.parquet: columnar in, columnar out (kb/arrow.py documents both tables)."""
    from kb.cli import UsageError, open_kb

    try:
        from kb import arrow
    except ImportError:
        raise UsageError("--findings needs pyarrow: pip install 'payer-policy-kb[arrow]'") from None
    source = Path(args.file)
    if not source.is_file():
        raise UsageError(f"no such file: {args.file}")
    k = open_kb(args)
    started = time.perf_counter()
    counts = arrow.check_file(k, source, args.findings, workers=args.jobs)
    print(f"{counts['visits']:,} visits checked: {counts['findings']:,} findings, {counts['not_checked']:,} not "
          f"checked; wrote {args.findings} ({time.perf_counter() - started:.2f} s)")
    if counts["not_checked"]:
        return 2
    return 1 if counts["with_errors"] else 0


def _kind(result: CheckResult | VisitError) -> str:
    """Which summary count a result adds to."""
    if isinstance(result, VisitError):
        return "not_checked"
    if not result.ok:
        return "with_errors"
    if any(f.severity == "warning" for f in result.findings):
        return "with_warnings"
    return "clean"
