"""Payer-scale benchmarks (issue 11): every figure is a ratio against a baseline measured in the same run,
interleaved with it, repeated (median, min and max over the runs), with the machine's load average.

Run:  .venv/bin/python benchmarks/bench_scale.py [--rows 2633389] [--visits 5000] [--runs 5] [--only lookups,check]
Sections: ncci (kb ncci ptp time and peak memory against its output), load (cold start with the full tables),
lookups (p.ptp with the full table vs a dict-of-dicts), check (a visit's check with vs without the tables),
workers (check_many on 1 vs N processes, wall and CPU), parquet (Parquet -> findings Parquet, lines/s),
spark (Spark local mode vs the single-process checker on the same file, with its fixed start-up), ties.
Synthetic CMS-format files (benchmarks/bench_core.py) are written once to --work and reused.
"""

from __future__ import annotations

import argparse
import os
import pickle
import random
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_check import synthetic_visits, to_csv  # noqa: E402
from bench_core import CMS_PTP_ROWS, synthetic_rows, write_cms_text  # noqa: E402

import kb  # noqa: E402
from kb.ptp import OPEN_END  # noqa: E402

# peak resident memory of this process since its exec (ru_maxrss would include the benchmark's own memory,
# which Linux carries across fork and exec)
PEAK = "int(next(l for l in open('/proc/self/status') if l.startswith('VmHWM')).split()[1])"
CPU = "sum(resource.getrusage(resource.RUSAGE_SELF)[:2])"
SECTIONS = ("ncci", "load", "lookups", "check", "workers", "parquet", "spark", "ties")


def load_avg() -> str:
    return "load average " + " ".join(f"{x:.2f}" for x in os.getloadavg()) + f" on {os.cpu_count()} cores"


def report(name: str, value: str) -> None:
    print(f"{name:<58} {value}", flush=True)


def spread(values: list[float], fmt: str = "{:.2f}") -> str:
    return (f"median {fmt.format(statistics.median(values))}, min {fmt.format(min(values))}, "
            f"max {fmt.format(max(values))} over {len(values)} runs")


def rows_with_therapy(n: int) -> list[tuple]:
    """Synthetic CMS-shaped rows, plus the therapy edits the shipped Medicare policy authors (as CMS's table holds
    them too): a check then meets the same edits with or without the table, so the ratio is the table's cost."""
    k = kb.load(ROOT / "policies")
    rules = k.payer_rules("medicare")
    assert rules is not None
    edits: list[Any] = list(rules.sections["ptp_edits"])  # PtpEdit rules (the section's type is the base Rule)
    authored = [(e.column1, e.column2, int(e.effective_from.strftime("%Y%m%d")) if e.effective_from else 19960101,
                 int(e.effective_to.strftime("%Y%m%d")) if e.effective_to else OPEN_END, e.modifier_indicator,
                 e.rationale or "") for e in edits]
    return list(synthetic_rows(n - len(authored))) + authored


def prepare(work: Path, n: int) -> tuple[list[Path], Path, Path]:
    """CMS-format PTP parts and an MUE CSV (written once), and the tables `kb ncci` makes of them."""
    work.mkdir(parents=True, exist_ok=True)
    stamp = work / f"rows-{n}-authored"
    parts = sorted(work.glob("ccipra-*.TXT"))
    if not stamp.exists() or len(parts) != 4:
        for p in parts:
            p.unlink()
        parts = write_cms_text(rows_with_therapy(n), work)
        mue = ["notice,,,", "HCPCS/CPT Code,MUE Values,MAI,MUE Rationale"]
        mue += [f"{i:05d},2,3 Date of Service Edit: Clinical,Clinical: Data" for i in range(10000, 25000)]
        (work / "MCR_MUE_Synthetic_Eff_01-01-2026.csv").write_text("\n".join(mue) + "\n", encoding="utf-8")
        stamp.touch()
    ptp, mue_table = work / "medicare.ptp", work / "medicare.mue.json"
    return parts, ptp, mue_table


def run_ncci(parts: list[Path], ptp: Path, mue: Path, work: Path) -> None:
    print(f"== kb ncci ptp ({load_avg()})")
    code = ("import resource, sys, time; from kb.cli import main; t = time.perf_counter(); "
            f"rc = main(['ncci', 'ptp', *{[str(p) for p in parts]!r}, '--payer', 'medicare', '-o', {str(ptp)!r}]); "
            f"rc |= main(['ncci', 'mue', {str(work / 'MCR_MUE_Synthetic_Eff_01-01-2026.csv')!r}, '--payer', "
            f"'medicare', '-o', {str(mue)!r}]); "
            f"print(time.perf_counter() - t, {PEAK}, rc, {CPU}, file=sys.stderr)")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    took, rss_kib, rc, cpu = proc.stderr.strip().splitlines()[-1].split()
    assert rc == "0", proc.stderr
    size = ptp.stat().st_size
    base = subprocess.run([sys.executable, "-c", f"import kb.cli; print({PEAK})"],
                          capture_output=True, text=True, check=True).stdout
    report("kb ncci ptp + mue, wall / CPU", f"{float(took):.1f} s / {float(cpu):.1f} s")
    report("peak RSS / output size", f"{int(rss_kib) / 1024:.0f} MiB / {size / 2**20:.0f} MiB = "
           f"{int(rss_kib) * 1024 / size:.1f}× (interpreter + kb alone: {int(base) / 1024:.0f} MiB)")
    report("peak RSS above the bare interpreter / output size", f"{(int(rss_kib) - int(base)) * 1024 / size:.1f}×")


def run_load(ptp: Path, mue: Path, work: Path, runs: int) -> None:
    print(f"== cold start with the full tables ({load_avg()})")
    from kb.ptp import PtpTable

    table = PtpTable.load(ptp)
    active: dict[str, dict[str, tuple]] = {}
    for c1, c2, s, e, ind, why in table:
        if e == OPEN_END:
            active.setdefault(c1, {})[c2] = (s, ind, why)
    pickled = work / "active-pairs.pickle"
    pickled.write_bytes(pickle.dumps(active, protocol=pickle.HIGHEST_PROTOCOL))
    del table, active
    artifact = work / "kb.json"
    subprocess.run([sys.executable, "-m", "kb", "compile", "--policies", str(ROOT / "policies"), "-o", str(artifact)],
                   check=True, capture_output=True)
    ours = ("import resource, time; t = time.perf_counter(); import kb; "
            f"k = kb.load({str(artifact)!r}, tables=[{str(ptp)!r}, {str(mue)!r}]); "
            "k.check({'payer': 'medicare', 'date': '2026-03-02', 'plan_of_care': 'PT', 'lines': ["
            "{'code': '97112', 'minutes': 24, 'modifiers': ['GP']}, {'code': '97110', 'minutes': 23}]}); "
            f"print(time.perf_counter() - t, {PEAK})")
    bare = ("import pickle, resource, time; t = time.perf_counter(); "
            f"d = pickle.load(open({str(pickled)!r}, 'rb')); d.get('97112', {{}}).get('97110'); "
            f"print(time.perf_counter() - t, {PEAK})")
    times, rss, ratios, bare_rss = [], [], [], []
    for _ in range(runs):
        a = subprocess.run([sys.executable, "-c", ours], capture_output=True, text=True, check=True).stdout.split()
        b = subprocess.run([sys.executable, "-c", bare], capture_output=True, text=True, check=True).stdout.split()
        times.append(float(a[0]))
        rss.append(int(a[1]) / 1024)
        ratios.append(float(a[0]) / float(b[0]))
        bare_rss.append(int(b[1]) / 1024)
    report("import + load (compiled KB + tables) + first check, s", spread(times))
    report("  peak RSS, MiB", spread(rss, "{:.0f}"))
    report("  ratio to unpickling a dict-of-dicts of the active pairs", spread(ratios))
    report("  peak RSS of that dict-of-dicts process, MiB", spread(bare_rss, "{:.0f}"))


def interleaved(fns: dict[str, Callable[[], object]], runs: int) -> dict[str, list[float]]:
    out: dict[str, list[float]] = {name: [] for name in fns}
    for _ in range(runs):
        for name, fn in fns.items():
            start = time.perf_counter()
            fn()
            out[name].append(time.perf_counter() - start)
    return out


def run_lookups(ptp: Path, runs: int) -> None:
    print(f"== p.ptp() with the full table vs a dict-of-dicts of the same rows ({load_avg()})")
    k = kb.load(ROOT / "policies", tables=[ptp])
    p = k.payer("medicare", as_of=date(2026, 3, 2))
    rules = k.payer_rules("medicare")
    assert rules is not None and rules.bulk_ptp is not None
    table: Any = rules.bulk_ptp
    ref: dict[str, dict[str, list[tuple]]] = {}
    for c1, c2, s, e, ind, why in table:
        ref.setdefault(c1, {}).setdefault(c2, []).append((s, e, ind, why))
    day = 20260302

    def plain(a: str, b: str) -> tuple | None:
        """The same question of a dict-of-dicts: the row in force on the day, either order."""
        for x, y in ((a, b), (b, a)):
            found = ref.get(x)
            if found:
                for row in found.get(y, ()):
                    if row[0] <= day <= row[1]:
                        return row
        return None

    rng = random.Random(5)
    rows = list(ref.items())
    hits: list[tuple[str, str]] = []
    misses: list[tuple[str, str]] = []
    while len(hits) < 20000 or len(misses) < 20000:
        c1, partners = rng.choice(rows)
        c2 = rng.choice(list(partners))
        pair = (c1, c2) if rng.random() < 0.5 else (c2, c1)
        if plain(*pair) is not None:
            hits.append(pair)
        other = (c1, rng.choice(rows)[0])
        if plain(*other) is None:
            misses.append(other)
    for label, pairs in (("hit", hits[:20000]), ("miss", misses[:20000])):
        assert all((p.ptp(a, b) is None) == (plain(a, b) is None) for a, b in pairs[:2000])
        def ask_dict(pairs: list[tuple[str, str]] = pairs) -> list[Any]:
            return [plain(a, b) for a, b in pairs]

        def ask_ptp(pairs: list[tuple[str, str]] = pairs) -> list[Any]:
            return [p.ptp(a, b) for a, b in pairs]

        timing = interleaved({"dict": ask_dict, "ptp": ask_ptp}, runs)
        ratios = [t / d for t, d in zip(timing["ptp"], timing["dict"], strict=True)]
        per = statistics.median(timing["ptp"]) / len(pairs) * 1e6
        base = statistics.median(timing["dict"]) / len(pairs) * 1e6
        report(f"p.ptp {label}: {per:.2f} µs, dict-of-dicts {base:.2f} µs; ratio", spread(ratios))


def run_check(ptp: Path, mue: Path, visits_n: int, runs: int) -> None:
    print(f"== a visit's check with vs without the full tables ({load_avg()})")
    plain = kb.load(ROOT / "policies")
    tables = kb.load(ROOT / "policies", tables=[ptp, mue])
    visits = synthetic_visits(plain, visits_n, 7)
    # warm both (contexts built), then interleave whole passes
    list(plain.check_many(visits, workers=1))
    list(tables.check_many(visits, workers=1))
    with_bulk = sum(1 for v in visits if any(tables.payer(v["payer"], as_of=date.fromisoformat(v["date"])).ptp(
        a["code"], b["code"]) is not None and plain.payer(v["payer"], as_of=date.fromisoformat(v["date"])).ptp(
        a["code"], b["code"]) is None for a in v["lines"] for b in v["lines"] if a is not b))
    timing = interleaved({"without": lambda: list(plain.check_many(visits, workers=1)),
                          "with": lambda: list(tables.check_many(visits, workers=1))}, runs)
    ratios = [w / o for w, o in zip(timing["with"], timing["without"], strict=True)]
    report(f"check_many, {visits_n:,} visits ({with_bulk:,} meet a bulk-only edit): µs/visit",
           f"without {statistics.median(timing['without']) / visits_n * 1e6:.0f}, "
           f"with {statistics.median(timing['with']) / visits_n * 1e6:.0f}")
    report("  ratio with / without tables", spread(ratios))
    one = visits[:2000]
    single = interleaved({"without": lambda: [plain.check(v) for v in one],
                          "with": lambda: [tables.check(v) for v in one]}, runs)
    report("  one k.check at a time, ratio with / without",
           spread([w / o for w, o in zip(single["with"], single["without"], strict=True)]))


@dataclass(frozen=True)
class Timed:
    """One measured run: wall seconds, and CPU seconds of the calling process and of its worker processes."""

    wall: float
    parent: float
    workers: float

    @property
    def cpu(self) -> float:
        return self.parent + self.workers


def live_children_cpu() -> float:
    """CPU seconds so far of this process's live worker processes (kb.parallel keeps its workers between batches,
    so they are not yet counted by RUSAGE_CHILDREN); read from /proc (Linux)."""
    import multiprocessing

    total = 0.0
    tick = os.sysconf("SC_CLK_TCK")
    for child in multiprocessing.active_children():
        try:
            fields = Path(f"/proc/{child.pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / tick  # utime, stime
    return total


def rusage() -> tuple[float, float]:
    """CPU seconds so far of this process and of its child processes (finished ones, and live workers)."""
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime, kids.ru_utime + kids.ru_stime + live_children_cpu()


def timed(fn: Callable[[], object]) -> Timed:
    """Run fn, measuring wall and CPU (this process, and the workers it started and joined)."""
    me0, kids0 = rusage()
    start = time.perf_counter()
    fn()
    wall = time.perf_counter() - start
    me1, kids1 = rusage()
    return Timed(wall, me1 - me0, kids1 - kids0)


def scaling(label: str, one: list[Timed], many: list[Timed], n: int, count: int, what: str) -> None:
    """The figures of 1 vs n processes (the caller and n - 1 forked workers) over interleaved runs: wall ratio, CPU
    efficiency, the work overhead and the speed-up it predicts on more cores."""
    med = statistics.median
    report(f"{label}: wall, 1 process, s", spread([t.wall for t in one]))
    report(f"{label}: wall, {n} processes, s", spread([t.wall for t in many]))
    report(f"{label}: {what}/s, 1 process / {n} processes",
           f"{count / med([t.wall for t in one]):,.0f} / {count / med([t.wall for t in many]):,.0f}")
    report(f"{label}: speed-up (wall 1 / wall {n})", spread([a.wall / b.wall for a, b in zip(one, many, strict=True)]))
    report(f"  CPU s: 1 process; {n} processes: caller + workers",
           f"{med([t.cpu for t in one]):.2f}; {med([t.parent for t in many]):.2f} + "
           f"{med([t.workers for t in many]):.2f}")
    report(f"  CPU efficiency, CPU of all processes / ({n} x wall)", spread([t.cpu / (n * t.wall) for t in many]))
    overhead = [b.cpu / a.cpu for a, b in zip(one, many, strict=True)]
    report("  work overhead, CPU of all processes / CPU of 1", spread(overhead))
    report("  the caller's share of the CPU", spread([t.parent / t.cpu for t in many], "{:.3f}"))
    # Model: the caller checks a share 1/m of the chunks itself (no hand-over); the other (m-1)/m are checked by
    # workers and cost r more each (encoding there, decoding in the caller). r comes from this run's overhead at n.
    r = (med(overhead) - 1) * n / (n - 1)
    report("  predicted speed-up on m free cores, m / (1 + r (m - 1) / m)",
           f"r = {r:.3f}: " + ", ".join(f"{m}: {m / (1 + r * (m - 1) / m):.2f}x" for m in (2, 4, 8, 16)))


def _spin(n: int) -> int:
    """Pure-Python CPU work with no hand-over: what n processes can gain on this machine at best."""
    table = {i: i for i in range(1000)}
    total = 0
    for i in range(n):
        total += table[i % 1000]
    return total


SPIN = 3_000_000  # about 0.2-0.4 s of one core


def ceiling(n: int) -> float:
    """The machine's own ceiling now: n units of perfectly parallel work in 1 process vs in n (a shared machine's
    other load, turbo and cache limits show here as a ratio below n)."""
    import multiprocessing

    start = time.perf_counter()
    for _ in range(n):
        _spin(SPIN)
    one = time.perf_counter() - start
    start = time.perf_counter()
    with multiprocessing.get_context("fork").Pool(n) as pool:
        pool.map(_spin, [SPIN] * n)
    return one / (time.perf_counter() - start)


PAIR_VISITS = 5000  # a batch of about 2 s on one core: short enough that the host's slow spells hit both of a pair


def alternated(k: kb.KnowledgeBase, visits: list[dict], n: int, pairs: int) -> None:
    """1 vs n processes over many short pairs, the order alternated and the machine's ceiling measured beside each
    pair: on a shared host whose speed drifts within seconds, a steadier figure than a few long runs."""
    ratios, ceilings = [], []
    for i in range(pairs):
        took = {}
        for workers in ((1, n) if i % 2 == 0 else (n, 1)):
            start = time.perf_counter()
            list(k.check_many(visits, workers=workers))
            took[workers] = time.perf_counter() - start
        ratios.append(took[1] / took[n])
        ceilings.append(ceiling(n))
    report(f"k.check_many, {pairs} alternated pairs of {len(visits):,} visits: speed-up 1 / {n}", spread(ratios))
    report("  the machine's ceiling beside each pair", spread(ceilings))
    report("  speed-up / ceiling, per pair", spread([a / b for a, b in zip(ratios, ceilings, strict=True)]))


def run_workers(visits_n: int, runs: int, work: Path, profile: bool = False, pairs: int = 12) -> None:
    from kb.parallel import cores

    n = max(2, cores())
    print(f"== 1 process vs {n} processes (the caller and {n - 1} workers), {visits_n:,} visits, "
          f"{runs} interleaved runs ({load_avg()})")
    artifact = work / "kb.json"
    subprocess.run([sys.executable, "-m", "kb", "compile", "--policies", str(ROOT / "policies"), "-o", str(artifact)],
                   check=True, capture_output=True)
    k = kb.load(artifact)
    visits = synthetic_visits(k, visits_n, 9)
    list(k.check_many(visits, workers=1))  # contexts built: both sides start warm
    # the workers are forked at the first batch and kept for the next ones (kb.parallel): the first batch pays the
    # fork and the worker's own contexts
    first = timed(lambda: list(k.check_many(visits, workers=n)))
    report(f"first batch on {n} processes (workers forked, their contexts cold), wall s", f"{first.wall:.2f}")
    one, many, ceilings = [], [], []
    for _ in range(runs):
        ceilings.append(ceiling(n))
        one.append(timed(lambda: list(k.check_many(visits, workers=1))))
        many.append(timed(lambda: list(k.check_many(visits, workers=n))))
    report(f"the machine's ceiling: a perfectly parallel loop, 1 process / {n}", spread(ceilings))
    scaling("k.check_many (Python objects back)", one, many, n, visits_n, "visits")
    alternated(k, visits[:PAIR_VISITS], n, pairs)
    if profile:
        import cProfile
        import pstats

        profiler = cProfile.Profile(time.process_time)  # the parent's own CPU, not time spent waiting
        profiler.runcall(lambda: list(k.check_many(visits, workers=n)))
        print(f"  the parent's CPU in k.check_many(workers={n}), by function:")
        pstats.Stats(profiler).sort_stats("tottime").print_stats(8)
    print(f"({load_avg()})")

    # the command line: a fresh process (imports, loading the compiled knowledge base: a fixed start-up cost),
    # reading a CSV file and writing JSON to a file
    path = work / "bench-visits.csv"
    path.write_text(to_csv(visits), encoding="utf-8")
    tiny = work / "bench-visit.csv"
    tiny.write_text("".join(path.read_text(encoding="utf-8").splitlines(keepends=True)[:2]), encoding="utf-8")
    out = work / "bench-findings.json"

    def cli(source: Path, jobs: int) -> Timed:
        code = ("import resource, sys, time; from kb.cli import main; t = time.perf_counter(); "
                f"main(['check', {str(source)!r}, '--json', '--jobs', '{jobs}', '--policies', {str(artifact)!r}]); "
                "w = time.perf_counter() - t; import kb.parallel; kb.parallel.shutdown(); "
                "me = resource.getrusage(resource.RUSAGE_SELF); "
                "kids = resource.getrusage(resource.RUSAGE_CHILDREN); "
                "print(w, me.ru_utime + me.ru_stime, kids.ru_utime + kids.ru_stime, file=sys.stderr)")
        start = time.perf_counter()
        with out.open("w") as fh:
            proc = subprocess.run([sys.executable, "-c", code], stdout=fh, stderr=subprocess.PIPE, text=True, cwd=ROOT)
        wall = time.perf_counter() - start
        _, parent, kids = map(float, proc.stderr.strip().splitlines()[-1].split())
        return Timed(wall, parent, kids)

    start_up = [cli(tiny, 1) for _ in range(runs)]
    one, many = [], []
    for _ in range(runs):
        one.append(cli(path, 1))
        many.append(cli(path, n))
    print(f"({load_avg()})")
    scaling("kb check --json (CSV in, JSON out)", one, many, n, visits_n, "visits")
    report("  fixed start-up of kb check (one visit), wall / CPU s",
           f"{spread([t.wall for t in start_up])} / {statistics.median([t.cpu for t in start_up]):.2f}")
    fixed = statistics.median([t.wall for t in start_up])
    report("  speed-up of the checking itself (wall less the start-up)",
           spread([(a.wall - fixed) / (b.wall - fixed) for a, b in zip(one, many, strict=True)]))
    print(f"({load_avg()})")

    # Parquet -> Parquet: in this process (the lines read by pyarrow's own threads), ranges on the workers
    from kb import arrow

    source = work / "bench-lines.parquet"
    lines = write_parquet(k, visits_n, source)
    target = work / "bench-findings.parquet"
    one, many = [], []
    for _ in range(runs):
        one.append(timed(lambda: arrow.check_file(k, source, target, workers=1)))
        many.append(timed(lambda: arrow.check_file(k, source, target, workers=n)))
    scaling(f"Parquet -> findings Parquet ({lines:,} lines)", one, many, n, lines, "lines")
    print(f"({load_avg()})")


def write_parquet(k: kb.KnowledgeBase, n: int, path: Path) -> int:
    import pyarrow as pa
    import pyarrow.parquet as pq

    rows = []
    for v in synthetic_visits(k, n, 13):
        for number, line in enumerate(v["lines"], 1):
            rows.append({"claim_id": v["claim_id"], "line": number, "payer": v["payer"], "date": v["date"],
                         "plan_of_care": v.get("plan_of_care"), "state": v.get("state"),
                         "ytd_allowed": v.get("ytd_allowed"), "note": v.get("note"), "code": line["code"],
                         "minutes": line.get("minutes"), "units": line.get("units"),
                         "modifiers": " ".join(line["modifiers"]), "assistant_minutes": line.get("assistant_minutes"),
                         "start": line.get("start"), "end": line.get("end")})
    pq.write_table(pa.Table.from_pylist(rows), path)
    return len(rows)


def run_parquet(visits_n: int, runs: int, work: Path) -> None:
    from kb import arrow

    print(f"== Parquet claim lines -> findings Parquet, {visits_n:,} visits ({load_avg()})")
    k = kb.load(ROOT / "policies")
    source = work / "lines.parquet"
    lines = write_parquet(k, visits_n, source)
    for workers in (1, None):
        rates = []
        for _ in range(runs):
            start = time.perf_counter()
            arrow.check_file(k, source, work / "findings.parquet", workers=workers)
            rates.append(lines / (time.perf_counter() - start))
        report(f"lines/s end to end, workers={workers or 'all cores'}", spread(rates, "{:,.0f}"))


def run_spark(visits_n: int, runs: int, work: Path) -> None:
    from kb import arrow

    print(f"== Spark local mode vs the single-process checker, {visits_n:,} visits ({load_avg()})")
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    k = kb.load(ROOT / "policies")
    source = work / "spark-lines.parquet"
    lines = write_parquet(k, visits_n, source)
    start = time.perf_counter()
    from pyspark.sql import SparkSession

    from kb import spark as kbspark

    spark = (SparkSession.builder.master(f"local[{os.cpu_count()}]").config("spark.ui.enabled", "false")
             .config("spark.sql.shuffle.partitions", str(os.cpu_count())).getOrCreate())
    spark.range(1).collect()
    report("Spark session start-up (fixed cost), s", f"{time.perf_counter() - start:.1f}")
    ratios, alone, engine = [], [], []
    for run in range(runs):
        start = time.perf_counter()
        rows = [r for b in arrow.check_batches(k, arrow.read_batches(source)) for r in b.to_pylist()]
        single = time.perf_counter() - start
        start = time.perf_counter()
        found = kbspark.check(spark.read.parquet(str(source)), k).toArrow().to_pylist()
        took = time.perf_counter() - start
        if run == 0:
            key = lambda r: (r["claim_id"], r["rule"], tuple(r["lines"] or ()), r["message"])  # noqa: E731
            assert sorted(map(key, found)) == sorted(map(key, rows)), "Spark and the single process disagree"
        alone.append(single)
        engine.append(took)
        ratios.append(took / single)
    report("single process (one core), s", spread(alone))
    report(f"Spark local[{os.cpu_count()}] (after start-up), s", spread(engine))
    report("ratio Spark / single process", spread(ratios))
    report("lines/s: single / Spark", f"{lines / statistics.median(alone):,.0f} / "
           f"{lines / statistics.median(engine):,.0f}")
    spark.stop()


def run_ties(runs: int) -> None:
    print(f"== ties: 16 timed codes of 8 minutes ({load_avg()})")
    k = kb.load(ROOT / "policies")
    codes = [c for c, e in k.model["codes"].items() if e["timed"] and "PT" in e["disciplines"]][:16]
    p = k.payer("medicare", as_of=date(2026, 3, 2))
    visit = {"payer": "medicare", "date": "2026-03-02", "plan_of_care": "PT",
             "lines": [{"code": c, "minutes": 8, "units": int(i >= 7), "modifiers": ["GP"]}
                       for i, c in enumerate(codes)]}
    k.check(visit)
    timing = interleaved({"units": lambda: p.units({c: 8 for c in codes}), "check": lambda: k.check(visit)}, runs)
    report("p.units, ms", spread([t * 1e3 for t in timing["units"]]))
    report("k.check (billed on another allowed allocation), ms", spread([t * 1e3 for t in timing["check"]]))
    big = {**visit, "lines": [{"code": codes[i % 16], "minutes": 7, "modifiers": ["GP"]} for i in range(200)]}
    timing = interleaved({"check": lambda: k.check(big)}, runs)
    report("k.check of a 200-line visit, ms", spread([t * 1e3 for t in timing["check"]]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=CMS_PTP_ROWS)
    parser.add_argument("--visits", type=int, default=5000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--work", type=Path, default=Path("/tmp/kb-bench-scale"))
    parser.add_argument("--only", default=",".join(s for s in SECTIONS if s != "spark"),
                        help=f"comma-separated sections of {', '.join(SECTIONS)} (spark is opt-in: it is slow)")
    parser.add_argument("--profile", action="store_true", help="workers: profile the parent's CPU in check_many")
    parser.add_argument("--pairs", type=int, default=12,
                        help="workers: alternated 1-vs-N pairs of 5,000 visits, each beside the machine's ceiling")
    args = parser.parse_args()
    only = set(args.only.split(","))
    print(f"python {sys.version.split()[0]}, kb {kb.__version__}, {args.rows:,} PTP rows; {load_avg()}")
    if only & {"ncci", "load", "lookups", "check"}:  # the sections that use the CMS-size tables
        parts, ptp, mue = prepare(args.work, args.rows)
        if "ncci" in only or not ptp.exists() or not mue.exists():
            run_ncci(parts, ptp, mue, args.work)
    else:
        args.work.mkdir(parents=True, exist_ok=True)
    if "load" in only:
        run_load(ptp, mue, args.work, args.runs)
    if "lookups" in only:
        run_lookups(ptp, args.runs)
    if "check" in only:
        run_check(ptp, mue, args.visits, args.runs)
    if "workers" in only:
        run_workers(args.visits * 4, max(3, args.runs // 2), args.work, args.profile, args.pairs)
    if "parquet" in only:
        run_parquet(args.visits * 4, 3, args.work)
    if "spark" in only:
        run_spark(args.visits * 4, 3, args.work)
    if "ties" in only:
        run_ties(args.runs)
    print(f"done ({load_avg()})")


if __name__ == "__main__":
    main()
