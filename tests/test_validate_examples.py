"""`kb validate` runs every worked example: a wrong expectation is a located problem, not a pytest-only failure."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from kb.cli import main

FIXTURES = Path(__file__).parent / "fixtures"


def _tree(tmp_path: Path, name: str, old: str, new: str, payer: str) -> Path:
    tree = tmp_path / "policies"
    shutil.copytree(FIXTURES / name, tree)
    path = tree / "payers" / f"{payer}.yaml"
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))
    return tree


def _line_of(path: Path, text: str) -> int:
    return next(i for i, line in enumerate(path.read_text().splitlines(), 1) if text in line)


def test_a_wrong_unit_expectation_fails_validate_at_its_line(tmp_path, capsys, monkeypatch):
    tree = _tree(tmp_path, "mini", 'expect: {units: {"97112": 2, "97110": 1}}',
                 'expect: {units: {"97112": 2, "97110": 2}}', "medicare")
    monkeypatch.chdir(tmp_path)
    assert main(["validate", "policies"]) == 1
    out = capsys.readouterr().out
    line = _line_of(tree / "payers" / "medicare.yaml", '"97110": 2}}')
    assert out == (f"policies/payers/medicare.yaml:{line}:21: examples[0]: cms-example-1: expected units "
                   "{97112: 2, 97110: 2}, got {97112: 2, 97110: 1}\n")


def test_a_wrong_findings_expectation_names_what_differs(tmp_path, capsys, monkeypatch):
    tree = _tree(tmp_path, "check", 'expect: {units: {"97112": 2, "97110": 1}, findings: []}',
                 'expect: {units: {"97112": 2, "97110": 1}, findings: [units.over-mue]}', "checkpay")
    monkeypatch.chdir(tmp_path)
    assert main(["validate", "policies", "--json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert [p["path"] for p in report["problems"]] == [report["problems"][0]["path"]]
    problem = report["problems"][0]
    assert problem["path"].startswith("examples[") and problem["line"] == _line_of(
        tree / "payers" / "checkpay.yaml", "findings: [units.over-mue]")
    assert problem["message"].endswith("expected findings [units.over-mue], got [] (missing units.over-mue)")


def test_the_shipped_examples_all_hold_and_can_be_skipped(capsys):
    root = Path(__file__).resolve().parent.parent / "policies"
    assert main(["validate", str(root)]) == 0
    assert main(["validate", str(root), "--no-examples"]) == 0
