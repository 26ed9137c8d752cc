"""The compiled artifact's weight: build/kb.json's size, `kb compile` time and `kb.load()` time from the artifact,
here and at another revision (`--before REV`, e.g. the commit before kb/packing.py), measured in the same run.

    .venv/bin/python benchmarks/bench_artifact.py [--before REV] [--repeat 5]

Each revision runs in its own Python process (`git archive REV` unpacked in a temporary folder and put first on
sys.path) on this checkout's policies/, alternately, so machine load hits both alike; the medians are compared.
Prints the load average too: compare the ratios, not the seconds.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# run in a child process with the revision's kb first on sys.path; prints one JSON line
PROBE = r"""
import gzip, json, sys, time
from pathlib import Path
import kb
from kb import artifact
from kb.compiler import compile_tree
policies, out = Path(sys.argv[1]), Path(sys.argv[2])
assert Path(kb.__file__).resolve().is_relative_to(Path(sys.argv[3]).resolve()), kb.__file__
started = time.perf_counter()
model = compile_tree(policies)
size = artifact.write(model, out)
compiled = time.perf_counter() - started
started = time.perf_counter()
k = kb.load(out)
loaded = time.perf_counter() - started
assert k.origin == "artifact" and k.content_hash == model["content_hash"]
print(json.dumps({"bytes": size, "gzip": len(gzip.compress(out.read_bytes(), 6, mtime=0)), "compile": compiled,
                  "load": loaded}))
"""


def source_of(rev: str | None, where: Path) -> Path:
    """A folder whose kb/ and schema/ are REV's (None: this checkout)."""
    if rev is None:
        return ROOT
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", rev, "kb", "schema"], check=True,
                             capture_output=True).stdout
    target = where / rev.replace("/", "_")
    target.mkdir()
    archive_path = where / "kb.tar"
    archive_path.write_bytes(archive)
    with tarfile.open(archive_path) as tar:
        tar.extractall(target, filter="data")
    return target


def probe(src: Path, where: Path) -> dict:
    env = {**os.environ, "PYTHONPATH": str(src)}
    out = where / f"kb-{src.name}.json"
    proc = subprocess.run([sys.executable, "-c", PROBE, str(ROOT / "policies"), str(out), str(src)], env=env,
                          capture_output=True, text=True, cwd=where)  # cwd: not this checkout's kb/
    if proc.returncode:
        raise SystemExit(f"measuring {src} failed:\n{proc.stderr}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--before", metavar="REV", help="also measure REV (its kb/ package) on the same policies")
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        where = Path(tmp)
        sources = {"now": source_of(None, where)}
        if args.before:
            sources[args.before] = source_of(args.before, where)
        runs: dict[str, list[dict]] = {name: [] for name in sources}
        print(f"load average at start: {os.getloadavg()}")
        for _ in range(args.repeat):
            for name, src in sources.items():
                runs[name].append(probe(src, where))
        print(f"load average at end: {os.getloadavg()}")
    summary = {}
    for name, found in runs.items():
        summary[name] = {"bytes": found[0]["bytes"], "gzip": found[0]["gzip"],
                         "compile": statistics.median(r["compile"] for r in found),
                         "load": statistics.median(r["load"] for r in found)}
        s = summary[name]
        print(f"{name:>12}: kb.json {s['bytes']:>12,} bytes (gzip {s['gzip']:>10,}), compile+write "
              f"{s['compile']:.2f} s, load {s['load']:.2f} s (medians of {args.repeat})")
    if args.before:
        now, old = summary["now"], summary[args.before]
        print(f"ratios now/{args.before}: size {now['bytes'] / old['bytes']:.3f}, "
              f"gzip {now['gzip'] / old['gzip']:.3f}, compile {now['compile'] / old['compile']:.2f}, "
              f"load {now['load'] / old['load']:.2f}")


if __name__ == "__main__":
    main()
