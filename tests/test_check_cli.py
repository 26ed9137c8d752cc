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


FIXTURES = Path(__file__).parent / "fixtures"
CLAIM_FILES = [  # (claim file, options): an X12 837P with its minutes sidecar, a FHIR Bundle
    (FIXTURES / "x12" / "professional.837", ["--minutes", str(FIXTURES / "x12" / "professional.minutes.csv")]),
    (FIXTURES / "fhir" / "claims.bundle.json", []),
]


@pytest.mark.parametrize(("claims", "options"), CLAIM_FILES, ids=["x12", "fhir"])
def test_stdin_takes_claims_as_the_file_path_does(monkeypatch, capsys, claims, options):
    """`kb check -` tells an X12 837 or a FHIR Claim from its content, as `kb check FILE` does: the same report."""
    options = [*options, "--payer-map", str(FIXTURES / "x12" / "payers.csv"), "--json"]
    code = main(["check", str(claims), *options])
    from_file = json.loads(capsys.readouterr().out)
    monkeypatch.setattr(sys, "stdin", io.StringIO(claims.read_text(encoding="utf-8")))
    assert main(["check", "-", *options]) == code
    from_stdin = json.loads(capsys.readouterr().out)
    for report in (from_file, from_stdin):
        report["summary"].pop("seconds", None)
    assert from_stdin["results"] == from_file["results"] and len(from_file["results"]) >= 4
    assert from_stdin["summary"] == from_file["summary"] and from_file["summary"]["not_checked"] == 0


def test_input_format_says_what_the_input_holds(monkeypatch, tmp_path, capsys):
    monkeypatch.setattr(sys, "stdin", io.StringIO(BATCH))  # CSV, read as such when told
    assert main(["check", "-", "--policies", str(CHECK), "--input-format", "csv"]) == 2
    assert "claim A2" in capsys.readouterr().out
    rows = tmp_path / "visits.txt"  # no .csv suffix: CSV only when told
    rows.write_text("\n".join(BATCH.splitlines()[:3]) + "\n", encoding="utf-8")
    assert main(["check", str(rows), "--policies", str(CHECK), "--input-format", "csv"]) == 0
    assert "1 visit checked" in capsys.readouterr().out
    monkeypatch.setattr(sys, "stdin", io.StringIO(CLEAN))  # a visit is not an 837, whatever it is called
    assert main(["check", "-", "--policies", str(CHECK), "--input-format", "x12"]) == 2
    assert "not X12: an interchange starts with an ISA segment" in capsys.readouterr().err
    monkeypatch.setattr(sys, "stdin", io.StringIO(CLEAN))  # claim options on visits: misuse
    assert main(["check", "-", "--policies", str(CHECK), "--payer", "checkpay"]) == 2
    assert "standard input is not an X12 837 or FHIR Claim" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exc:  # argparse: not a format
        main(["check", str(rows), "--input-format", "tsv"])
    assert exc.value.code == 2 and "invalid choice: 'tsv'" in capsys.readouterr().err


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
