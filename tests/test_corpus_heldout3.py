"""Structure of the third blind held-out corpus (corpus/heldout3/).

Checks the files' shape and labels' bookkeeping only, never the documentation matcher's output: the set exists to
measure the matcher, so nothing here may depend on it.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent / "corpus" / "heldout3"

from corpus_rubric import CHECKLIST_97112 as NMR_ELEMENTS  # noqa: E402
from corpus_rubric import CHECKLIST_OTHER as OTHER_ELEMENTS  # noqa: E402
from corpus_rubric import NOTE_KEYS, OTHER_CODES, STYLES, TRAPS, set_file  # noqa: E402

nmr = set_file("heldout3", "97112.yaml")
others = set_file("heldout3", "others.yaml")


def _check_note(note: dict[str, Any], elements: list[str], where: str) -> list[str]:
    """Return the problems of one note (empty when it is well formed)."""
    problems = []
    present, absent = note.get("present"), note.get("absent")
    if not isinstance(present, list) or not isinstance(absent, list):
        return [f"{where}: present/absent must be lists"]
    counts = Counter(present + absent)
    for element in elements:
        if counts[element] != 1:
            problems.append(f"{where}: {element} appears {counts[element]} times in present+absent")
    for extra in sorted(set(counts) - set(elements)):
        problems.append(f"{where}: unknown element {extra!r}")
    if note.get("style") not in STYLES:
        problems.append(f"{where}: unknown style {note.get('style')!r}")
    traps = note.get("traps")
    if not isinstance(traps, list) or not set(traps) <= TRAPS or len(set(traps)) != len(traps):
        problems.append(f"{where}: traps {traps!r} must be distinct known traps")
    text = note.get("text")
    if not isinstance(text, str) or not text.strip():
        problems.append(f"{where}: empty text")
    return problems


def test_nmr_file_shape(nmr: dict[str, Any]) -> None:
    assert set(nmr) == {"code", "notes"}
    assert nmr["code"] == "97112"
    notes = nmr["notes"]
    assert len(notes) >= 40
    problems = []
    for i, note in enumerate(notes):
        where = f"97112.yaml note {i} ({note.get('id')})"
        if set(note) != NOTE_KEYS:
            problems.append(f"{where}: keys {sorted(note)}")
        if not re.fullmatch(r"h3-nmr-\d{2}", str(note.get("id"))):
            problems.append(f"{where}: id must look like h3-nmr-NN")
        problems += _check_note(note, NMR_ELEMENTS, where)
    assert problems == []


def test_others_file_shape(others: dict[str, Any]) -> None:
    assert set(others) == {"notes"}
    notes = others["notes"]
    assert len(notes) >= 45
    problems = []
    for i, note in enumerate(notes):
        where = f"others.yaml note {i} ({note.get('id')})"
        if set(note) != NOTE_KEYS | {"code"}:
            problems.append(f"{where}: keys {sorted(note)}")
        if not re.fullmatch(r"h3-tx-\d{2}", str(note.get("id"))):
            problems.append(f"{where}: id must look like h3-tx-NN")
        if note.get("code") not in OTHER_CODES:
            problems.append(f"{where}: code {note.get('code')!r} is not one of the other codes (quoted string)")
        problems += _check_note(note, OTHER_ELEMENTS, where)
    assert problems == []
    assert {note["code"] for note in notes} == OTHER_CODES, "every other code has notes"


def test_ids_and_texts_unique(nmr: dict[str, Any], others: dict[str, Any]) -> None:
    notes = nmr["notes"] + others["notes"]
    ids = Counter(note["id"] for note in notes)
    texts = Counter(" ".join(note["text"].split()) for note in notes)
    assert [i for i, n in ids.items() if n > 1] == []
    assert [t for t, n in texts.items() if n > 1] == []


def test_every_style_and_trap_used(nmr: dict[str, Any], others: dict[str, Any]) -> None:
    notes = nmr["notes"] + others["notes"]
    assert {note["style"] for note in notes} == STYLES
    assert {trap for note in notes for trap in note["traps"]} == TRAPS


def test_absent_share_is_in_range(nmr: dict[str, Any], others: dict[str, Any]) -> None:
    notes = nmr["notes"] + others["notes"]
    absent = sum(len(note["absent"]) for note in notes)
    total = absent + sum(len(note["present"]) for note in notes)
    assert 0.35 <= absent / total <= 0.45
    # Every element must be tested both ways, or a matcher that always answers one way scores perfectly on it.
    for elements, group in ((NMR_ELEMENTS, nmr["notes"]), (OTHER_ELEMENTS, others["notes"])):
        for element in elements:
            states = {element in note["present"] for note in group}
            assert states == {True, False}, element


def test_readme_totals_match_files(nmr: dict[str, Any], others: dict[str, Any]) -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    n_nmr, n_other = len(nmr["notes"]), len(others["notes"])
    e_nmr = sum(len(n["present"]) + len(n["absent"]) for n in nmr["notes"])
    e_other = sum(len(n["present"]) + len(n["absent"]) for n in others["notes"])
    absent = sum(len(n["absent"]) for n in nmr["notes"] + others["notes"])
    assert f"Notes: {n_nmr} (97112) + {n_other} (others) = {n_nmr + n_other}" in readme
    assert f"Elements: {e_nmr} + {e_other} = {e_nmr + e_other}" in readme
    assert f"Absent: {absent} of {e_nmr + e_other}" in readme


def test_readme_styles_match_files(nmr: dict[str, Any], others: dict[str, Any]) -> None:
    readme = " ".join((ROOT / "README.md").read_text(encoding="utf-8").split())

    def styles(notes: list[dict[str, Any]]) -> str:
        counts = Counter(note["style"] for note in notes)
        return ", ".join(f"{style} {counts[style]}" for style in ("prose", "soap", "shorthand", "template"))

    assert f"Styles: 97112 {styles(nmr['notes'])}; others {styles(others['notes'])}." in readme
