"""Structure of corpus/heldout4, the fourth blind held-out set of treatment notes.

These tests check the labelled files only (shape, ids, label coverage); they never run the note matcher.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent.parent / "corpus" / "heldout4"

from corpus_rubric import CHECKLIST_97112 as NMR_ELEMENTS  # noqa: E402
from corpus_rubric import CHECKLIST_OTHER as OTHER_ELEMENTS  # noqa: E402
from corpus_rubric import NOTE_KEYS, OTHER_CODES, STYLES, TRAPS, set_file  # noqa: E402

nmr = set_file("heldout4", "97112.yaml")
others = set_file("heldout4", "others.yaml")


def _check_note(note: dict[str, Any], elements: list[str]) -> None:
    nid = note.get("id")
    assert isinstance(note["text"], str) and note["text"].strip(), nid
    assert note["style"] in STYLES, nid
    assert isinstance(note["traps"], list) and set(note["traps"]) <= TRAPS, nid
    assert len(set(note["traps"])) == len(note["traps"]), nid
    present, absent = note["present"], note["absent"]
    assert isinstance(present, list) and isinstance(absent, list), nid
    labelled = present + absent
    assert len(labelled) == len(set(labelled)), f"{nid}: an element is labelled twice"
    assert sorted(labelled) == sorted(elements), f"{nid}: labels must cover exactly {elements}"


def test_97112_file_shape(nmr: Any) -> None:
    assert set(nmr) == {"code", "notes"}
    assert nmr["code"] == "97112"
    assert len(nmr["notes"]) >= 45
    for note in nmr["notes"]:
        assert set(note) == NOTE_KEYS, note.get("id")
        assert re.fullmatch(r"h4-nmr-\d{2}", note["id"]), note["id"]
        _check_note(note, NMR_ELEMENTS)


def test_others_file_shape(others: Any) -> None:
    assert set(others) == {"notes"}
    assert len(others["notes"]) >= 50
    for note in others["notes"]:
        assert set(note) == NOTE_KEYS | {"code"}, note.get("id")
        assert re.fullmatch(r"h4-tx-\d{2}", note["id"]), note["id"]
        assert note["code"] in OTHER_CODES, note["id"]
        _check_note(note, OTHER_ELEMENTS)


def test_others_spread_over_every_code(others: Any) -> None:
    codes = Counter(note["code"] for note in others["notes"])
    assert set(codes) == OTHER_CODES
    assert min(codes.values()) >= 5


def test_ids_unique_across_the_set(nmr: Any, others: Any) -> None:
    ids = [note["id"] for note in nmr["notes"] + others["notes"]]
    assert len(ids) == len(set(ids))


def test_every_style_and_trap_used(nmr: Any, others: Any) -> None:
    notes = nmr["notes"] + others["notes"]
    assert {note["style"] for note in notes} == STYLES
    assert {trap for note in notes for trap in note["traps"]} == TRAPS


def test_absent_share_and_every_element_both_ways(nmr: Any, others: Any) -> None:
    """About 35-45 % of labels are absent, and every element is seen both present and absent."""
    total = absent = 0
    for notes, elements in ((nmr["notes"], NMR_ELEMENTS), (others["notes"], OTHER_ELEMENTS)):
        for element in elements:
            misses = sum(element in note["absent"] for note in notes)
            assert 0 < misses < len(notes), element
        total += len(notes) * len(elements)
        absent += sum(len(note["absent"]) for note in notes)
    assert 0.35 <= absent / total <= 0.45
