"""Predicted remittance codes (policies/remittance.yaml): every finding id the checker can raise has them, with
sources; payers inherit them along `extends`; findings carry them; the file is validated and linted."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import kb
from kb.check import findings
from kb.compiler import check_tree
from kb.problems import PolicyError

ROOT = Path(__file__).resolve().parent.parent
POLICIES = ROOT / "policies"


@pytest.fixture(scope="module")
def k() -> kb.KnowledgeBase:
    return kb.load(POLICIES)


def test_every_finding_id_has_sourced_remittance_codes_for_every_payer(k):
    declared = findings()
    table = k.remittance_table
    assert sorted(declared) == table.findings(), "remittance.yaml must cover exactly the declared finding ids"
    for payer in k.payers():
        for fid in declared:
            pred = k.remittance(fid, payer)
            assert pred is not None, (fid, payer)
            assert pred.sources and all(s.title and (s.url or s.document) for s in pred.sources), (fid, payer)
            assert pred.evidence in ("primary", "bulletin", "secondary")
            assert pred.notes, (fid, payer)
            assert pred.codes or pred.no_adjustment
            if pred.inferred:  # codes chosen from the X12 definitions alone are never graded as a payer's word
                assert pred.evidence == "secondary", fid
            for codes in pred.codes:
                assert codes.group in ("CO", "PR", "OA", "PI") and codes.carc


def test_errors_that_the_payer_denies_predict_codes(k):
    """A finding the payer rejects at adjudication predicts codes (not 'no adjustment')."""
    expected = {"ptp.modifier-required": ("CO", "236"), "ptp.not-allowed": ("CO", "236"),
                "mue.exceeded": ("CO", "96"), "modifier.kx-missing": ("CO", "119"),
                "modifier.discipline-missing": ("CO", "4"), "documentation.missing-element": ("CO", "50"),
                "code.not-covered": ("CO", "97")}
    for fid, (group, carc) in expected.items():
        first = k.remittance(fid, "medicare").codes[0]
        assert (first.group, first.carc) == (group, carc), fid
    assert "N362" in k.remittance("mue.exceeded", "medicare").codes[0].rarc
    assert "N109" in k.remittance("documentation.missing-element", "medicare").codes[0].rarc
    kx = k.remittance("modifier.kx-missing", "medicare").codes
    assert any(c.group == "PR" and c.carc == "119" and "ABN" in c.when for c in kx)


def test_payers_inherit_and_override(k):
    own = k.remittance("mue.exceeded", "texas-medicaid")
    assert own.declared_for == "texas-medicaid" and own.inferred
    inherited = k.remittance("mue.exceeded", "anthem")
    assert inherited.declared_for == "default"
    assert inherited.codes != own.codes
    with pytest.raises(kb.QueryError):
        k.remittance("mue.exceeded", "no-such-payer")
    assert k.remittance("no.such-finding", "medicare") is None


def test_findings_carry_their_remittance_codes(k):
    r = k.check({"payer": "medicare", "date": "2026-03-03", "lines": [
        {"code": "97150", "minutes": 30, "units": 1, "modifiers": ["GP"]},
        {"code": "97110", "minutes": 30, "units": 2, "modifiers": ["GP"]}]})
    (f,) = r.findings
    assert f.rule == "ptp.modifier-required"
    assert str(f.remittance.codes[0]) == "CO-236"
    assert "remittance: CO-236" in str(f)
    data = f.to_dict()["remittance"]
    assert data["codes"][0] == {"group": "CO", "carc": "236", "rarc": []} and data["sources"]


def _tree(tmp_path: Path) -> Path:
    root = tmp_path / "policies"
    shutil.copytree(POLICIES, root)
    return root


def test_bad_remittance_entries_are_located_problems(tmp_path):
    root = _tree(tmp_path)
    path = root / "remittance.yaml"
    text = path.read_text()
    text = text.replace("finding: modifier.forbidden", "finding: modifier.forbiden", 1)
    text = text.replace("- payer: texas-medicaid", "- payer: texas-medicade", 1)
    text = text.replace("{group: CO, carc: '236'}", "{group: XX, carc: '236'}", 1)
    path.write_text(text)
    with pytest.raises(PolicyError) as err:
        check_tree(root)
    messages = [f"{p.file}:{p.line}: {p.message}" for p in err.value.problems]
    assert any("unknown finding 'modifier.forbiden'" in m for m in messages), messages
    assert any("unknown payer 'texas-medicade'" in m for m in messages), messages
    assert any("'XX' is not one of" in m for m in messages), messages
    assert all("remittance.yaml" in m for m in messages) and len(messages) == 3, messages


def test_a_finding_stated_twice_is_a_problem(tmp_path):
    root = _tree(tmp_path)
    path = root / "remittance.yaml"
    path.write_text(path.read_text().replace("finding: ptp.not-allowed", "finding: ptp.modifier-required", 1))
    with pytest.raises(PolicyError) as err:
        check_tree(root)
    assert [p.message for p in err.value.problems] == [
        next(p.message for p in err.value.problems if "stated twice" in p.message)]
