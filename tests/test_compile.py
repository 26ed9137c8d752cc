"""The compiled artifact: deterministic, documented, fresh-or-recompiled."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from jsonschema import Draft202012Validator

import kb
from kb import artifact
from kb.cli import main
from kb.compiler import compile_tree

MINI = Path(__file__).parent / "fixtures" / "mini"


def test_compiling_twice_gives_identical_bytes(tmp_path):
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    assert main(["compile", "--policies", str(MINI), "-o", str(a)]) == 0
    assert main(["compile", "--policies", str(MINI), "-o", str(b)]) == 0
    assert a.read_bytes() == b.read_bytes()


def test_artifact_matches_its_published_schema(tmp_path):
    model = compile_tree(MINI)
    schema = json.loads((Path(__file__).parent.parent / "schema" / "artifact.schema.json").read_text())
    Draft202012Validator(schema).validate(json.loads(artifact.dumps(model)))
    assert model["content_hash"].startswith("sha256:") and model["format_version"] == 2


def test_load_uses_a_fresh_artifact_and_recompiles_a_stale_one(tmp_path):
    tree = tmp_path / "policies"
    shutil.copytree(MINI, tree)
    assert kb.load(tree).origin == "compiled"  # no artifact yet
    assert main(["compile", "--policies", str(tree)]) == 0
    assert (tmp_path / "build" / "kb.json").is_file()
    fresh = kb.load(tree)
    assert fresh.origin == "artifact"
    med = tree / "payers" / "medicare.yaml"
    med.write_text(med.read_text().replace("name: Medicare Part B", "name: Medicare Part B (edited)"))
    stale = kb.load(tree)
    assert stale.origin == "compiled" and stale.payer("medicare").name == "Medicare Part B (edited)"
    assert stale.content_hash != fresh.content_hash


def test_load_reads_an_artifact_file_directly(tmp_path):
    target = tmp_path / "kb.json"
    main(["compile", "--policies", str(MINI), "-o", str(target)])
    k = kb.load(target)
    assert k.origin == "artifact" and k.payer("medicare").units({"97112": 24, "97110": 23}) == {"97112": 2, "97110": 1}


def test_the_hash_changes_with_content_only(tmp_path):
    first = compile_tree(MINI)
    tree = tmp_path / "policies"
    shutil.copytree(MINI, tree)
    assert compile_tree(tree)["content_hash"] == first["content_hash"]  # the folder's location does not matter
    codes = tree / "codes.yaml"
    codes.write_text(codes.read_text().replace("Manual therapy techniques", "Manual therapy and mobilisation"))
    assert compile_tree(tree)["content_hash"] != first["content_hash"]
