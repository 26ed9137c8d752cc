"""Structure of the fifth blind held-out note set (corpus/heldout5/): shape and labels only, never the matcher's output.

The set is for measuring the documentation matcher honestly, so these tests check only that every note is well formed
and labelled against the whole checklist of its code; what the matcher finds in the notes is the benchmark's business.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from corpus_rubric import CHECKLIST_97112, CHECKLIST_OTHER, NOTE_KEYS, OTHER_CODES, STYLES, TRAPS, set_file

HERE = Path(__file__).resolve().parent.parent / "corpus" / "heldout5"


nmr = set_file("heldout5", "97112.yaml")
others = set_file("heldout5", "others.yaml")


def _checked(notes: list[dict[str, Any]], checklist_of: Any, extra_keys: frozenset[str]) -> Iterator[str]:
    """Yield one located message per structural problem."""
    for i, note in enumerate(notes):
        where = f"note {i} ({note.get('id', '?')})"
        if set(note) != NOTE_KEYS | extra_keys:
            yield f"{where}: keys {sorted(note)} != {sorted(NOTE_KEYS | extra_keys)}"
            continue
        if note["style"] not in STYLES:
            yield f"{where}: unknown style {note['style']!r}"
        if not isinstance(note["traps"], list) or not set(note["traps"]) <= TRAPS:
            yield f"{where}: unknown traps {note['traps']!r}"
        elif len(set(note["traps"])) != len(note["traps"]):
            yield f"{where}: repeated trap"
        if not isinstance(note["text"], str) or not note["text"].strip():
            yield f"{where}: empty text"
        checklist = checklist_of(note)
        present, absent = note["present"], note["absent"]
        labelled = list(present) + list(absent)
        if sorted(labelled) != sorted(checklist):
            yield f"{where}: present+absent {sorted(labelled)} must be exactly the checklist {sorted(checklist)}"


def test_97112_notes_are_well_formed(nmr: dict[str, Any]) -> None:
    assert set(nmr) == {"code", "notes"}
    assert nmr["code"] == "97112"
    assert len(nmr["notes"]) >= 45
    problems = list(_checked(nmr["notes"], lambda _note: CHECKLIST_97112, frozenset()))
    assert problems == []


def test_other_codes_notes_are_well_formed(others: dict[str, Any]) -> None:
    assert set(others) == {"notes"}
    notes = others["notes"]
    assert len(notes) >= 50
    assert {note.get("code") for note in notes} == OTHER_CODES, "every other code is represented, and only those"
    problems = list(_checked(notes, lambda _note: CHECKLIST_OTHER, frozenset({"code"})))
    assert problems == []


def test_ids_unique_and_prefixed(nmr: dict[str, Any], others: dict[str, Any]) -> None:
    ids = [n["id"] for n in nmr["notes"]] + [n["id"] for n in others["notes"]]
    assert len(ids) == len(set(ids))
    assert all(str(i).startswith("h5-nmr-") for i in (n["id"] for n in nmr["notes"]))
    assert all(str(i).startswith("h5-tx-") for i in (n["id"] for n in others["notes"]))


def test_absent_share_is_in_the_intended_band(nmr: dict[str, Any], others: dict[str, Any]) -> None:
    """The set was written with about 35-45 % of elements absent; a large drift means labels were lost or flipped."""
    notes = nmr["notes"] + others["notes"]
    total = sum(len(n["present"]) + len(n["absent"]) for n in notes)
    absent = sum(len(n["absent"]) for n in notes)
    assert 0.35 <= absent / total <= 0.45


def test_every_style_and_trap_is_exercised(nmr: dict[str, Any], others: dict[str, Any]) -> None:
    notes = nmr["notes"] + others["notes"]
    assert {n["style"] for n in notes} == STYLES
    assert {t for n in notes for t in n["traps"]} == TRAPS
