"""Audit class 1: the whole therapy NCCI PTP neighbourhood, with its history.

Source of every expectation below: CMS's Medicare NCCI practitioner PTP table effective 2024-07-01
(https://www.cms.gov/medicare/coding-billing/national-correct-coding-initiative-ncci-edits/medicare-ncci-procedure-procedure-ptp-edits),
read through the public copy in andrewallenbruce/northstar
(inst/extdata/pins/ncci_ptp_prac/20240622T072926Z-12e14/ncci_ptp_prac.qs, commit 24c0036): documents.yaml
`cms-ptp-practitioner-2024q3`. That copy holds 600 rows among the 61 catalogue codes (394 pairs, 232 in force).
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from datetime import date
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
MEDICARE = ROOT / "policies" / "payers" / "medicare.yaml"
CODES = ROOT / "policies" / "codes.yaml"

PT_EVALS = ("97161", "97162", "97163")
OT_EVALS = ("97165", "97166", "97167")


@pytest.fixture(scope="module")
def k():
    kb = pytest.importorskip("kb")
    return kb.load(ROOT / "policies")


def on(k, day: str):
    return k.payer("medicare", as_of=date.fromisoformat(day))


def expanded(path: Path) -> dict:
    """The payer file with its groups written out, one entry per rule (kb/shorthand.py, as the compiler reads it)."""
    from kb.shorthand import catalogue_items, expand_payer

    items = catalogue_items(yaml.safe_load((ROOT / "policies" / "documentation.yaml").read_text(encoding="utf-8")))
    return expand_payer(yaml.safe_load(path.read_text(encoding="utf-8")), items).data


def ptp_rows() -> list[dict]:
    return expanded(MEDICARE)["ptp_edits"]


def test_neighbourhood_size_matches_the_cms_copy():
    """Every row of the 2024-07-01 table between two catalogue codes is encoded: 600 rows, 394 pairs, 232 in force."""
    rows = ptp_rows()
    codes = {c["code"] for c in yaml.safe_load(CODES.read_text(encoding="utf-8"))["codes"]}
    assert all(r["column1"] in codes and r["column2"] in codes for r in rows)
    assert len(rows) >= 600
    assert len({(r["column1"], r["column2"]) for r in rows}) >= 394
    assert sum(1 for r in rows if not r.get("effective_to")) >= 232


def test_rows_of_one_pair_follow_each_other_without_overlap():
    by_pair = defaultdict(list)
    for r in ptp_rows():
        by_pair[(r["column1"], r["column2"])].append(r)
    for pair, rows in by_pair.items():
        rows.sort(key=lambda r: str(r["effective_from"]))
        for a, b in itertools.pairwise(rows):
            assert a.get("effective_to"), pair
            assert str(b["effective_from"]) > str(a["effective_to"]), pair


@pytest.mark.parametrize("ev", OT_EVALS)
@pytest.mark.parametrize("test_code", ["97750", "97755", "97763"])
def test_ot_evaluations_bundle_tests_and_measurements(k, ev, test_code):
    """The audit's first missing class: OT evaluations 97165-97167 with 97750/97755/97763 (indicator 0, in force)."""
    edit = on(k, "2026-03-02").ptp(ev, test_code)
    assert edit is not None and edit.column1 == ev and edit.modifier_indicator == 0


@pytest.mark.parametrize("ev", PT_EVALS)
@pytest.mark.parametrize("test_code", ["97755", "97763"])
def test_pt_evaluations_bundle_97755_and_97763(k, ev, test_code):
    edit = on(k, "2026-03-02").ptp(test_code, ev)
    assert edit is not None and edit.column1 == ev and edit.modifier_indicator == 0


@pytest.mark.parametrize("orthotic", ["97760", "97761"])
@pytest.mark.parametrize("reeval", ["97164", "97168"])
def test_orthotic_training_bundles_the_re_evaluations(k, orthotic, reeval):
    edit = on(k, "2026-03-02").ptp(orthotic, reeval)
    assert edit is not None and edit.column1 == orthotic and edit.modifier_indicator == 1


@pytest.mark.parametrize("service", ["97012", "97035", "97124", "97129", "97130", "97535", "97542", "G0283"])
def test_therapy_services_bundle_the_ot_re_evaluation(k, service):
    edit = on(k, "2026-03-02").ptp(service, "97168")
    assert edit is not None and edit.column2 == "97168" and edit.modifier_indicator == 1


def test_pt_evaluation_97750_indicator_is_zero_in_every_row(k):
    """CMS's table carries indicator 0 for 97161-97164/97750 in all three of its rows (to 2017-12-31, to 2019-12-31,
    and in force): the second look the audit asked for confirms the 0."""
    for ev in ("97161", "97162", "97163", "97164"):
        rows = [r for r in ptp_rows() if (r["column1"], r["column2"]) == (ev, "97750")]
        assert len(rows) == 3 and {r["modifier_indicator"] for r in rows} == {0}
        for day in ("2017-06-01", "2019-06-01", "2026-03-02"):
            assert on(k, day).ptp(ev, "97750").modifier_indicator == 0


def test_chiropractic_edits_apply_by_2015(k):
    """The CMT edits with 97112/97124/97140 were in force by 2015 (Chiropractic Economics on the January 2015
    X modifiers; CMS's table shows a 98940/97112 row that ended 2019-12-31), not only from 2026."""
    for cmt in ("98940", "98941", "98942"):
        for code in ("97112", "97124", "97140"):
            assert on(k, "2016-03-01").ptp(cmt, code).modifier_indicator == 1
            assert on(k, "2026-03-02").ptp(cmt, code).modifier_indicator == 1


def test_history_is_answered_by_date_of_service(k):
    assert on(k, "2019-12-31").ptp("97140", "97530").modifier_indicator == 1
    assert on(k, "2020-01-01").ptp("97140", "97530") is None  # ended 2019-12-31
    assert on(k, "2013-05-01").ptp("97150", "97110").modifier_indicator == 1  # group therapy edit long before 2024
    assert on(k, "2020-10-01").ptp("97530", "97164").modifier_indicator == 9  # the 2020 deletion row never fires
    assert on(k, "2021-01-04").ptp("97530", "97164") is None
    assert on(k, "2026-03-02").ptp("97110", "97112") is None  # never an edit between them


def test_every_ptp_row_names_the_cms_table_and_dates_its_start_honestly():
    for r in ptp_rows():
        assert any(s["doc"] == "cms-ptp-practitioner-2024q3" for s in r["sources"])
        assert r.get("effective_from_basis") in ("assumed", "earliest-evidence")
        assert "effective date is not in our copy" in r["notes"] or "Indicator 9" in r["notes"]


# CMS's Medicare NCCI practitioner MUE table effective 2024-07-01
# (https://www.cms.gov/medicare/coding-billing/national-correct-coding-initiative-ncci-edits/medicare-ncci-medically-unlikely-edits),
# read through andrewallenbruce/northstar inst/extdata/pins/ncci_mue_prac/20240621T043546Z-292b9/ncci_mue_prac.qs;
# the MAI-3 values agree with the 2026-04-01 table (tejitpabari99/hospital-bill-checker src/lib/data/mue.json).
MUE_2024Q3 = {
    "92608": (4, 3), "92605": (0, 3), "98975": (1, 2), "98981": (3, 3), "96125": (2, 3),  # SLP, RTM: 2024 only
    "97010": (0, 3), "97012": (1, 3), "97014": (0, 3), "97035": (2, 3), "97036": (3, 3), "97113": (6, 3),
    "97129": (1, 2), "97130": (7, 3), "97755": (8, 3), "97760": (6, 3), "97763": (6, 3), "97165": (1, 2),
    "97168": (1, 2), "97598": (8, 3), "97610": (1, 2), "92507": (1, 3), "92521": (1, 2), "92610": (1, 2),
    "98940": (1, 2), "98942": (1, 2), "G0283": (1, 3),
}  # fmt: skip


def test_every_catalogue_code_has_its_mue(k):
    catalogue = yaml.safe_load(CODES.read_text(encoding="utf-8"))["codes"]
    day = "2024-07-01"  # the codes in force on the day of the table we read
    codes = [c["code"] for c in catalogue
             if str(c.get("effective_to") or "9999") >= day and str(c.get("effective_from") or "") <= day]
    mues = {m["code"] for m in expanded(MEDICARE)["mues"]}
    assert set(codes) <= mues
    p = on(k, "2026-03-02")
    for code, (value, mai) in MUE_2024Q3.items():
        m = p.mue(code)
        assert (m.value, m.mai) == (value, mai), code


def test_mue_start_is_the_earliest_table_read_not_a_cms_start_date():
    for m in expanded(MEDICARE)["mues"]:
        assert m.get("effective_from_basis") == "earliest-evidence", m["code"]


def test_the_2016_evaluation_codes_keep_their_history(k):
    """97001/97002 (until 2016-12-31) carry CMS's rows too: the PT re-evaluation was bundled into treatment codes
    at indicator 1 and could not be billed with an evaluation (97002/97001, indicator 0)."""
    p = on(k, "2015-06-01")
    assert p.ptp("97110", "97002").modifier_indicator == 1
    assert p.ptp("97002", "97001").modifier_indicator == 0
    assert on(k, "2017-01-02").ptp("97110", "97002") is None
