"""FHIR R4B Claim in: a Bundle of Claims maps to the same visits as the 837 (minutes from the item extension);
without minutes the rest is checked and the skipped checks named; a Claim that does not validate is reported with
its FHIR path while the others are checked."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
import yaml

import kb
from kb.check.result import VisitError
from kb.claims import ClaimSource
from kb.claims.fhir import MINUTES_EXTENSION, read_claims
from kb.cli import main
from kb.extras import MissingExtra
from kb.problems import InputError

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).parent / "fixtures"
BUNDLE = FIXTURES / "fhir" / "claims.bundle.json"
PAYERS = FIXTURES / "x12" / "payers.csv"


@pytest.fixture(scope="module")
def k() -> kb.KnowledgeBase:
    return kb.load(ROOT / "policies")


def _expected(k) -> dict[str, object]:
    visits = yaml.safe_load((FIXTURES / "x12" / "professional.visits.yaml").read_text())
    return {r.claim_id: r for r in k.check_many(visits)}


def test_fhir_claims_give_the_same_findings_as_the_visit_dicts(k):
    expected = _expected(k)
    results = list(k.check_many(ClaimSource(BUNDLE, payer_map=PAYERS)))
    assert [r.claim_id for r in results] == ["CLM1001", "CLM1002", "CLM1003", "CLM1004"]
    for r in results[1:]:  # minutes in the item extension
        assert r.to_dict() == expected[r.claim_id].to_dict()
    first = results[0]  # no minutes: every check but the unit count
    assert first.skipped == ("units",) and first.rules == expected["CLM1001"].rules - {"units.mismatch"}


def test_mapping_of_payer_provider_place_and_lines():
    claims = list(read_claims(BUNDLE))
    c = claims[2]
    assert (c.claim_id, c.kind, c.payer_name, c.payer_id, c.state, c.billing_npi, c.rendering) == (
        "CLM1003", "FHIR", "MEDICARE PART B", "15202", "OH", "1000000012", "1000000038")
    (line,) = c.lines
    assert (line.number, line.code, line.modifiers, line.units, line.minutes, line.minutes_from,
            line.place_of_service) == (1, "97112", ("GP",), 5, 75, "extension", "11")


def test_minutes_as_a_quantity_in_minutes_and_an_invalid_claim(k):
    bundle = json.loads(BUNDLE.read_text())
    item = bundle["entry"][0]["resource"]["item"][0]
    item["quantity"] = {"value": 24, "system": "http://unitsofmeasure.org", "code": "min"}
    bundle["entry"][1]["resource"]["item"][0]["sequence"] = "first"  # not a positive integer
    bundle["entry"][2]["resource"]["item"][0]["extension"] = [{"url": MINUTES_EXTENSION,
                                                                "valueQuantity": {"value": 2, "code": "h"}}]
    claims = list(read_claims(bundle, minutes=None))
    assert (claims[0].lines[0].minutes, claims[0].lines[0].units, claims[0].lines[0].minutes_from) == (
        24, None, "quantity")
    assert claims[1].problems and "item.0.sequence" in claims[1].problems[0]
    assert "not minutes" in claims[2].problems[0]
    results = [v for c in claims for v in c.visits()]
    assert sum(isinstance(r, VisitError) for r in results) == 4  # 2 bad claims, 2 without a payer map


def test_kb_check_reads_a_fhir_bundle(capsys):
    code = main(["check", str(BUNDLE), "--payer-map", str(PAYERS), "--json"])
    out = json.loads(capsys.readouterr().out)
    assert code == 1 and len(out["results"]) == 4
    assert out["results"][0]["skipped"] == ["units"]


def test_not_a_claim_and_a_missing_extra(monkeypatch, tmp_path):
    with pytest.raises(InputError, match="not Patient"):
        list(read_claims({"resourceType": "Patient"}))
    with pytest.raises(InputError, match="not valid JSON"):
        list(read_claims("{nope"))
    monkeypatch.setitem(sys.modules, "fhir.resources", None)  # as if the [fhir] extra were not installed
    with pytest.raises(MissingExtra, match=r"payer-policy-kb\[fhir\]"):
        list(read_claims(BUNDLE))


def test_k_check_takes_a_claim_file_with_one_visit(k, tmp_path):
    bundle = json.loads(BUNDLE.read_text())
    one = tmp_path / "one.json"
    one.write_text(json.dumps(bundle["entry"][2]["resource"]))  # CLM1003 alone, as a Claim resource
    r = k.check(ClaimSource(one, payer_map=PAYERS))
    assert r.claim_id == "CLM1003" and r.rules == {"mue.exceeded"}
    with pytest.raises(InputError, match="holds 4 visits"):
        k.check(ClaimSource(BUNDLE, payer_map=PAYERS))
    with pytest.raises(InputError, match="not mapped"):
        k.check(one)
