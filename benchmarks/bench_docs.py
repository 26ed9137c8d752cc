"""Precision and recall of the documentation check on the labelled note corpus (corpus/notes/).

Each note is checked as a one-line visit of its code under the payer given (default medicare) through the public
API, `k.check`; an element is *reported missing* when the check gives a `documentation.missing-element` finding for
it. The positive class is "missing" (what the check warns about): precision = warnings that are right / warnings,
recall = missing elements warned about / missing elements. The figures for the "present" class follow.

    .venv/bin/python benchmarks/bench_docs.py [--set NAME_OR_DIR ...] [--payer medicare] [--date 2026-03-02]
                                              [--errors] [--before REV]

Each set is scored separately: by default the tuning corpus (corpus/notes/) and the first held-out set
(corpus/heldout/, tuned on since; see corpus/README.md). `--set heldout5` scores corpus/heldout5/ alone, the blind
set not tuned on (heldout2, heldout3 and heldout4 were tuned on in the third, fourth and fifth tunings); a name is a
folder of corpus/, anything else a folder path; repeat --set for several.

`--before REV` also scores the matcher as it was before kb/check/notes.py (a plain case-insensitive search of each
pattern, no shorthand, negation or plans) with the checklists of the git revision REV, and times both matchers on
the same notes in the same run (the figure to quote is the ratio).
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus" / "notes"  # the labelled notes the patterns were tuned on
HELDOUT = ROOT / "corpus" / "heldout"  # written after the first tuning; its errors were used in the second
HELDOUT2 = ROOT / "corpus" / "heldout2"  # written blind by another engineer; its errors were used in the third
HELDOUT3 = ROOT / "corpus" / "heldout3"  # written blind by another engineer; its errors were used in the fourth
HELDOUT4 = ROOT / "corpus" / "heldout4"  # written blind by another engineer; its errors were used in the fifth tuning
_ELEMENT = re.compile(r"documentation\.([A-Za-z0-9_-]+)")


@dataclass(frozen=True)
class Note:
    file: str
    id: str
    code: str
    text: str
    present: frozenset[str]
    absent: frozenset[str]
    style: str
    traps: tuple[str, ...]


def load_corpus(folder: Path = CORPUS) -> list[Note]:
    """Every labelled note of the corpus, in file order."""
    notes = []
    for path in sorted(folder.glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        for n in data["notes"]:
            code = str(n.get("code") or data["code"])
            notes.append(Note(path.name, n["id"], code, n["text"], frozenset(n["present"]), frozenset(n["absent"]),
                              n["style"], tuple(n.get("traps") or ())))
    return notes


@dataclass
class Counts:
    tp: int = 0  # missing, reported missing
    fp: int = 0  # present, reported missing
    fn: int = 0  # missing, not reported
    tn: int = 0  # present, not reported

    def add(self, missing: bool, reported: bool) -> None:
        if missing and reported:
            self.tp += 1
        elif reported:
            self.fp += 1
        elif missing:
            self.fn += 1
        else:
            self.tn += 1

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def present_precision(self) -> float:
        return self.tn / (self.tn + self.fn) if self.tn + self.fn else 1.0

    @property
    def present_recall(self) -> float:
        return self.tn / (self.tn + self.fp) if self.tn + self.fp else 1.0


@dataclass
class Scores:
    overall: Counts = field(default_factory=Counts)
    by_element: dict[str, Counts] = field(default_factory=lambda: defaultdict(Counts))
    errors: list[tuple[Note, str, str]] = field(default_factory=list)  # (note, element, "false warning"/"missed")
    seconds: float = 0.0
    notes: int = 0


def reported_missing(k: Any, note: Note, payer: str, day: str) -> set[str]:
    """The checklist elements the documentation check reports missing for a note on a one-line visit of its code."""
    r = k.check({"payer": payer, "date": day, "note": note.text, "lines": [{"code": note.code, "minutes": 23}]})
    out = set()
    for f in r.findings:
        if f.rule == "documentation.missing-element":
            m = _ELEMENT.search(f.basis)
            if m:
                out.add(m.group(1))
    return out


def evaluate(k: Any, notes: list[Note], payer: str = "medicare", day: str = "2026-03-02") -> Scores:
    """Score the documentation check on the notes."""
    s = Scores(notes=len(notes))
    start = time.perf_counter()
    results = [(n, reported_missing(k, n, payer, day)) for n in notes]
    s.seconds = time.perf_counter() - start
    for note, reported in results:
        for element in sorted(note.present | note.absent):
            missing = element in note.absent
            hit = element in reported
            s.overall.add(missing, hit)
            s.by_element[f"{note.code if element not in _SHARED else '*'} {element}"].add(missing, hit)
            if missing != hit:
                s.errors.append((note, element, "false warning" if hit else "missed"))
    return s


_SHARED = {"minutes", "response", "plan-goal"}  # elements every checklist has: reported across codes


def report(s: Scores) -> str:
    """The table the benchmark prints."""
    rows = [f"{'element':<28} {'n':>4} {'missing':>7} {'P(miss)':>8} {'R(miss)':>8} {'P(pres)':>8} {'R(pres)':>8}"]
    for name, c in sorted(s.by_element.items()):
        n = c.tp + c.fp + c.fn + c.tn
        rows.append(f"{name:<28} {n:>4} {c.tp + c.fn:>7} {c.precision:>8.3f} {c.recall:>8.3f} "
                    f"{c.present_precision:>8.3f} {c.present_recall:>8.3f}")
    c = s.overall
    n = c.tp + c.fp + c.fn + c.tn
    rows.append(f"{'OVERALL':<28} {n:>4} {c.tp + c.fn:>7} {c.precision:>8.3f} {c.recall:>8.3f} "
                f"{c.present_precision:>8.3f} {c.present_recall:>8.3f}")
    rows.append(f"{s.notes} notes, {n} labelled elements; {len(s.errors)} wrong "
                f"({c.fp} false warnings, {c.fn} missed); {s.seconds * 1e6 / max(s.notes, 1):.0f} µs per visit")
    return "\n".join(rows)


def old_checklists(rev: str) -> dict[str, list[dict[str, Any]]]:
    """The medicare checklists at git revision `rev` (the code rules' `documentation`)."""
    text = subprocess.run(["git", "show", f"{rev}:policies/payers/medicare.yaml"], cwd=ROOT, check=True,
                          capture_output=True, text=True).stdout
    data = yaml.safe_load(text)
    return {str(r["code"]): r["documentation"] for r in data["code_rules"] if r.get("documentation")}


def old_missing(note: Note, checklists: dict[str, list[dict[str, Any]]],
                compiled: dict[str, list[tuple[str, list[re.Pattern[str]]]]]) -> set[str]:
    """The elements the former matcher (any pattern found anywhere, case-insensitively) reports missing."""
    if note.code not in compiled:
        compiled[note.code] = [(e["id"], [re.compile(p, re.IGNORECASE) for p in e["match"]])
                               for e in checklists.get(note.code, [])]
    return {eid for eid, pats in compiled[note.code] if not any(p.search(note.text) for p in pats)}


def score(notes: list[Note], missing: dict[str, set[str]]) -> Scores:
    s = Scores(notes=len(notes))
    for note in notes:
        for element in sorted(note.present | note.absent):
            is_missing, hit = element in note.absent, element in missing[note.id]
            s.overall.add(is_missing, hit)
            s.by_element[f"{note.code if element not in _SHARED else '*'} {element}"].add(is_missing, hit)
            if is_missing != hit:
                s.errors.append((note, element, "false warning" if hit else "missed"))
    return s


def matcher_times(k: Any, notes: list[Note], checklists: dict[str, list[dict[str, Any]]], payer: str, day: str,
                  rounds: int = 5) -> tuple[float, float]:
    """Microseconds per note of the former and the current matcher alone (best of `rounds`, same notes)."""
    from datetime import date

    from kb.check.engine import checker_for
    from kb.check.notes import PreparedNote

    ctx = checker_for(k).contexts.get(payer, date.fromisoformat(day), None)
    facts = {n.code: ctx.code(n.code).docs for n in notes}
    compiled: dict[str, list[tuple[str, list[re.Pattern[str]]]]] = {}
    old_missing(notes[0], checklists, compiled)
    best_old = best_new = float("inf")
    for _ in range(rounds):
        t = time.perf_counter()
        for n in notes:
            old_missing(n, checklists, compiled)
        best_old = min(best_old, time.perf_counter() - t)
        t = time.perf_counter()
        for n in notes:
            prepared = PreparedNote(n.text)
            [e.found_in(prepared) for e in facts[n.code]]
        best_new = min(best_new, time.perf_counter() - t)
    return best_old * 1e6 / len(notes), best_new * 1e6 / len(notes)


def _shown(folder: Path) -> str:
    try:
        return f"{folder.resolve().relative_to(ROOT)}/"
    except ValueError:
        return f"{folder}/"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--payer", default="medicare")
    ap.add_argument("--date", default="2026-03-02")
    ap.add_argument("--errors", action="store_true", help="list every wrong call with the note")
    ap.add_argument("--before", metavar="REV", help="also score and time the former matcher with REV's checklists")
    ap.add_argument("--set", dest="sets", action="append", metavar="NAME_OR_DIR",
                    help="a labelled set: a folder name under corpus/ (heldout2) or a folder path (repeatable)")
    args = ap.parse_args(argv)
    sets = [(f"tuning corpus ({_shown(CORPUS)})", CORPUS), (f"held-out notes ({_shown(HELDOUT)})", HELDOUT)]
    if args.sets:
        sets = []
        for name in args.sets:
            folder = ROOT / "corpus" / name if "/" not in name and (ROOT / "corpus" / name).is_dir() else Path(name)
            if not folder.is_dir() or not any(folder.glob("*.yaml")):
                ap.error(f"--set {name}: {folder} is not a folder of labelled notes (*.yaml)")
            sets.append((f"notes of {_shown(folder)}", folder))
    sys.path.insert(0, str(ROOT))
    import kb

    k = kb.load(ROOT / "policies")
    k.check({"payer": args.payer, "date": args.date, "lines": [{"code": "97112", "minutes": 23}]})  # warm the context
    for title, folder in sets:
        notes = load_corpus(folder)
        s = evaluate(k, notes, args.payer, args.date)
        print(f"== {title}, current matcher\n{report(s)}")
        if args.errors:
            for note, element, what in s.errors:
                print(f"\n{note.file} {note.id} {element}: {what}\n  {note.text}")
        if args.before:
            checklists = old_checklists(args.before)
            compiled: dict[str, list[tuple[str, list[re.Pattern[str]]]]] = {}
            before = score(notes, {n.id: old_missing(n, checklists, compiled) for n in notes})
            print(f"== {title}, former matcher with the checklists of {args.before}\n{report(before)}")
            old_us, new_us = matcher_times(k, notes, checklists, args.payer, args.date)
            print(f"matcher alone: former {old_us:.0f} µs per note, current {new_us:.0f} µs per note "
                  f"(ratio {new_us / old_us:.2f})")
        print()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
