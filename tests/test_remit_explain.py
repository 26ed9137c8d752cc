"""835 in, explained: `kb remit explain` names the rule behind each denied line of the synthetic 835, with fix and
sources, confirmed by re-checking the claim; codes the knowledge base cannot explain are listed as such."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import kb
from kb.cli import main
from kb.remit.era import read_remittance

ROOT = Path(__file__).resolve().parent.parent
X12 = Path(__file__).parent / "fixtures" / "x12"


@pytest.fixture(scope="module")
def k() -> kb.KnowledgeBase:
    return kb.load(ROOT / "policies")


def _by_line(explanation) -> dict[str, list[tuple[str, list[tuple[str, bool]]]]]:
    return {ln.line.control_number: [(f"{a.adjustment.group}-{a.adjustment.carc}",
                                      [(r.finding, r.confirmed) for r in a.reasons]) for a in ln.adjustments]
            for ln in explanation.lines}


def test_the_835_is_read_with_its_adjustments_and_remarks():
    remit = read_remittance(X12 / "medicare.835")
    assert (remit.payer_name, remit.payer_id, remit.problems) == ("MEDICARE PART B", "15202", [])
    mue = next(c for c in remit.claims if c.claim_id == "CLM1003")
    (line,) = mue.lines
    assert (mue.status, line.code, line.billed_units, line.units, line.remarks) == ("4", "97112", 5, 0, ("N362",))
    assert [str(a) for a in line.adjustments] == ["CO-96 $250.00"]


@pytest.mark.parametrize("claims", [None, X12 / "professional.837"])
def test_every_denied_line_is_explained_by_the_rule_behind_it(k, claims):
    e = k.explain_remittance(X12 / "medicare.835", claims=claims)
    assert e.payer == "medicare" and e.problems == []
    got = _by_line(e)
    assert got["CLM1002-2"] == [("CO-236", [("ptp.modifier-required", True)])]
    assert got["CLM1003-1"] == [("CO-96", [("mue.exceeded", True)])]
    # a fee-schedule reduction and a duplicate-claim denial: nothing in the knowledge base explains them
    assert got["CLM1001-1"] == [("CO-45", [])] and got["CLM1006-1"] == [("CO-18", [])]
    assert len(e.unexplained) == 3
    assert {ln.checked_from for ln in e.lines} == {"837" if claims else "835"}
    ptp = e.lines[2].adjustments[0].reasons[0]
    assert "59" in ptp.fix and any("ptp" in s.url.lower() for s in ptp.sources if s.url)
    assert ptp.prediction.sources and ptp.basis.startswith("medicare ptp_edits 97150/97110")


def test_a_commercial_payers_835(k):
    e = k.explain_remittance(X12 / "uhc.835", payer_map={"87726": "uhc-commercial"})
    assert _by_line(e) == {"CLM1005-1": [("CO-4", [("modifier.discipline-missing", True)])]}
    assert not e.unexplained
    unmapped = k.explain_remittance(X12 / "uhc.835")
    assert unmapped.payer is None and "not mapped" in unmapped.problems[0]
    possible = _by_line(unmapped)["CLM1005-1"][0][1]  # not re-checked: every CO-4 finding is a possible reason
    assert ("modifier.discipline-missing", False) in possible and not any(confirmed for _, confirmed in possible)


def test_kb_remit_explain(capsys):
    code = main(["remit", "explain", str(X12 / "medicare.835"), "--claims", str(X12 / "professional.837")])
    out = capsys.readouterr().out
    assert code == 1  # some adjustments are not explained
    assert "CO-236 $100.00: ptp.modifier-required (confirmed; re-checked from the 837)" in out
    assert "CO-18 $150.00: NOT EXPLAINED by the knowledge base" in out
    assert main(["remit", "explain", str(X12 / "uhc.835"), "--payer-map", str(X12 / "payers.csv"), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    reason = data["lines"][0]["adjustments"][0]["reasons"][0]
    assert reason["finding"] == "modifier.discipline-missing" and reason["confirmed"] and reason["sources"]
    assert main(["remit", "explain", str(X12 / "professional.837")]) == 2
    assert "not an 835" in capsys.readouterr().err
    assert main(["remit", "explain", str(X12 / "nope.835")]) == 2


def test_a_claim_denied_at_the_claim_level_without_service_lines(k):
    text = (X12 / "medicare.835").read_text()
    start = text.index("CLP*CLM1003")
    end = text.index("CLP*CLM1006")
    claim = text[start:end].split("~\n")
    kept = [s for s in claim if s.startswith(("CLP", "NM1"))]  # drop SVC/DTM/CAS/REF/LQ: claim-level CAS instead
    kept.insert(1, "CAS*CO*96*250.00")
    new = text[:start] + "~\n".join(kept) + "~\n" + text[end:]
    count = new[new.index("ST*835"):].count("~\n") - 2  # ST..SE inclusive (GE and IEA follow)
    new = new.replace(new[new.index("SE*"):new.index("~", new.index("SE*"))], f"SE*{count}*0003")
    e = k.explain_remittance(new)
    assert e.problems == []  # still a valid 835
    line = next(ln for ln in e.lines if ln.claim_id == "CLM1003")
    (adj,) = line.adjustments
    assert str(adj.adjustment) == "CO-96 $250.00" and adj.reasons  # possible explanations from the codes alone
    assert not any(r.confirmed for r in adj.reasons)
