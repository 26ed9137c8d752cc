"""kb diff: what a policy change does, in billing terms."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from kb.cli import main

MINI = Path(__file__).parent / "fixtures" / "mini"


def changed_tree(tmp_path: Path) -> Path:
    tree = tmp_path / "after"
    shutil.copytree(MINI, tree)
    med = tree / "payers" / "medicare.yaml"
    text = med.read_text()
    text = text.replace('{column1: "97150", column2: "97110", modifier_indicator: 1',
                        '{column1: "97150", column2: "97110", modifier_indicator: 0')
    text = text.replace("method: cms-total-time", "method: whole-units")
    med.write_text(text)
    return tree


def test_diff_lists_rule_changes_and_moved_answers(tmp_path, capsys):
    after = changed_tree(tmp_path)
    assert main(["diff", "--before", str(MINI), "--policies", str(after)]) == 0
    out = capsys.readouterr().out
    assert "3 changes since" in out
    assert "~ payer medicare: ptp_edits 97150/97110 from 2020-01-01\n      modifier_indicator: 1 -> 0" in out
    assert "~ payer commercial-cpt-midpoint: ptp_edits 97150/97110" in out  # inherited: the change reaches it too
    assert "method: 'cms-total-time' -> 'whole-units'" in out
    moved = "medicare example cms-example-1 (2026-03-02): units {'97112': 2, '97110': 1} -> {'97112': 1, '97110': 1}"
    assert moved in out


def test_diff_json_and_no_change(tmp_path, capsys):
    assert main(["diff", "--before", str(MINI), "--policies", str(MINI), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["changes"] == [] and data["before"] == data["after"]
    assert main(["diff", "--before", str(MINI), "--policies", str(MINI)]) == 0
    assert "no change" in capsys.readouterr().out


def test_diff_against_git_revision(capsys):
    assert main(["diff", "--policies", str(MINI), "--base", "HEAD"]) == 0
    assert "no change in the knowledge base since git HEAD" in capsys.readouterr().out
    assert main(["diff", "--policies", str(MINI), "--base", "no-such-revision"]) == 2
