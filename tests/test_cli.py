"""The kb command: exit codes, text and JSON output, misuse."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from kb.cli import main

MINI = Path(__file__).parent / "fixtures" / "mini"


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "kb", *args], capture_output=True, text=True, check=False)


def test_validate_clean_tree():
    proc = run("validate", str(MINI))
    assert proc.returncode == 0 and proc.stdout == "" and "no problems" in proc.stderr


def test_validate_json(capsys):
    assert main(["validate", str(MINI), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data == {"ok": True, "files": 6, "problems": []}


def test_validate_a_file_checks_its_tree():
    assert run("validate", str(MINI / "payers" / "medicare.yaml")).returncode == 0


def test_units_text_and_json(capsys):
    assert main(["units", "--policies", str(MINI), "--payer", "medicare", "--date", "2026-03-02",
                 "97112=24", "97110=23"]) == 0
    assert "97112 x2, 97110 x1" in capsys.readouterr().out
    assert main(["units", "--policies", str(MINI), "--payer", "commercial-cpt-midpoint", "--date", "2026-03-02",
                 "97112=24", "97110=23", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["units"] == {"97112": 2, "97110": 2} and data["method"] == "cpt-per-code-midpoint"
    assert data["sources"][0]["title"]


def test_show_json(capsys):
    assert main(["show", "97112", "--policies", str(MINI), "--payer", "medicare", "--date", "2026-03-02",
                 "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["code"]["code"] == "97112"
    assert data["payers"]["medicare"]["mue"]["value"] == 4
    assert {"column1": "97150", "column2": "97112"}.items() <= data["payers"]["medicare"]["bundling"][0].items()


@pytest.mark.parametrize("args", [
    ["units", "--payer", "nobody", "97112=20"],
    ["units", "--payer", "medicare", "97112=lots"],
    ["units", "--payer", "medicare", "99999=20"],
    ["units", "--payer", "medicare", "--date", "2026-02-30", "97112=20"],
    ["show", "99999"],
    ["validate", "/no/such/folder"],
    ["frobnicate"],
])
def test_misuse_exits_2_without_a_traceback(args):
    if args[0] in ("units", "show"):
        args = [*args, "--policies", str(MINI)]
    proc = run(*args)
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr and proc.stderr.strip()


def test_policy_problems_exit_1(tmp_path):
    tree = tmp_path / "policies"
    import shutil
    shutil.copytree(MINI, tree)
    (tree / "methods.yaml").write_text("methods: []\n")
    proc = run("units", "--policies", str(tree), "--payer", "medicare", "97112=20")
    assert proc.returncode == 1 and "methods.yaml:1:" in proc.stderr and "Traceback" not in proc.stderr
