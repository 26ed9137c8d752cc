"""Audit class 6 (data): flags and payer rules as their own sources state them.

- TRICARE authorises PTAs/OTAs from 2020-04-16: 85 FR 15061 (17 March 2020),
  https://www.govinfo.gov/content/pkg/FR-2020-03-17/html/2020-04957.htm ("This rule is effective April 16, 2020").
- Texas Medicaid's PT evaluation limits: TMPPM 2012 Children's Services Handbook §2.3.4.1
  (http://www.tmhp.com/Manuals_HTML1/TMPPM/Archive/2012/Vol2_Children's_Services_Handbook.17.026.html) and TMPPM 2008
  home health §24.5.8.2 (http://www.tmhp.com/Manuals//TMPPM/Output/Website%20TMPPM-27-030.html): an evaluation (97001)
  or re-evaluation (97002) billed on the same date as PT treatment is denied.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def k():
    kb = pytest.importorskip("kb")
    return kb.load(ROOT / "policies")


def assistant_rule(k, day: date):
    rules = k.payer("tricare", as_of=day).modifier_rules("97110")
    return next((r for r in rules if r.type == "assistant"), None)


def test_tricare_assistant_rule_starts_with_the_final_rule(k):
    rule = assistant_rule(k, date(2020, 4, 16))
    assert rule is not None and rule.by_plan_of_care == {"PT": "CQ", "OT": "CO"}
    assert rule.evidence == "primary"
    assert "fr-2020-04957-tricare-pta-ota" in {s.doc for s in rule.sources}
    assert assistant_rule(k, date(2020, 4, 15)) is None  # PTAs were not TRICARE providers before the rule


@pytest.mark.parametrize("treatment", ["97110", "97112", "97140", "97530", "97035", "97150"])
@pytest.mark.parametrize("evaluation", ["97001", "97002"])
def test_texas_denies_a_pt_evaluation_with_same_day_pt_treatment(k, treatment, evaluation):
    p = k.payer("texas-medicaid", as_of=date(2012, 6, 1), state="TX")
    edit = p.ptp(treatment, evaluation)
    assert edit is not None and edit.column2 == evaluation and edit.modifier_indicator == 0


def test_texas_evaluation_edit_is_dated_to_the_codes_life(k):
    assert k.payer("texas-medicaid", as_of=date(2007, 12, 31), state="TX").ptp("97110", "97001") is None
    assert k.payer("texas-medicaid", as_of=date(2017, 1, 1), state="TX").ptp("97110", "97001") is None


def test_texas_claim_with_evaluation_and_treatment_is_flagged(k):
    visit = {
        "payer": "texas-medicaid",
        "date": "2013-03-04",
        "state": "TX",
        "plan_of_care": "PT",
        "lines": [
            {"code": "97001", "units": 1},
            {"code": "97110", "minutes": 30, "units": 2, "modifiers": ["GP"]},
        ],
    }
    assert "ptp.not-allowed" in k.check(visit).rules


def test_92610_is_not_an_always_therapy_code():
    """CMS's July 2024 PFS relative value file (RVU24C, https://www.cms.gov/medicare/payment/fee-schedules/physician/
    pfs-relative-value-files) gives 92610 multiple-procedure indicator 0, not 5 (the always-therapy MPPR)."""
    import yaml

    codes = {c["code"]: c for c in yaml.safe_load((ROOT / "policies" / "codes.yaml").read_text())["codes"]}
    assert codes["92610"]["always_therapy"] is False
    assert codes["92526"]["always_therapy"] is True  # indicator 5 in the same file
    assert "cms-pfs-rvu-2024c" in {s["doc"] for s in codes["92610"]["sources"]}
