"""Texas Medicaid's PT evaluation limits over several visits, on the shipped policies (issue 8, audit class 6).

Sources: TMPPM 2008, Home Health Services §24.5.8.2 ('PT evaluations are payable once every 180 days for any
provider'; re-evaluations 'one time per month'), http://www.tmhp.com/Manuals//TMPPM/Output/Website%20TMPPM-27-030.html;
TMPPM 2012, Children's Services Handbook §2.3.4.1 ('Evaluations (procedure code 97001) are limited to once every 180
calendar days, any provider. Reevaluations (procedure code 97002) are limited once per 30 calendar days'),
http://www.tmhp.com/Manuals_HTML1/TMPPM/Archive/2012/Vol2_Children's_Services_Handbook.17.026.html.
"""

from __future__ import annotations

from datetime import date

import pytest

import kb


@pytest.fixture(scope="module")
def k() -> kb.KnowledgeBase:
    return kb.load()


def visit(day: str, code: str, earlier: list[tuple[str, str]], payer: str = "texas-medicaid") -> dict:
    return {"payer": payer, "date": day, "plan_of_care": "PT", "state": "TX",
            "episode": {"visits": [{"date": d, "codes": [c], "plan_of_care": "PT"} for d, c in earlier]},
            "lines": [{"code": code}]}


@pytest.mark.parametrize(("earlier", "flagged"), [
    ("2012-03-01", True),   # 120 days before
    ("2012-01-02", True),   # 179 days before: still inside 180 calendar days
    ("2011-12-31", False),  # 181 days before
])
def test_one_pt_evaluation_in_180_days(k, earlier, flagged):
    r = k.check(visit("2012-06-29", "97001", [(earlier, "97001"), ("2012-06-01", "97110")]))
    assert ("episode.evaluation-frequency" in r.rules) is flagged, r.rules
    if flagged:
        f = next(f for f in r.findings if f.rule == "episode.evaluation-frequency")
        assert f.severity == "error" and "texas-medicaid visit_rules pt-evaluation-frequency" in f.basis
        assert any("Texas Medicaid Provider Procedures Manual" in s.title for s in f.sources)


@pytest.mark.parametrize(("earlier", "flagged"), [("2012-06-09", True), ("2012-05-31", True), ("2012-05-30", False)])
def test_one_pt_reevaluation_in_30_days(k, earlier, flagged):
    r = k.check(visit("2012-06-29", "97002", [(earlier, "97002")]))
    assert ("episode.evaluation-frequency" in r.rules) is flagged, r.rules


def test_a_reevaluation_does_not_count_against_the_evaluation_limit(k):
    r = k.check(visit("2012-06-29", "97001", [("2012-06-01", "97002")]))
    assert "episode.evaluation-frequency" not in r.rules


def test_the_limits_are_texas_medicaids_and_end_with_the_codes(k):
    """Medicare has no such limit on 97001; the Texas rules end with the code on 2016-12-31."""
    assert "episode.evaluation-frequency" not in k.check(
        visit("2012-06-29", "97001", [("2012-03-01", "97001")], payer="medicare")).rules
    view = k.payer("texas-medicaid", as_of=date(2017, 3, 1), state="TX")
    assert not [r for r in view.visit_rules() if r.id in ("pt-evaluation-frequency", "pt-reevaluation-frequency")]
