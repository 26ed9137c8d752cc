"""The labelling vocabulary of the held-out note sets (corpus/heldoutN/), stated once for their structure tests.

These are the element ids each set's writer labelled against (corpus/README.md, "The rubric"), deliberately not read
from policies/documentation.yaml: the structure tests must not depend on what the matcher is given.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

CORPUS = Path(__file__).resolve().parent.parent / "corpus"

CHECKLIST_97112 = ("technique", "deficit", "diagnosis", "objective-measure", "measure-change", "minutes",
                   "one-on-one", "response", "cueing", "plan-goal")
CHECKLIST_OTHER = ("intervention", "minutes", "skilled-input", "response", "plan-goal")
OTHER_CODES = frozenset({"97110", "97140", "97530", "97116", "97535", "97032", "97035", "97760"})
STYLES = frozenset({"prose", "soap", "shorthand", "template"})
TRAPS = frozenset({"negation", "hypothetical", "near-miss", "shorthand", "template", "group"})
NOTE_KEYS = frozenset({"id", "style", "traps", "text", "present", "absent"})


def load_set(folder: str, name: str) -> dict[str, Any]:
    """One file of a labelled set (corpus/<folder>/<name>), read strictly: a duplicate key (a note pasted over
    another's first line) is an error, not a silent overwrite."""
    data = YAML(typ="safe", pure=True).load((CORPUS / folder / name).read_text(encoding="utf-8"))
    assert isinstance(data, dict), f"{folder}/{name}: top level must be a mapping"
    return data  # type: ignore[no-any-return]


def set_file(folder: str, name: str) -> Any:
    """A module-scoped fixture holding one file of a labelled set (see load_set)."""
    return pytest.fixture(scope="module")(lambda: load_set(folder, name))
