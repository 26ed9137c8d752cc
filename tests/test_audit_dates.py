"""Audit class 2 (data): rules start when their sources say they applied, not when we first read them.

Sources (all in policies/documents.yaml):
- Medicare total-time unit method from 2000-04-01: Experience Care, "Tips for the Medicare 8-Minute Rule"
  (https://experience.care/blog/tips-medicare-8-minute-rule/) and Benzinga (2021-11-16,
  https://www.benzinga.com/money/what-is-the-8-minute-rule-for-medicare); the rule's text is Pub 100-04 ch.5 §20.2 C.
- One PT/OT evaluation per date from 2017-01-01: CMS's NCCI PTP table (indicator-0 rows between the evaluation codes,
  which began 2017-01-01, that ended 2019-12-31 and continue).
- Group therapy time kept apart from one-on-one time by 2002-05-17: CMS Carriers Manual Transmittal 1753 as quoted by
  APTA (http://www.apta.org/Payment/Coding/OneonOneGroup/).
- Supervised modalities may share time, by 2008-09-23: CMS's therapy Q&A as quoted at
  http://physicaltherapydiagnosis.blogspot.com/2008/09/physical-therapy-group-code-is-not-red.html.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
MEDICARE = ROOT / "policies" / "payers" / "medicare.yaml"


@pytest.fixture(scope="module")
def k():
    kb = pytest.importorskip("kb")
    return kb.load(ROOT / "policies")


@pytest.fixture(scope="module")
def medicare() -> dict:
    """medicare.yaml with its groups written out (kb/shorthand.py, as the compiler reads it)."""
    from kb.shorthand import catalogue_items, expand_payer

    items = catalogue_items(yaml.safe_load((ROOT / "policies" / "documentation.yaml").read_text(encoding="utf-8")))
    return expand_payer(yaml.safe_load(MEDICARE.read_text(encoding="utf-8")), items).data


def test_total_time_method_counts_a_2013_visit(k):
    """The audit's case: a 2013 visit raised an error. §20.2 arithmetic applies (20 + 18 = 38 minutes: 3 units)."""
    p = k.payer("medicare", as_of=date(2013, 6, 3))
    assert p.units({"97112": 20, "97110": 18}) == {"97112": 2, "97110": 1}
    assert k.payer("medicare", as_of=date(2000, 4, 1)).units({"97110": 38}) == {"97110": 3}


def test_total_time_method_starts_on_its_sourced_date(medicare):
    (method,) = [m for m in medicare["unit_methods"] if m["method"] == "cms-total-time"]
    assert str(method["effective_from"]) == "2000-04-01"
    assert method.get("effective_from_basis", "stated") == "stated"
    assert {"experience-care-8-minute", "benzinga-8-minute-2021"} <= {s["doc"] for s in method["sources"]}


def test_before_the_method_there_is_no_answer_not_a_guess(k):
    kb = pytest.importorskip("kb")
    with pytest.raises(kb.QueryError, match="no unit-counting method in force on 1999-06-03"):
        k.payer("medicare", as_of=date(1999, 6, 3)).units({"97110": 38})


@pytest.mark.parametrize(
    ("rule_id", "start"),
    [
        ("pt-evaluation-once-per-date", "2017-01-01"),
        ("ot-evaluation-once-per-date", "2017-01-01"),
        ("group-not-with-one-on-one-time", "2002-05-17"),
        ("supervised-modalities-may-share-time", "2008-09-23"),
    ],
)
def test_visit_rules_start_when_sources_show_them(medicare, rule_id, start):
    (rule,) = [r for r in medicare["visit_rules"] if r["id"] == rule_id]
    assert str(rule["effective_from"]) == start
    assert rule["effective_from_basis"] in ("assumed", "earliest-evidence")


def test_two_pt_evaluations_in_2018_are_flagged(k):
    visit = {
        "payer": "medicare",
        "date": "2018-05-07",
        "plan_of_care": "PT",
        "lines": [
            {"code": "97161", "units": 1, "modifiers": ["GP"]},
            {"code": "97162", "units": 1, "modifiers": ["GP"]},
        ],
    }
    assert "eval.multiple" in k.check(visit).rules
