"""The maintainer's pull request, end to end on a copy of the shipped tree: add a payer, change a threshold, add a
PTP edit (written rule by rule, as a newcomer would), then kb fmt, kb validate and kb diff --format markdown."""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

from kb.cli import main
from kb.compiler import compile_tree

ROOT = Path(__file__).resolve().parent.parent
POLICIES = ROOT / "policies"

ACME = """\
# yaml-language-server: $schema=../../schema/payer.schema.json
id: acme-health
name: Acme Health (commercial)
kind: commercial
extends: medicare
summary: Follows Medicare except that timed codes are counted code by code and four timed units a day are paid.
unit_methods:
  - method: cpt-per-code-midpoint
    daily_cap: 4
    cap_scope: per-provider
    effective_from: 2024-01-01
    sources: [{doc: cms-pub100-04-ch5, section: "§20.2"}]
    evidence: secondary
    notes: A made-up payer for this test.
remove:
  - section: thresholds
    sources: [{doc: cms-pub100-04-ch5, section: "§10.3"}]
    evidence: secondary
examples:
  - id: per-code-24-23
    title: 24 + 23 minutes, counted code by code
    date: 2026-03-02
    visit: {plan_of_care: PT, lines: [{code: "97112", minutes: 24}, {code: "97110", minutes: 23}]}
    expect: {units: {"97112": 2, "97110": 2}}
    sources: [{doc: cms-pub100-04-ch5, section: "§20.2"}]
"""


def _new_pair(tree: Path) -> tuple[str, str]:
    model = compile_tree(tree)
    taken = {r["key"] for r in model["payers"]["medicare"]["rules"]["ptp_edits"]}
    codes = sorted(c for c, e in model["codes"].items() if e["timed"])
    return next((a, b) for a in codes for b in codes if a != b and f"{a}/{b}" not in taken)


def test_a_first_pull_request(tmp_path, capsys):
    tree = tmp_path / "policies"
    shutil.copytree(POLICIES, tree)
    (tree / "payers" / "acme-health.yaml").write_text(ACME)
    medicare = tree / "payers" / "medicare.yaml"
    text = medicare.read_text()
    assert text.count("amounts: {PT-SLP: 2480, OT: 2480}") == 1
    text = text.replace("amounts: {PT-SLP: 2480, OT: 2480}", "amounts: {PT-SLP: 2490, OT: 2480}")
    col1, col2 = _new_pair(tree)
    rule = textwrap.indent(textwrap.dedent(f"""\
        - column1: "{col1}"
          column2: "{col2}"
          modifier_indicator: 1
          effective_from: 2026-01-01
          sources: [{{doc: ncci-manual-2026-ch11, section: "§P"}}]
          evidence: primary
        """), "")
    medicare.write_text(text.replace("ptp_edits:\n", "ptp_edits:\n" + rule, 1))

    assert main(["fmt", str(tree)]) == 0
    assert main(["fmt", "--check", str(tree)]) == 0
    assert main(["validate", str(tree)]) == 0
    capsys.readouterr()
    assert main(["diff", "--before", str(POLICIES), "--policies", str(tree), "--format", "markdown"]) == 1
    comment = capsys.readouterr().out
    lines = comment.strip().splitlines()
    assert lines[0] == f"**Knowledge base:** 3 changes since `{POLICIES}`."
    rows = [line for line in lines if line.startswith("| ") and not line.startswith("| |")]
    assert len(rows) == 3, comment
    assert any(r.startswith("| + | acme-health | the payer | Acme Health (commercial) (commercial), extends "
                            "medicare<br>units: cpt-per-code-midpoint, daily cap 4 (per-provider), from 2024-01-01")
               for r in rows)
    assert any(r.startswith("| + | medicare + ") and f"ptp_edits {col1}/{col2} from 2026-01-01 | inherited by " in r
               for r in rows), rows
    assert any(r.startswith("| ~ | medicare") and "thresholds KX/PT-SLP/2026" in r and "amount: 2480 → 2490" in r
               for r in rows), rows
    assert len(comment) < 4000  # short enough to read in a pull request
