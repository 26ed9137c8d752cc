"""X12 837P/837I in: the synthetic files validate with pyx12's own validator; `kb check` on an 837 gives the same
findings as the equivalent visit dicts (minutes from the sidecar); without minutes it runs every check that does
not need them and names the skipped ones; a bad claim is reported at its segment position and the rest go on."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import pytest
import yaml

import kb
from kb.check import contracts
from kb.check.result import VisitError
from kb.claims import ClaimSource, Minutes, PayerMap
from kb.claims.pyx12_support import validate_x12
from kb.claims.x12 import read_claims
from kb.cli import main
from kb.extras import MissingExtra
from kb.problems import InputError

ROOT = Path(__file__).resolve().parent.parent
X12 = Path(__file__).parent / "fixtures" / "x12"
PAYERS = X12 / "payers.csv"


@pytest.fixture(scope="module")
def k() -> kb.KnowledgeBase:
    return kb.load(ROOT / "policies")


def _visits(name: str) -> list[dict]:
    return yaml.safe_load((X12 / name).read_text())


def _dicts(results) -> list[dict]:
    return [r.to_dict() for r in results]


@pytest.mark.parametrize("name", ["professional.837", "institutional.837", "medicare.835", "uhc.835"])
def test_synthetic_files_pass_pyx12s_validator(name):
    assert validate_x12((X12 / name).read_text()) == []


def test_the_broken_file_fails_the_validator_at_the_segments_concerned():
    problems = validate_x12((X12 / "broken.837").read_text())
    assert [(p.position, p.segment) for p in problems] == [(65, "SV104"), (66, "DTP03")]


def test_837p_with_minutes_sidecar_gives_the_same_findings_as_the_visit_dicts(k):
    from_x12 = _dicts(k.check_many(ClaimSource(X12 / "professional.837", payer_map=PAYERS)))
    from_dicts = _dicts(k.check_many(_visits("professional.visits.yaml")))
    assert from_x12 == from_dicts
    assert {f["rule"] for r in from_x12 for f in r["findings"]} == {
        "ptp.modifier-required", "mue.exceeded", "modifier.distinct-unsupported", "modifier.discipline-missing",
        "units.mismatch"}


def test_837i_with_minutes_sidecar_gives_the_same_findings_as_the_visit_dicts(k):
    from_x12 = _dicts(k.check_many(Path(X12 / "institutional.837")))  # the sidecar is found beside the file
    assert from_x12 == _dicts(k.check_many(_visits("institutional.visits.yaml")))
    assert [r["plan_of_care"] for r in from_x12] == ["PT", "PT", "PT"]  # from revenue code 0420


def test_without_minutes_every_check_that_does_not_need_them_runs_and_the_skipped_are_named(k, tmp_path):
    alone = tmp_path / "professional.837"  # no sidecar beside it: minutes only where the line note gives them
    shutil.copy(X12 / "professional.837", alone)
    results = list(k.check_many(ClaimSource(alone, payer_map=PAYERS)))
    expected = list(k.check_many(_visits("professional.visits.yaml")))
    assert len(results) == len(expected) == 7
    minute_findings = {"units.mismatch", "time.below-minimum"}
    for got, want in zip(results, expected, strict=True):
        if got.claim_id == "CLM1001":  # its line notes give the minutes (NTE*ADD*MINUTES n): checked in full
            assert got.to_dict() == want.to_dict()
            continue
        assert got.skipped == ("units",)
        assert "not checked without minutes: units" in str(got)
        assert got.rules == want.rules - minute_findings
    assert "units.mismatch" in expected[-1].rules and "units.mismatch" not in results[-1].rules


def test_minutes_from_the_line_note(k, tmp_path):
    alone = tmp_path / "claims.837"
    shutil.copy(X12 / "professional.837", alone)
    claim = next(c for c in read_claims(alone).claims if c.claim_id == "CLM1001")
    assert [(ln.minutes, ln.minutes_from) for ln in claim.lines] == [(24, "note"), (23, "note")]
    sidecar = Minutes.read(X12 / "professional.minutes.csv")
    claim = next(c for c in read_claims(alone, minutes=sidecar).claims if c.claim_id == "CLM1001")
    assert [(ln.minutes, ln.minutes_from) for ln in claim.lines] == [(24, "sidecar"), (23, "sidecar")]


def test_claim_mapping_carries_ids_provider_place_and_lines():
    found = read_claims(X12 / "professional.837", PayerMap.read(PAYERS))
    assert found.kind == "837P" and found.problems == []
    by_id = {c.claim_id: c for c in found.claims}
    c = by_id["CLM1004"]
    assert (c.payer, c.payer_id, c.filing_indicator, c.place_of_service, c.state) == (
        "medicare", "15202", "MB", "11", "OH")
    assert c.rendering and c.billing_npi and c.position
    assert [(ln.number, ln.code, ln.modifiers, ln.units, ln.control_number) for ln in c.lines] == [
        (1, "97110", ("GP", "CQ"), 2, "CLM1004-1"), (2, "97140", ("GP", "59"), 1, "CLM1004-2")]
    assert by_id["CLM1005"].payer == "uhc-commercial"
    assert [v["claim_id"] for v in by_id["CLM1006"].visits()] == ["CLM1006@2026-03-09", "CLM1006@2026-03-11"]


def test_a_bad_claim_is_reported_at_its_segments_and_the_rest_are_checked(k, tmp_path):
    results = list(k.check_many(ClaimSource(X12 / "broken.837", minutes=X12 / "professional.minutes.csv",
                                            payer_map=PAYERS)))
    bad = [r for r in results if isinstance(r, VisitError)]
    assert [b.claim_id for b in bad] == ["CLM1003"]
    assert "X12 segment 65 (SV104)" in bad[0].message and "X12 segment 66 (DTP03)" in bad[0].message
    assert len(results) == 7 and sum(1 for r in results if not isinstance(r, VisitError)) == 6


def test_an_unmapped_payer_is_named_and_does_not_stop_the_file(k):
    results = list(k.check_many(Path(X12 / "professional.837")))  # no payer map: UnitedHealthcare is unknown
    bad = [r for r in results if isinstance(r, VisitError)]
    assert [b.claim_id for b in bad] == ["CLM1005"]
    assert "'UNITEDHEALTHCARE' (payer id 87726) is not mapped" in bad[0].message
    forced = list(k.check_many(ClaimSource(X12 / "professional.837", payer="medicare")))
    assert all(r.payer == "medicare" for r in forced)


def test_kb_check_reads_an_837(capsys):
    code = main(["check", str(X12 / "professional.837"), "--payer-map", str(PAYERS), "--json"])
    out = json.loads(capsys.readouterr().out)
    assert code == 1  # error-severity findings
    assert len(out["results"]) == 7 and out["summary"]["not_checked"] == 0
    assert all(contracts.problems(contracts.RESULT_FILE, r) == [] for r in out["results"])  # the published schema
    ptp = next(r for r in out["results"] if r["claim_id"] == "CLM1002")
    assert ptp["findings"][0]["remittance"]["codes"][0]["carc"] == "236"
    assert main(["check", str(X12 / "broken.837")]) == 2
    assert "CLM1003: NOT CHECKED: X12 segment 65 (SV104)" in capsys.readouterr().out
    assert main(["check", str(X12 / "professional.visits.yaml"), "--payer", "medicare"]) == 2
    assert "apply only to those" in capsys.readouterr().err


def test_bad_sidecars_and_maps_are_clear_input_errors(tmp_path):
    bad = tmp_path / "m.csv"
    bad.write_text("claim_id,line,minutes\nCLM1,1,24\nCLM1,x,3\n")
    with pytest.raises(InputError, match=r"row 3: line must be a whole number"):
        Minutes.read(bad)
    bad.write_text("claim,line,minutes\n")
    with pytest.raises(InputError, match="needs the columns claim_id, line, minutes"):
        Minutes.read(bad)
    assert Minutes.parse('{"CLM1": {"1": 24}}').get("CLM1", 1) == (24, None)
    with pytest.raises(InputError, match="not a knowledge-base payer"):
        PayerMap.parse("87726,nobody\n", "map.csv", known=["medicare"], csv_=True)


def test_not_x12_and_garbage_are_input_errors_not_tracebacks(k, tmp_path):
    with pytest.raises(InputError, match="not X12"):
        read_claims("payer: medicare")
    junk = tmp_path / "junk.837"
    junk.write_text("ISA*00*garbage~GS*HC~")
    results = list(k.check_many(junk))
    assert results and all(isinstance(r, VisitError) for r in results)


def test_a_missing_extra_names_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "pyx12", None)
    with pytest.raises(MissingExtra, match=r"payer-policy-kb\[x12\]"):
        read_claims((X12 / "professional.837").read_text())


def test_problems_go_to_the_claim_whose_loops_hold_them_and_envelope_problems_to_the_file(k, tmp_path):
    text = (X12 / "professional.837").read_text()
    # CLM1003's payer loop (2010BB, before its CLM) is bad: CLM1003 is not checked, CLM1002 before it is
    bad_header = text.replace("NM1*PR*2*MEDICARE PART B*****PI*15202~\nCLM*CLM1003",
                              "NM1*PR*X*MEDICARE PART B*****PI*15202~\nCLM*CLM1003")
    found = read_claims(bad_header)
    assert [(c.claim_id, c.problems[0].split(":")[0]) for c in found.claims if c.problems] == [
        ("CLM1003", "X12 segment 59 (NM102)")]
    # a wrong segment count in SE: the transaction's problem, reported once; every claim is still checked
    wrong_count = text.replace("SE*123*0001", "SE*99*0001")
    assert wrong_count != text
    path = tmp_path / "wrong-count.837"
    path.write_text(wrong_count)
    results = list(k.check_many(ClaimSource(path, minutes=X12 / "professional.minutes.csv", payer_map=PAYERS)))
    envelope = [r for r in results if isinstance(r, VisitError)]
    assert len(envelope) == 1 and envelope[0].claim_id is None and "SE" in envelope[0].message
    assert sum(1 for r in results if not isinstance(r, VisitError)) == 7

