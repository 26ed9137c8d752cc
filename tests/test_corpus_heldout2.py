"""Structure of the second held-out note corpus (corpus/heldout2/): parses, ids unique, every element labelled once.

This checks the labelled data only; the matcher's figures on it come from benchmarks/bench_docs.py.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

FOLDER = Path(__file__).resolve().parents[1] / "corpus" / "heldout2"

from corpus_rubric import CHECKLIST_97112, CHECKLIST_OTHER, OTHER_CODES, STYLES, load_set  # noqa: E402
from corpus_rubric import TRAPS as SET_TRAPS  # noqa: E402

TRAPS = SET_TRAPS | {"denial-story"}
FILES = {
    "97112.yaml": (re.compile(r"h2-nmr-\d{2}"), {"97112"}),
    "others.yaml": (re.compile(r"h2-tx-\d{2}"), OTHER_CODES),
}


def _notes(name: str) -> list[tuple[str, dict[str, Any]]]:
    """(code, note) for every note of one file, the code taken from the note or the file."""
    data = load_set("heldout2", name)
    assert isinstance(data.get("notes"), list), f"{name}: expected a mapping with notes:"
    return [(str(n.get("code") or data.get("code")), n) for n in data["notes"]]


def test_only_the_expected_files() -> None:
    assert {p.name for p in FOLDER.glob("*.yaml")} == set(FILES)


@pytest.mark.parametrize("name", sorted(FILES))
def test_notes_are_well_formed(name: str) -> None:
    pattern, codes = FILES[name]
    notes = _notes(name)
    assert len(notes) >= 30
    problems = []
    for code, n in notes:
        where = f"{name}:{n.get('id')}"
        if not isinstance(n.get("id"), str) or not pattern.fullmatch(n["id"]):
            problems.append(f"{where}: id does not match {pattern.pattern}")
        if code not in codes:
            problems.append(f"{where}: code {code!r} not one of {sorted(codes)}")
        if not isinstance(n.get("text"), str) or not n["text"].strip():
            problems.append(f"{where}: empty text")
        if n.get("style") not in STYLES:
            problems.append(f"{where}: style {n.get('style')!r}")
        if not set(n.get("traps") or ()) <= TRAPS:
            problems.append(f"{where}: unknown traps {set(n['traps']) - TRAPS}")
        labels = list(n.get("present") or ()) + list(n.get("absent") or ())
        expected = CHECKLIST_97112 if code == "97112" else CHECKLIST_OTHER
        twice = sorted(e for e, k in Counter(labels).items() if k > 1)
        if twice:
            problems.append(f"{where}: labelled more than once: {twice}")
        if set(labels) != set(expected):
            problems.append(
                f"{where}: missing {sorted(set(expected) - set(labels))}, unknown {sorted(set(labels) - set(expected))}"
            )
    assert not problems, "\n".join(problems)


def test_ids_unique_across_files() -> None:
    ids = Counter(n["id"] for name in FILES for _, n in _notes(name))
    assert [i for i, k in ids.items() if k > 1] == []


def test_other_codes_all_represented() -> None:
    assert {code for code, _ in _notes("others.yaml")} == OTHER_CODES


def test_readme_totals_match_the_files() -> None:
    """The counts corpus/heldout2/README.md states are those of the files."""
    notes = [(code, n) for name in FILES for code, n in _notes(name)]
    labelled = sum(len(n["present"]) + len(n["absent"]) for _, n in notes)
    absent = sum(len(n["absent"]) for _, n in notes)
    readme = (FOLDER / "README.md").read_text(encoding="utf-8")
    assert f"| total | {len(notes)} | | {labelled} | {absent} ({100 * absent / labelled:.1f} %) |" in readme
