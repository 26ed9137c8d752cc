"""`kb check FILE`: report, --json, CSV batches, stdin, exit codes 0 / 1 / 2."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from kb.cli import main

CHECK = Path(__file__).parent / "fixtures" / "check"
CLEAN = """payer: checkpay
date: 2026-03-02
plan_of_care: PT
lines:
  - {code: "97112", minutes: 24, units: 2, modifiers: [GP]}
  - {code: "97110", minutes: 23, units: 1, modifiers: [GP]}
"""
DENIED = CLEAN.replace("[GP]}\n", "[GP, KX]}\n", 1).replace("units: 1", "units: 2") + "ytd_allowed: 1200\n"
BATCH = """claim_id,payer,date,plan_of_care,code,minutes,units,modifiers
A1,checkpay,2026-03-02,PT,97112,20,2,GP
A1,checkpay,2026-03-02,PT,97110,18,1,GP
A2,checkpay,2026-03-02,PT,97150,,1,GP
A2,checkpay,2026-03-02,PT,97110,30,2,GP
A3,checkpay,2026-03-02,PT,97110,-4,,GP
"""


def check(tmp_path: Path, name: str, text: str, *extra: str) -> int:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return main(["check", str(path), "--policies", str(CHECK), *extra])


def test_clean_visit_exits_0(tmp_path, capsys):
    assert check(tmp_path, "v.yaml", CLEAN) == 0
    out = capsys.readouterr().out
    assert "visit · checkpay · 2026-03-02 · PT plan of care" in out and "no findings" in out
    assert "1 visit checked: 0 with errors, 0 with warnings only, 1 clean, 0 not checked" in out


def test_error_finding_exits_1(tmp_path, capsys):
    assert check(tmp_path, "v.yaml", DENIED) == 1
    out = capsys.readouterr().out
    assert "ERROR   units.mismatch [line 1]" in out and "fix: Bill 97110 × 1." in out
    assert "WARNING modifier.kx-unneeded" in out and "source: " in out


def test_json_output(tmp_path, capsys):
    assert check(tmp_path, "v.json", json.dumps([{**_yaml(CLEAN), "claim_id": "X"}]), "--json") == 0
    data = json.loads(capsys.readouterr().out)
    assert data["summary"] == {"visits": 1, "with_errors": 0, "with_warnings": 0, "clean": 1, "not_checked": 0,
                               "findings": 0}
    (result,) = data["results"]
    assert result["claim_id"] == "X" and result["ok"] and [ln["units"] for ln in result["lines"]] == [2, 1]


def test_csv_batch_with_a_bad_visit_exits_2_and_reports_the_rest(tmp_path, capsys):
    assert check(tmp_path, "b.csv", BATCH, "--json") == 2
    data = json.loads(capsys.readouterr().out)
    assert data["summary"]["visits"] == 3 and data["summary"]["not_checked"] == 1
    a1, a2, a3 = data["results"]
    assert a1["findings"] == [] and {f["rule"] for f in a2["findings"]} == {"ptp.modifier-required"}
    assert a3 == {"ok": False, "claim_id": "A3", "index": 2, "field": "lines[0].minutes",
                  "error": "lines[0].minutes: must not be negative (-4)"}
    assert check(tmp_path, "b.csv", BATCH, "--problems-only") == 2
    out = capsys.readouterr().out
    assert "claim A1" not in out and "claim A2" in out and "claim A3: NOT CHECKED" in out


def test_batch_without_bad_visits_exits_1_on_errors(tmp_path):
    assert check(tmp_path, "b.csv", "\n".join(BATCH.splitlines()[:5]) + "\n") == 1


def test_stdin(monkeypatch, capsys):
    monkeypatch.setattr(sys, "stdin", io.StringIO(BATCH))
    assert main(["check", "-", "--policies", str(CHECK)]) == 2
    assert "claim A2" in capsys.readouterr().out
    monkeypatch.setattr(sys, "stdin", io.StringIO(CLEAN))
    assert main(["check", "-", "--policies", str(CHECK)]) == 0


@pytest.mark.parametrize(("name", "text", "words"), [
    ("v.yaml", "payer: [checkpay\n", "YAML syntax error"),
    ("v.yaml", CLEAN.replace("date: 2026-03-02", "date: 2026-02-30"), "date: "),
    ("v.yaml", CLEAN.replace("checkpay", "nobody"), "unknown payer 'nobody'"),
    ("v.csv", "claim_id,payer,colour\n", "unknown CSV column 'colour'"),
    ("v.json", '{"payer": "checkpay", "payer": "x"}', "duplicate key"),
])
def test_unreadable_input_exits_2(tmp_path, capsys, name, text, words):
    assert check(tmp_path, name, text) == 2
    captured = capsys.readouterr()
    assert words in captured.out + captured.err
    assert "Traceback" not in captured.out + captured.err


def test_missing_file_and_misuse():
    proc = subprocess.run([sys.executable, "-m", "kb", "check", "no/such/file.yaml", "--policies", str(CHECK)],
                          capture_output=True, text=True, check=False)
    assert proc.returncode == 2 and "no such file" in proc.stderr and "Traceback" not in proc.stderr
    proc = subprocess.run([sys.executable, "-m", "kb", "check"], capture_output=True, text=True, check=False)
    assert proc.returncode == 2 and "FILE" in proc.stderr


def _yaml(text: str) -> dict:
    from kb.check.inputs import parse_text

    return parse_text(text)
