"""Bad input gets a clear InputError naming the field, never a traceback; batches go on past a bad visit."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import kb
from kb.check import CheckResult, VisitError, read_csv

CHECK = Path(__file__).parent / "fixtures" / "check"
GOOD = {"payer": "checkpay", "date": "2026-03-02", "plan_of_care": "PT",
        "lines": [{"code": "97110", "minutes": 30, "modifiers": ["GP"]}]}


@pytest.fixture(scope="module")
def k() -> kb.KnowledgeBase:
    return kb.load(CHECK)


def with_line(**changes) -> dict:
    return {**GOOD, "lines": [{**GOOD["lines"][0], **changes}]}


def without_line_field(name: str) -> dict:
    return {**GOOD, "lines": [{k: v for k, v in GOOD["lines"][0].items() if k != name}]}


BAD = [
    ({**GOOD, "payer": "nobody"}, "payer", "unknown payer 'nobody'"),
    ({k: v for k, v in GOOD.items() if k != "payer"}, "payer", "missing"),
    ({**GOOD, "payer": 7}, "payer", "payer id"),
    ({k: v for k, v in GOOD.items() if k != "date"}, "date", "missing"),
    ({**GOOD, "date": "2026-13-01"}, "date", "not a date"),
    ({**GOOD, "date": "yesterday"}, "date", "YYYY-MM-DD"),
    ({**GOOD, "date": 20260302}, "date", "not a date"),
    ({**GOOD, "plan_of_care": "PTA"}, "plan_of_care", "PT, OT or SLP"),
    ({**GOOD, "state": "Ohio"}, "state", "two-letter"),
    ({**GOOD, "ytd_allowed": -5}, "ytd_allowed", "negative"),
    ({**GOOD, "ytd_allowed": "lots"}, "ytd_allowed", "dollar amount"),
    ({**GOOD, "note": 42}, "note", "text of the visit note"),
    ({k: v for k, v in GOOD.items() if k != "lines"}, "lines", "missing"),
    ({**GOOD, "lines": []}, "lines", "non-empty"),
    ({**GOOD, "lines": "97110"}, "lines", "non-empty"),
    ({**GOOD, "lines": ["97110"]}, "lines[0]", "mapping"),
    ({**GOOD, "lines": [{"code": "97110", "minutes": 800}, {"code": "97112", "minutes": 800}]}, "lines", "a day"),
    ({**GOOD, "patient": "x"}, "patient", "unknown field 'patient'"),
    (without_line_field("code"), "lines[0].code", "missing"),
    (with_line(code="hello"), "lines[0].code", "not a CPT or HCPCS code"),
    (with_line(minutes=-5), "lines[0].minutes", "negative"),
    (with_line(minutes=2000), "lines[0].minutes", "not plausible"),
    (with_line(minutes="thirty"), "lines[0].minutes", "whole number"),
    (with_line(minutes=True), "lines[0].minutes", "whole number"),
    (with_line(minutes=12.5), "lines[0].minutes", "whole number"),
    (without_line_field("minutes"), "lines[0].minutes", "97110 is a timed code"),
    (with_line(units=-1), "lines[0].units", "negative"),
    (with_line(units=500), "lines[0].units", "not plausible"),
    (with_line(modifiers=["G"]), "lines[0].modifiers", "not a modifier"),
    (with_line(modifiers={"GP": 1}), "lines[0].modifiers", "list"),
    (with_line(assistant_minutes=40), "lines[0].assistant_minutes", "more than the line's 30 minutes"),
    (with_line(allowed=-1.0), "lines[0].allowed", "negative"),
    (with_line(start="09:00"), "lines[0].end", "both start and end"),
    (with_line(start="09:30", end="09:00"), "lines[0].end", "not after start"),
    (with_line(start="9.30", end="10:00"), "lines[0].start", "clock time"),
    (with_line(start="09:00", end="09:20"), "lines[0].minutes", "do not fit"),
    (with_line(minute=30), "lines[0].minute", "unknown field 'minute'"),
]


@pytest.mark.parametrize(("visit", "field", "words"), BAD, ids=[f"{f}:{w}" for _, f, w in BAD])
def test_bad_input_names_the_field(k, visit, field, words):
    with pytest.raises(kb.InputError) as caught:
        k.check(visit)
    assert caught.value.field == field
    assert words in str(caught.value)
    assert str(caught.value).startswith(f"{field}: ")


def test_lenient_forms(k):
    r = k.check({**GOOD, "lines": [{"code": 97110, "minutes": 30.0, "modifiers": "gp; 59"}]})
    assert r.lines[0].code == "97110" and r.lines[0].modifiers == ("GP", "59")
    r = k.check(with_line(minutes=None, start="09:00", end="09:25"))
    assert r.lines[0].minutes == 25 and r.units == {"97110": 2}
    r = k.check({**GOOD, "lines": [{"code": "97110", "minutes": 30, "modifiers": ["GP", 59]}]})
    assert r.lines[0].modifiers == ("GP", "59")


def test_yaml_json_text_and_files(k, tmp_path):
    text = ("payer: checkpay\ndate: 2026-03-02\nplan_of_care: PT\n"
            "lines:\n  - {code: '97110', minutes: 30, modifiers: [GP]}\n")
    assert k.check(text).units == {"97110": 2}
    assert k.check(json.dumps(GOOD)).units == {"97110": 2}
    assert k.check(json.dumps(GOOD).encode()).units == {"97110": 2}
    with pytest.raises(kb.InputError, match="duplicate key 'payer'"):
        k.check('{"payer": "checkpay", "payer": "x", "date": "2026-03-02", "lines": []}')
    with pytest.raises(kb.InputError, match="duplicate key 'payer'"):
        k.check("payer: checkpay\npayer: medicare\n")
    with pytest.raises(kb.InputError, match="YAML syntax error"):
        k.check("payer: [checkpay\n")
    with pytest.raises(kb.InputError, match="check_many"):
        k.check(json.dumps([GOOD, GOOD]))
    one = tmp_path / "visit.yaml"
    one.write_text(text)
    assert k.check(one).units == {"97110": 2}
    with pytest.raises(kb.InputError) as caught:
        k.check(tmp_path / "missing.yaml")
    assert caught.value.field == "file"
    with pytest.raises(kb.InputError, match="mapping"):
        k.check(42)


def test_check_many_goes_on_past_bad_visits(k):
    visits = [{**GOOD, "claim_id": "A"}, {**GOOD, "claim_id": "B", "date": "2026-02-30"}, "not a visit",
              {**GOOD, "claim_id": 7, "payer": "nobody"}, {**GOOD, "claim_id": "E"}]
    results = list(k.check_many(visits))
    assert [type(r).__name__ for r in results] == ["CheckResult", "VisitError", "VisitError", "VisitError",
                                                   "CheckResult"]
    assert (results[1].claim_id, results[1].field, results[1].index) == ("B", "date", 1)
    assert results[2].claim_id is None and results[2].index == 2 and results[2].field == "visit"
    assert results[3].claim_id == "7" and results[3].field == "payer"
    assert str(results[1]).startswith("claim B: NOT CHECKED: date: ")
    assert str(results[2]).startswith("visit #2: NOT CHECKED")
    assert results[1].to_dict() == {"ok": False, "claim_id": "B", "index": 1, "field": "date",
                                    "error": results[1].message}
    assert not results[1].ok and results[0].ok and results[4].claim_id == "E"


def test_check_many_streams(k):
    consumed = []

    def visits():
        for i in range(1000):
            consumed.append(i)
            yield {**GOOD, "claim_id": str(i)}

    stream = k.check_many(visits())
    first = next(stream)
    assert isinstance(first, CheckResult) and first.claim_id == "0" and len(consumed) == 1
    assert sum(1 for _ in stream) == 999


def test_check_many_text_and_single_visit(k):
    assert [r.units for r in k.check_many(json.dumps([GOOD, GOOD]))] == [{"97110": 2}] * 2
    assert len(list(k.check_many(GOOD))) == 1
    with pytest.raises(kb.InputError):
        list(k.check_many(42))


HEADER = ("claim_id,payer,date,plan_of_care,state,ytd_allowed,code,minutes,units,modifiers,assistant_minutes,"
          "allowed,start,end")
CSV = HEADER + """
A1,checkpay,2026-03-02,PT,,2500,97112,20,1,GP,,,,
A1,checkpay,2026-03-02,PT,,2500,97110,18,1,GP 59,,,,
A2,checkpay,2026-03-02,PT,,,97110,30,2,GP;CQ,30,55.10,,
A3,checkpay,2026-03-02,PT,,,97110,thirty,,GP,,,,
A4,checkpay,2026-03-02,PT,,,97110,30,,GP,,,,
A4,checkpay,2026-03-03,PT,,,97112,30,,GP,,,,
A5,checkpay,2026-03-02,OT,,,97150,,,GO,,,09:00,09:30
A5,checkpay,2026-03-02,OT,,,97110,30,,GO,,,09:15,09:45
A2,checkpay,2026-03-02,PT,,,97110,30,2,GP,,,,
"""


def test_csv_batches(k):
    results = list(k.check_many(read_csv(CSV)))
    assert [r.claim_id for r in results] == ["A1", "A2", "A3", "A4", "A5", "A2"]
    a1, a2, a3, a4, a5, again = results
    assert isinstance(a1, CheckResult) and a1.rules == {"units.mismatch", "modifier.distinct-unsupported",
                                                        "modifier.kx-missing"}
    assert a2.rules == set() and a2.lines[0].modifiers == ("GP", "CQ") and a2.lines[0].payment_factor == 0.85
    assert isinstance(a3, VisitError) and a3.field == "lines[0].minutes"
    assert isinstance(a4, VisitError) and "disagree on date" in a4.message and a4.claim_id == "A4"
    assert a5.rules == {"time.group-overlap", "ptp.modifier-required"}
    assert isinstance(again, VisitError) and "not together" in again.message


def test_csv_file_and_bad_headers(k, tmp_path):
    path = tmp_path / "visits.csv"
    path.write_text(CSV, encoding="utf-8")
    assert sum(isinstance(r, CheckResult) for r in k.check_many(path)) == 3
    for header, field in (("claim_id,payer,date,code,colour\n", "colour"), ("claim_id,payer,code\n", "date"),
                          ("", "file")):
        path.write_text(header + "A,checkpay,2026-03-02,97110,red\n" if header else "", encoding="utf-8")
        with pytest.raises(kb.InputError) as caught:
            list(k.check_many(path))
        assert caught.value.field == field
    rows = "claim_id,payer,date,code,minutes,modifiers\n,checkpay,2026-03-02,97110,30,GP\n"
    (only,) = k.check_many(read_csv(rows))
    assert isinstance(only, VisitError) and "claim_id is empty" in only.message
