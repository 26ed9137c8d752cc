"""Core benchmarks: compile, artifact, load (cold and warm), and the bulk PTP table at CMS scale.

Run:  .venv/bin/python benchmarks/bench_core.py [--policies policies] [--full-graph]
Not part of the test run. Prints one line per figure; the numbers quoted in notes come from here.
"""

from __future__ import annotations

import argparse
import gc
import json
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import networkx as nx  # noqa: E402

import kb  # noqa: E402
from kb import artifact  # noqa: E402
from kb.compiler import compile_tree  # noqa: E402
from kb.graph import build_graph  # noqa: E402
from kb.ncci import read_ptp_files  # noqa: E402
from kb.ptp import OPEN_END, PtpTable, TableMeta  # noqa: E402

CMS_PTP_ROWS = 2_633_389  # Medicare practitioner PTP, 2026Q3 (v322r0), all rows; ../shared/domain/ncci.md §2.1
CMS_ACTIVE = 1_728_585


def timed(fn, repeat: int = 5) -> tuple[float, object]:
    results = []
    value = None
    for _ in range(repeat):
        start = time.perf_counter()
        value = fn()
        results.append(time.perf_counter() - start)
    return statistics.median(results), value


def report(name: str, value: str) -> None:
    print(f"{name:<48} {value}")


def bench_policies(policies: Path) -> None:
    print(f"== policies: {policies}")
    compile_s, model = timed(lambda: compile_tree(policies), repeat=5)
    report("compile (read+validate+lint+resolve), median", f"{compile_s * 1000:.0f} ms")
    with tempfile.TemporaryDirectory() as tmp:
        target = Path(tmp) / "kb.json"
        size = artifact.write(model, target)
        report("artifact size", f"{size:,} bytes")
        graph_s, g = timed(lambda: build_graph(model))
        size_text = f"{g.number_of_nodes()} nodes, {g.number_of_edges()} edges"
        report("graph build, median", f"{graph_s * 1000:.1f} ms ({size_text})")
        nodes: dict[str, int] = {}
        for _, d in g.nodes(data=True):
            nodes[d["kind"]] = nodes.get(d["kind"], 0) + 1
        edges: dict[str, int] = {}
        for *_, d in g.edges(data=True):
            edges[d["kind"]] = edges.get(d["kind"], 0) + 1
        report("node kinds", json.dumps(dict(sorted(nodes.items()))))
        report("edge kinds", json.dumps(dict(sorted(edges.items()))))
        # warm: in-process load of a fresh artifact (freshness check hashes every policy file)
        policies_copy = Path(tmp) / "policies"
        shutil.copytree(policies, policies_copy)
        artifact.write(model, artifact.default_artifact(policies_copy))
        warm_s, loaded = timed(lambda: kb.load(policies_copy), repeat=20)
        assert loaded.origin == "artifact"
        report("kb.load() warm (fresh artifact), median", f"{warm_s * 1000:.1f} ms")
        missing = Path(tmp) / "no-artifact.json"
        compiled_s, compiled = timed(lambda: kb.load(policies, artifact_path=missing), repeat=5)
        assert compiled.origin == "compiled"
        report("kb.load() with no artifact (compiles), median", f"{compiled_s * 1000:.0f} ms")
        code = (
            "import time; t=time.perf_counter(); import kb; "
            f"k=kb.load({str(policies_copy)!r}); p=k.payer('medicare'); p.units({{'97112': 24, '97110': 23}}); "
            "print(k.origin, time.perf_counter()-t)"
        )
        colds = []
        for _ in range(5):
            proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
            out = proc.stdout.split()
            assert out[0] == "artifact", out
            colds.append(float(out[1]))
        report("kb.load() cold (new interpreter, import+load+query)", f"{statistics.median(colds) * 1000:.0f} ms")


def synthetic_rows(n: int, seed: int = 7):
    """Rows shaped like CMS's PTP file: ~12,000 codes, ~65 % active, duplicates per pair, 7 rationales."""
    rng = random.Random(seed)
    codes = [f"{i:05d}" for i in range(10000, 20000)] + [f"{i:04d}T" for i in range(100, 2100)]
    rationales = ["CPT Manual or CMS manual coding instruction", "Mutually exclusive procedures",
                  "Misuse of Column Two code with Column One code", "Standards of medical/surgical practice",
                  "HCPCS/CPT procedure code definition", "More extensive procedure",
                  "CPT Separate procedure definition"]
    made = 0
    while made < n:
        c1, c2 = rng.choice(codes), rng.choice(codes)
        if c1 == c2:
            continue
        start = rng.choice([19960101, 20020101, 20100101, 20150101, 20200101, 20240101])
        if rng.random() < 0.65:
            end, ind = OPEN_END, rng.choice([0, 1, 1])
        else:
            end, ind = rng.choice([start, 20191231, 20211231]), 9 if rng.random() < 0.3 else 1
            end = max(end, start)
        yield (c1, c2, start, end, ind, rng.choice(rationales))
        made += 1


def write_cms_text(rows: list, folder: Path) -> list[Path]:
    """The rows as four Latin-1, CRLF, tab-separated parts with CMS's banner and wrapped header."""
    header = ["SYNTHETIC BENCHMARK FILE (not CMS data)\t\t\t\t\t\t", "Column1/Column2 Edits\t\t\t\t\t\t",
              "Column 1\tColumn 2\t*=in existence\tEffective\tDeletion\tModifier\tPTP Edit Rationale",
              "\t\tprior to 1996\tDate\tDate\t0=not allowed\t", "\t\t\t\t*=no data\t1=allowed\t",
              "\t\t\t\t\t9=not applicable\t"]
    paths = []
    quarter = len(rows) // 4 + 1
    for part in range(4):
        lines = list(header)
        for c1, c2, eff, end, ind, why in rows[part * quarter:(part + 1) * quarter]:
            lines.append(f"{c1}\t{c2}\t\t{eff}\t{'*' if end == OPEN_END else end}\t{ind}\t{why}")
        path = folder / f"ccipra-v000r0-f{part + 1}.TXT"
        path.write_bytes(("\r\n".join(lines) + "\r\n").encode("latin-1"))
        paths.append(path)
    return paths


def bench_bulk_table(rows: int) -> None:
    print(f"== bulk PTP table: {rows:,} synthetic rows in CMS's shape")
    meta = TableMeta(payer="medicare", source={"title": "synthetic benchmark rows", "read": "2026-11-23"})
    data = list(synthetic_rows(rows))
    gc.collect()
    start = time.perf_counter()
    table = PtpTable.from_rows(meta, data)
    build_s = time.perf_counter() - start
    report("build from parsed rows", f"{build_s:.2f} s")
    report("row arrays in memory", f"{table.nbytes() / 2**20:.1f} MiB ({table.nbytes() / len(table):.1f} bytes/row)")
    with tempfile.TemporaryDirectory() as tmp:
        parts = write_cms_text(data, Path(tmp))
        start = time.perf_counter()
        parsed = list(read_ptp_files(parts))
        read_s = time.perf_counter() - start
        report("parse CMS-format .TXT parts (4 files)", f"{read_s:.1f} s for {len(parsed):,} rows")
        del parsed
        path = Path(tmp) / "ptp.kbt"
        start = time.perf_counter()
        table.save(path)
        report("save", f"{time.perf_counter() - start:.2f} s, {path.stat().st_size / 2**20:.1f} MiB on disk")
        load_s, loaded = timed(lambda: PtpTable.load(path), repeat=5)
        report("load from disk, median", f"{load_s * 1000:.0f} ms")
    from datetime import date

    rng = random.Random(3)
    pairs = [(r[0], r[1]) for r in rng.sample(data, 20000)] + [("99999", "00000")] * 1000
    day = date(2026, 3, 2)
    start = time.perf_counter()
    hits = sum(1 for a, b in pairs if loaded.in_force(a, b, day) is not None)
    per = (time.perf_counter() - start) / len(pairs)
    report("lookup in_force (hit or miss), mean", f"{per * 1e6:.1f} µs ({hits} of {len(pairs)} in force)")


def bench_graph_scale(rows: int) -> None:
    """What the same rows cost as networkx edges with their attributes (the design this avoids)."""
    print(f"== the same rows as networkx MultiDiGraph edges: {rows:,}")
    data = list(synthetic_rows(rows))
    gc.collect()
    tracemalloc.start()
    start = time.perf_counter()
    g = nx.MultiDiGraph()
    for c1, c2, eff, end, ind, why in data:
        g.add_edge(c1, c2, kind="bundles", payer="medicare", effective_from=eff, effective_to=end,
                   modifier_indicator=ind, rationale=why, sources=None)
    build_s = time.perf_counter() - start
    current, _ = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    report("build", f"{build_s:.1f} s ({build_s / rows * 1e6:.1f} µs/edge)")
    report("memory", f"{current / 2**20:.0f} MiB ({current / rows:.0f} bytes/edge)")
    factor = CMS_PTP_ROWS / rows
    report("extrapolated to 2,633,389 rows", f"{build_s * factor:.0f} s, {current * factor / 2**30:.2f} GiB")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--policies", type=Path, default=ROOT / "policies")
    parser.add_argument("--rows", type=int, default=CMS_PTP_ROWS)
    parser.add_argument("--graph-rows", type=int, default=300_000, help="rows for the networkx comparison")
    args = parser.parse_args()
    print(f"python {sys.version.split()[0]}, networkx {nx.__version__}, kb {kb.__version__}")
    bench_policies(args.policies)
    bench_bulk_table(args.rows)
    bench_graph_scale(args.graph_rows)


if __name__ == "__main__":
    main()
