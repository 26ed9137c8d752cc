"""Claim-checker benchmark: batch throughput over synthetic visits, and the time of one k.check call.

Run:  .venv/bin/python benchmarks/bench_check.py [--policies policies] [--visits 100000] [--seed 7] [--profile]
Not part of the test run. The figures quoted in notes come from here.

The visits are synthetic but shaped like a clinic's day: every shipped payer, dates 2023-2026, one to five lines of
the common therapy codes with realistic minutes, mostly-right modifiers with some mistakes (missing discipline
modifier, 59 where no edit exists, CQ on PTA work), billed units on half the lines, notes on a fifth of the
visits, year-to-date amounts on a third, clock times on a tenth.
"""

from __future__ import annotations

import argparse
import cProfile
import csv
import gc
import io
import pstats
import random
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import kb  # noqa: E402
from kb.check import CheckResult, read_csv  # noqa: E402

TIMED = ["97110", "97112", "97116", "97140", "97530", "97535", "97035", "97032", "97750"]
UNTIMED = ["97150", "97161", "97162", "97163", "97164", "G0283", "97010"]
NOTES = [
    "Balance training and coordination exercises. Patient tolerated well. Continue plan of care.",
    "PNF D2 flexion patterns and perturbation training on foam, 20 minutes one-on-one, verbal and tactile cueing; "
    "tandem stance 8 s up from 5 s; goal: safe community ambulation. Dx: I69.351 (stroke), impaired balance.",
    "Therapeutic exercise: 3 sets of 10 reps hip abduction with resistance band, 15 min; patient tolerated well, "
    "instructed in home program toward goal of stair climbing.",
]
PLAN_MOD = {"PT": "GP", "OT": "GO"}


def clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def synthetic_visits(k: kb.KnowledgeBase, n: int, seed: int) -> list[dict]:
    rnd = random.Random(seed)
    payers = k.payers()
    start = date(2023, 1, 1)
    visits = []
    for i in range(n):
        plan = rnd.choice(("PT", "PT", "PT", "OT"))
        lines = []
        for code in rnd.sample(TIMED, rnd.randint(1, 4)) + (rnd.sample(UNTIMED, 1) if rnd.random() < 0.2 else []):
            minutes = rnd.choice((5, 8, 10, 12, 15, 18, 20, 23, 25, 30, 38, 45)) if code in TIMED else rnd.choice(
                (0, 15, 30, 45))
            mods = [PLAN_MOD[plan]] if rnd.random() > 0.05 else []
            line: dict = {"code": code, "minutes": minutes, "modifiers": mods}
            if rnd.random() < 0.08:
                mods.append("59")
            if rnd.random() < 0.15:
                line["assistant_minutes"] = rnd.choice((0, min(2, minutes), minutes // 2, minutes))
                if line["assistant_minutes"] * 10 > minutes and rnd.random() < 0.8:
                    mods.append("CQ" if plan == "PT" else "CO")
            if rnd.random() < 0.5:
                line["units"] = max(0, (minutes + 7) // 15 + rnd.choice((0, 0, 0, -1, 1)))
            if rnd.random() < 0.1 and minutes:
                t = rnd.randrange(8 * 60, 17 * 60)
                line["start"], line["end"] = clock(t), clock(t + minutes)
            lines.append(line)
        visit = {"claim_id": f"C{i:06d}", "payer": rnd.choice(payers),
                 "date": (start + timedelta(days=rnd.randrange(4 * 365))).isoformat(), "plan_of_care": plan,
                 "lines": lines}
        if rnd.random() < 0.33:
            visit["ytd_allowed"] = round(rnd.uniform(0, 4000), 2)
        if rnd.random() < 0.2:
            visit["note"] = rnd.choice(NOTES)
        if rnd.random() < 0.2:
            visit["state"] = rnd.choice(("OH", "TX", "CA", "PA"))
        visits.append(visit)
    return visits


def to_csv(visits: list[dict]) -> str:
    out = io.StringIO()
    columns = ["claim_id", "payer", "date", "plan_of_care", "state", "ytd_allowed", "note", "code", "minutes", "units",
               "modifiers", "assistant_minutes", "allowed", "start", "end"]
    writer = csv.DictWriter(out, columns)
    writer.writeheader()
    for v in visits:
        for line in v["lines"]:
            row = {c: v.get(c, "") for c in columns[:7]}
            row.update({c: line.get(c, "") for c in columns[7:]})
            row["modifiers"] = " ".join(line["modifiers"])
            writer.writerow(row)
    return out.getvalue()


def report(name: str, value: str) -> None:
    print(f"{name:<52} {value}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--policies", type=Path, default=ROOT / "policies")
    parser.add_argument("--visits", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--profile", action="store_true", help="profile the batch and print the top functions")
    args = parser.parse_args()

    k = kb.load(args.policies)
    print(f"== {k!r}, {args.visits:,} synthetic visits (seed {args.seed})")
    visits = synthetic_visits(k, args.visits, args.seed)
    lines = sum(len(v["lines"]) for v in visits)
    report("lines", f"{lines:,} ({lines / len(visits):.2f} per visit)")

    def fresh() -> None:
        """Drop the checker and its per-period contexts: every timed pass starts from nothing."""
        k.__dict__.pop("_checker", None)
        gc.collect()

    fresh()
    started = time.perf_counter()
    results = list(k.check_many(visits))
    first = time.perf_counter() - started
    errors = sum(not isinstance(r, CheckResult) for r in results)
    findings = sum(len(r.findings) for r in results)
    report("visits not checked (bad input)", f"{errors:,}")
    report("findings", f"{findings:,} ({findings / len(visits):.2f} per visit)")
    rules: dict[str, int] = {}
    for r in results:
        for f in r.findings:
            rules[f.rule] = rules.get(f.rule, 0) + 1
    report("  most frequent", ", ".join(f"{r} {n:,}" for r, n in sorted(rules.items(), key=lambda x: -x[1])[:5]))
    del results

    runs, cpu = [first], []
    for _ in range(2):
        fresh()
        started, cpu_start = time.perf_counter(), time.process_time()
        for _ in k.check_many(visits):
            pass
        runs.append(time.perf_counter() - started)
        cpu.append(time.process_time() - cpu_start)
    wall = statistics.median(runs)
    report(f"check_many over {len(visits):,} visits (median of 3)",
           f"{wall:.2f} s: {len(visits) / wall:,.0f} visits/s, {lines / wall:,.0f} lines/s")
    report("  CPU time of the process (best of 2)", f"{min(cpu):.2f} s: {len(visits) / min(cpu):,.0f} visits/s")

    text = to_csv(visits)
    fresh()
    started = time.perf_counter()
    count = sum(1 for _ in k.check_many(read_csv(text)))
    csv_s = time.perf_counter() - started
    report("check_many from CSV text (parse + check)", f"{csv_s:.2f} s: {count / csv_s:,.0f} visits/s, "
           f"{lines / csv_s:,.0f} lines/s ({len(text) / 2**20:.1f} MiB)")

    # one call at a time: other visits than the batch's, contexts warm (as in a service that checks claims
    # one by one), and a fixed two-line visit over and over
    sample = synthetic_visits(k, 5000, args.seed + 1)
    times = []
    for visit in sample:
        started = time.perf_counter()
        k.check(visit)
        times.append(time.perf_counter() - started)
    times.sort()
    report("one k.check, 5,000 different visits: median", f"{statistics.median(times) * 1e6:.0f} µs "
           f"(p95 {times[int(len(times) * 0.95)] * 1e6:.0f} µs)")
    one = {"payer": "medicare", "date": "2026-03-02", "plan_of_care": "PT",
           "lines": [{"code": "97112", "minutes": 24, "units": 2, "modifiers": ["GP"]},
                     {"code": "97110", "minutes": 23, "units": 1, "modifiers": ["GP", "59"]}]}
    noted = {**one, "note": NOTES[1], "ytd_allowed": 2600.0}
    for label, visit in (("one k.check, the same 2-line visit: median", one),
                         ("one k.check, 2 lines + note + KX: median", noted)):
        k.check(visit)
        times = []
        for _ in range(5000):
            started = time.perf_counter()
            k.check(visit)
            times.append(time.perf_counter() - started)
        times.sort()
        report(label, f"{statistics.median(times) * 1e6:.0f} µs (p95 {times[4750] * 1e6:.0f} µs)")
    fresh()
    started = time.perf_counter()
    k.check(one)
    report("one k.check, fresh checker (builds the context)", f"{(time.perf_counter() - started) * 1e3:.1f} ms")

    if args.profile:
        fresh()
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in k.check_many(visits):
            pass
        profiler.disable()
        pstats.Stats(profiler).sort_stats("tottime").print_stats(25)


if __name__ == "__main__":
    main()
