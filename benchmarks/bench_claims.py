"""Claims-in benchmark: parse throughput of a large generated 837P (service lines per second) beside the visit-dict
path, all measured in one run on the same visits.

Run:  .venv/bin/python benchmarks/bench_claims.py [--claims 2000] [--seed 7]
Not part of the test run. Figures are ratios against the visit-dict path measured in the same run.

Four figures, each over the same synthetic claims (one date of service each, one to four therapy lines):
  parse     read_claims(): pyx12 reads and validates the 837 against the 5010 map, claims mapped (no checking)
  837       k.check_many(ClaimSource(837, minutes sidecar)): parse + map + check
  dicts     k.check_many(list of the equivalent visit dicts): check only (the baseline)
  validate  pyx12's own whole-document validator (x12n_document), for scale
"""

from __future__ import annotations

import argparse
import csv
import gc
import os
import random
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import kb  # noqa: E402
from kb.claims import ClaimSource, Minutes  # noqa: E402
from kb.claims.pyx12_support import validate_x12  # noqa: E402
from kb.claims.synthetic import write_837  # noqa: E402
from kb.claims.x12 import read_claims  # noqa: E402

TIMED = ["97110", "97112", "97116", "97140", "97530", "97535"]


def synthetic(n: int, seed: int) -> tuple[list[dict], list[dict]]:
    """(claims for the 837 writer, the equivalent visit dicts)."""
    rnd = random.Random(seed)
    start = date(2026, 1, 5)
    claims, visits = [], []
    for i in range(n):
        day = start + timedelta(days=rnd.randrange(300))
        lines = []
        for code in rnd.sample(TIMED, rnd.randint(1, 4)):
            minutes = rnd.choice((8, 10, 15, 20, 23, 25, 30, 38))
            units = max(1, (minutes + 7) // 15) + (1 if rnd.random() < 0.1 else 0)
            mods = ["GP"] + (["59"] if rnd.random() < 0.1 else [])
            lines.append({"code": code, "modifiers": mods, "units": units, "minutes": minutes})
        cid = f"C{i:07d}"
        claims.append({"claim_id": cid, "date": day, "payer_name": "MEDICARE PART B", "payer_id": "15202",
                       "filing": "MB", "lines": [{k: v for k, v in ln.items() if k != "minutes"} for ln in lines]})
        visits.append({"claim_id": cid, "payer": "medicare", "date": day, "state": "OH", "lines": lines})
    return claims, visits


def timed(fn) -> tuple[float, object]:
    gc.collect()
    t0 = time.perf_counter()
    out = fn()
    return time.perf_counter() - t0, out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--claims", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--policies", default=str(ROOT / "policies"))
    args = ap.parse_args()
    k = kb.load(args.policies)
    claims, visits = synthetic(args.claims, args.seed)
    n_lines = sum(len(v["lines"]) for v in visits)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "large.837"
        text = write_837(claims, "837P")
        path.write_text(text)
        with (Path(tmp) / "large.minutes.csv").open("w", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(["claim_id", "line", "minutes"])
            for v in visits:
                for j, ln in enumerate(v["lines"], start=1):
                    w.writerow([v["claim_id"], j, ln["minutes"]])
        sidecar = Minutes.read(Path(tmp) / "large.minutes.csv")
        print(f"{args.claims:,} claims, {n_lines:,} service lines, {len(text) / 1e6:.1f} MB of X12; "
              f"load average {os.getloadavg()[0]:.2f} ({os.cpu_count()} cores)")
        t_dicts, res_d = timed(lambda: list(k.check_many(visits)))
        t_parse, parsed = timed(lambda: read_claims(path))
        t_837, res_x = timed(lambda: list(k.check_many(ClaimSource(path, minutes=sidecar))))
        t_valid, problems = timed(lambda: validate_x12(text))
    assert len(parsed.claims) == args.claims and not problems
    same = [a.to_dict() for a in res_x] == [b.to_dict() for b in res_d]
    rows = [("dicts (check only, baseline)", t_dicts), ("parse (pyx12 read + map)", t_parse),
            ("837 (parse + map + check)", t_837), ("validate (pyx12 x12n_document)", t_valid)]
    for name, t in rows:
        print(f"  {name:<34} {t:7.2f} s  {n_lines / t:10,.0f} lines/s  {t / t_dicts:5.2f}x the dict path")
    print(f"  837 results identical to the visit-dict results: {same}")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
