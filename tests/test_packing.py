"""The packed artifact (kb/packing.py): each inherited rule and each cited document stated once in build/kb.json, and
the model loaded from it identical to the model compiled in memory."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

import kb
from kb import artifact
from kb.compiler import compile_tree
from kb.packing import pack, unpack
from kb.paths import shipped_policies

FIXTURES = Path(__file__).parent / "fixtures"
SCHEMA = json.loads((Path(__file__).parent.parent / "schema" / "artifact.schema.json").read_text())


@pytest.fixture(scope="module")
def shipped(tmp_path_factory) -> tuple[dict, Path]:
    """The shipped policies compiled in memory, and the artifact `kb compile` writes from them."""
    model = compile_tree(shipped_policies())
    target = tmp_path_factory.mktemp("artifact") / "kb.json"
    artifact.write(model, target)
    return model, target


def test_the_loaded_model_is_the_compiled_model_for_every_payer(shipped):
    model, target = shipped
    k = kb.load(target)
    assert k.origin == "artifact" and k.content_hash == model["content_hash"]
    # equal, and in the same key order (the checker's wording follows the order of e.g. by_plan_of_care)
    assert json.dumps(k.model, ensure_ascii=False) == json.dumps(model, ensure_ascii=False)
    assert k.payers() == sorted(model["payers"])
    for payer in model["payers"]:
        assert k.payer_rules(payer).data == model["payers"][payer], payer


def test_each_inherited_rule_and_cited_document_is_stated_once(shipped):
    model, target = shipped
    packed = json.loads(target.read_text())
    Draft202012Validator(SCHEMA).validate(packed)
    children = [p for p, data in model["payers"].items() if data.get("extends")]
    assert len(children) >= 10
    for payer in children:
        parent = model["payers"][model["payers"][payer]["extends"]]["rules"]
        own = sum(not r["inherited"] for items in model["payers"][payer]["rules"].values() for r in items)
        stated = 0
        for section, items in packed["payers"][payer]["rules"].items():
            at = 0  # position in the expanded list
            for r in items:
                if isinstance(r, list):
                    at += r[1] - r[0]
                    continue
                stated += 1
                rule = model["payers"][payer]["rules"][section][at]
                at += 1
                # a rule written out in full is the payer's own, or differs from every rule of its parent
                assert not rule["inherited"] or all({**rule, "inherited": p["inherited"]} != p
                                                    for p in parent[section]), (payer, rule["key"])
            assert at == len(model["payers"][payer]["rules"][section])
        assert stated <= own + 60, payer  # a few inherited rules change (a checklist); not hundreds
    cited = [s for data in packed["payers"].values() for items in data["rules"].values() for r in items
             if isinstance(r, dict) for s in r["sources"]]
    assert cited and all("title" not in s for s in cited if "doc" in s)
    size = target.stat().st_size
    expanded = len(json.dumps(model, indent=1, ensure_ascii=False))
    assert size * 8 < expanded, (size, expanded)


def test_unpacking_a_packed_model_gives_it_back_and_packing_twice_changes_nothing(shipped):
    model, _ = shipped
    packed = pack(model)
    assert json.dumps(unpack(packed)) == json.dumps(model)
    assert pack(packed) == packed
    # a payer whose inherited rule differs from its parent's keeps that rule in full
    changed = json.loads(json.dumps(model))
    changed["payers"]["aetna"]["rules"]["ptp_edits"][5]["notes"] = "changed here only"
    assert json.dumps(unpack(pack(changed))) == json.dumps(changed)
    assert sum(isinstance(r, dict) for r in pack(changed)["payers"]["aetna"]["rules"]["ptp_edits"]) == \
        sum(isinstance(r, dict) for r in packed["payers"]["aetna"]["rules"]["ptp_edits"]) + 1


def test_a_payer_two_levels_down_is_packed_against_its_expanded_parent(tmp_path):
    tree = tmp_path / "policies"
    shutil.copytree(FIXTURES / "check", tree)
    (tree / "payers" / "checkpay-grandchild.yaml").write_text(
        "# yaml-language-server: $schema=../../../../schema/payer.schema.json\n"
        "id: checkpay-grandchild\nname: Check fixture grandchild\nkind: generic\nextends: checkpay-late\n"
        "summary: Synthetic payer two levels below checkpay (not a real payer's rules).\n", encoding="utf-8")
    model = compile_tree(tree)
    assert model["payers"]["checkpay-grandchild"]["lineage"] == ["checkpay-grandchild", "checkpay-late", "checkpay"]
    target = tmp_path / "kb.json"
    artifact.write(model, target)
    packed = json.loads(target.read_text())
    assert not any(isinstance(r, dict) for items in packed["payers"]["checkpay-grandchild"]["rules"].values()
                   for r in items)  # it states nothing of its own: every rule is a reference
    assert json.dumps(kb.load(target).model) == json.dumps(model)


@pytest.mark.parametrize(("damage", "why"), [
    (lambda p: p["payers"]["checkpay-late"]["rules"]["ptp_edits"].append([0, 10**6]), "positions"),
    (lambda p: p["payers"]["checkpay-late"]["rules"]["ptp_edits"].append([3, 1]), "positions"),
    (lambda p: p["payers"]["checkpay-late"]["rules"]["ptp_edits"].append([0.5, 1]), "positions"),
    (lambda p: p["payers"]["checkpay-late"].update(extends="nobody"), "not a payer it can inherit from"),
    (lambda p: p["payers"]["checkpay"]["rules"]["mues"].append([0, 1]), "not a payer it can inherit from"),
    (lambda p: p["payers"]["checkpay"]["rules"]["mues"][0]["sources"].append({"doc": "nowhere"}), "document"),
])
def test_a_crafted_artifact_whose_references_do_not_resolve_is_an_error(tmp_path, damage, why):
    target = tmp_path / "kb.json"
    artifact.write(compile_tree(FIXTURES / "check"), target)
    packed = json.loads(target.read_text())
    assert any(isinstance(r, list) for r in packed["payers"]["checkpay-late"]["rules"]["ptp_edits"])
    damage(packed)
    packed["content_hash"] = artifact.packed_hash(packed)  # crafted, hash and all
    target.write_text(json.dumps(packed))
    with pytest.raises(kb.KBError, match=f"not a well-formed compiled knowledge base .*{why}"):
        kb.load(target)


def test_a_cycle_of_references_is_an_error(tmp_path):
    target = tmp_path / "kb.json"
    artifact.write(compile_tree(FIXTURES / "check"), target)
    packed = json.loads(target.read_text())
    packed["payers"]["checkpay"]["extends"] = "checkpay-late"
    packed["payers"]["checkpay"]["rules"]["ptp_edits"].append([0, 1])
    packed["content_hash"] = artifact.packed_hash(packed)
    target.write_text(json.dumps(packed))
    with pytest.raises(kb.KBError, match="not a payer it can inherit from"):
        kb.load(target)
