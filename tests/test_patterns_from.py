"""`patterns_from`: a documentation item takes another item's patterns, and the compiled checklist holds them."""

from __future__ import annotations

from pathlib import Path

import yaml

from kb.fmt import format_text
from kb.shorthand import PATTERN_FIELDS, catalogue_items

ROOT = Path(__file__).resolve().parent.parent


def test_a_borrowing_item_gets_the_targets_patterns_and_keeps_its_own_text():
    data = {"documentation": [
        {"id": "response", "element": "The response", "match": ["tolerat"], "exclude": ["not tolerated"],
         "sections": ["assessment"], "fix": "Say how it went."},
        {"id": "response-97112", "element_id": "response", "element": "The response to NMR",
         "patterns_from": "response", "fix": "Say how the balance work went."},
    ]}
    items = catalogue_items(data)
    variant = items["response-97112"]
    assert "patterns_from" not in variant
    assert {k: variant[k] for k in PATTERN_FIELDS if k in variant} == {
        "match": ["tolerat"], "exclude": ["not tolerated"], "sections": ["assessment"]}
    assert variant["element"] == "The response to NMR" and variant["fix"] == "Say how the balance work went."
    assert items["response"] == data["documentation"][0]


def test_an_unknown_or_chained_target_is_left_for_the_lint():
    data = {"documentation": [
        {"id": "a", "element": "A thing", "match": ["x"]},
        {"id": "b", "element": "B thing", "patterns_from": "a"},
        {"id": "c", "element": "C thing", "patterns_from": "b"},
        {"id": "d", "element": "D thing", "patterns_from": "nowhere"},
    ]}
    items = catalogue_items(data)
    assert items["b"]["match"] == ["x"]
    assert items["c"] == data["documentation"][2] and items["d"] == data["documentation"][3]


def test_the_catalogues_variants_borrow_and_match_like_their_targets():
    raw = yaml.safe_load((ROOT / "policies" / "documentation.yaml").read_text(encoding="utf-8"))
    borrowers = {i["id"]: i["patterns_from"] for i in raw["documentation"] if "patterns_from" in i}
    assert {"response-97112": "response", "plan-goal-97112": "plan-goal"}.items() <= borrowers.items()
    items = catalogue_items(raw)
    for ident, target in borrowers.items():
        for name in PATTERN_FIELDS:
            assert items[ident].get(name) == items[target].get(name), (ident, name)


def test_fmt_puts_patterns_from_after_the_text():
    text = ("# yaml-language-server: $schema=../schema/documentation.schema.json\n"
            "documentation:\n- id: a\n  match: [x]\n  element: A thing\n"
            "- fix: Say it.\n  patterns_from: a\n  element: B thing\n  id: b\n")
    out = format_text(text, "documentation")
    assert out.index("id: b") < out.index("element: B thing") < out.index("patterns_from: a") < out.index("fix:")


def test_migration_keeps_the_borrowing_items_as_authored(tmp_path):
    from shutil import copytree

    from kb.migrate import migrate_tree

    tree = copytree(ROOT / "policies", tmp_path / "policies")
    before = (tree / "documentation.yaml").read_text(encoding="utf-8")
    migrate_tree(tree)
    assert (tree / "documentation.yaml").read_text(encoding="utf-8") == before
    assert "patterns_from: response" in before
    # the checklists stay named by id: every element written out matches a catalogue item with its borrowed patterns
    assert "match:" not in (tree / "payers" / "medicare.yaml").read_text(encoding="utf-8")
