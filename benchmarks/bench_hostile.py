"""Worst-case timings of hostile inputs (issue 12), each beside a typical input measured in the same run.

    .venv/bin/python benchmarks/bench_hostile.py

The promise is "no visit and no policy file takes longer than a second"; the figures to quote are the worst times
and their ratio to the typical case (the machine may be busy).
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def best(fn: Any, rounds: int = 3) -> float:
    """Best wall time of `rounds` calls, in seconds."""
    out = float("inf")
    for _ in range(rounds):
        t = time.perf_counter()
        fn()
        out = min(out, time.perf_counter() - t)
    return out


def main() -> int:
    sys.path.insert(0, str(ROOT))
    import kb
    from kb.check.notes import MAX_NOTE_CHARS
    from kb.yamlfile import MAX_BYTES, parse_yaml

    k = kb.load(ROOT / "policies")
    base = {"payer": "medicare", "date": "2026-03-02"}
    typical_note = ("NMR 23' 1:1: perturbation training on foam, min A for 2 LOB, VC for posture. Berg 44/56 "
                    "(was 40/56). Dx: R26.81. STG: no falls.")
    typical = {**base, "note": typical_note, "lines": [{"code": "97112", "minutes": 23}]}
    k.check(typical)
    t_typical = best(lambda: k.check(typical), 20)
    rows = [("typical visit (one 97112 line, a 150-character note)", t_typical)]

    dense = ("Pt w/ no LOB, VC for posture, min A, Berg 44/56 (was 40/56). Will add perturbations next visit; "
             * 1000)[:MAX_NOTE_CHARS]
    four = [{"code": c, "minutes": 23} for c in ("97112", "97110", "97140", "97530")]
    rows.append((f"{MAX_NOTE_CHARS:,}-character dense note, 4 codes with checklists",
                 best(lambda: k.check({**base, "note": dense, "lines": four}))))
    for name, note in (("a" * (MAX_NOTE_CHARS - 1) + "!", "50,000 x 'a' then '!'"),
                       ("no " * (MAX_NOTE_CHARS // 3), "'no ' repeated (a trigger at every word)"),
                       ("Pt tolerated." + " " * (MAX_NOTE_CHARS - 13), "a sentence, then blanks to the limit"),
                       (". " + " " * (MAX_NOTE_CHARS - 3) + "a", "'. ', blanks, 'a' (a heading that never comes)"),
                       ("(*)" * (MAX_NOTE_CHARS // 3), "punctuation only"),
                       ("A: ok. Aim: x.\n" * (MAX_NOTE_CHARS // 15), "a section heading in every sentence"),
                       ("STG:" + " " * (MAX_NOTE_CHARS - 6) + "no", "a field label, blanks to the limit, a word"),
                       (("a: [ ] b. " * (MAX_NOTE_CHARS // 10))[:MAX_NOTE_CHARS - 3] + "[x]",
                        "one line of unticked fields, a ticked box at its end")):
        rows.append((f"note: {note}", best(lambda n=name: k.check({**base, "note": n, "lines": four}))))
    rows.append(("10 MB note (refused: InputError)",
                 best(lambda: _refused(k, {**base, "note": "x" * 10_000_000, "lines": four}))))
    rows.append(("allowed: 10**400 (refused)",
                 best(lambda: _refused(k, {**base, "lines": [{"code": "97112", "minutes": 23, "allowed": 10**400}]}))))

    policy = (ROOT / "policies" / "payers" / "medicare.yaml").read_text(encoding="utf-8")
    rows.append(("medicare.yaml parsed (typical policy file)", best(lambda: parse_yaml(policy, "m.yaml"))))
    from kb.yamlfile import MAX_ITEMS, load_yaml

    with tempfile.TemporaryDirectory() as tmp:
        big = Path(tmp) / "big.yaml"
        big.write_text("a:\n" + "".join(f"- 'x{i} \u200b'\n" for i in range(MAX_BYTES // 12)), encoding="utf-8")
        rows.append((f"{big.stat().st_size / 2**20:.1f} MiB YAML file (refused: too large)",
                     best(lambda: load_yaml(big, "big.yaml"), 1)))
        most = Path(tmp) / "most.yaml"
        most.write_text("a:\n" + "".join(f"- 'x{i} \u200b'\n" for i in range(MAX_ITEMS - 10)), encoding="utf-8")
        rows.append((f"largest accepted: {MAX_ITEMS - 10:,} items, a zero-width space in each (all reported)",
                     best(lambda: load_yaml(most, "most.yaml"), 1)))
    rows.append(("5,000-digit integer", best(lambda: parse_yaml("a: " + "9" * 5000 + "\n", "f.yaml"))))
    with tempfile.TemporaryDirectory() as tmp:
        from kb.compiler import compile_tree

        tree = Path(tmp) / "policies"
        import shutil

        shutil.copytree(ROOT / "policies", tree)
        rows.append(("the shipped tree compiled (all files, schema and lints)",
                     best(lambda: compile_tree(tree), 1)))
    width = max(len(r[0]) for r in rows)
    print(f"{'input':<{width}}  {'seconds':>9}  {'x typical visit':>15}")
    for name, secs in rows:
        print(f"{name:<{width}}  {secs:>9.4f}  {secs / t_typical:>15.1f}")
    return 0


def _refused(k: Any, visit: dict[str, Any]) -> None:
    import kb

    try:
        k.check(visit)
    except kb.InputError:
        return
    raise AssertionError("not refused")


if __name__ == "__main__":
    raise SystemExit(main())
