"""Grades raised in issue 8 rest on the payer's or its contractor's own text, named in the rule's sources.

- Medicare's order-based certification exception (from 2025-01-01): Noridian JE, "Outpatient Therapy Certification Plan
  of Care" (https://med.noridianmedicare.com/web/jea/provider-types/outpatient-therapy-certification-plan-of-care):
  a signed and dated order plus one transmission of the plan within 30 days meets the initial certification.
- Medicare's CY 2021 KX thresholds: NGS, "Modifier KX for use with Physical Therapy, Occupational Therapy or Speech
  Language Pathology Claims" (https://www.ngsmedicare.com/web/ngs/news-article-details?selectedArticleId=2696296):
  $2,110 for PT and SLP combined, $2,110 for OT.
- UnitedHealthcare's GP/GO/GN requirement on "always therapy" codes from 2019-09-01: its June 2019 Network Bulletin,
  page 20, as AOTA quotes it.
Rules still resting on third parties stay graded secondary (e.g. the CY 2025 and 2026 KX amounts).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

import kb
from kb.paths import default_policies

POLICIES: Path = default_policies()


@pytest.fixture(scope="module")
def model() -> dict:
    return kb.load(POLICIES).model


def _rule(model: dict, payer: str, section: str, key: str, on: date) -> dict:
    rules = [r for r in model["payers"][payer]["rules"][section] if r["key"] == key
             and date.fromisoformat(r["effective_from"]) <= on
             and (r.get("effective_to") is None or on <= date.fromisoformat(r["effective_to"]))]
    assert len(rules) == 1, (payer, section, key, on)
    return rules[0]


def _docs(rule: dict) -> set[str]:
    return {s["doc"] for s in rule["sources"] if "doc" in s}


def test_order_based_certification_rests_on_the_medicare_contractor(model: dict) -> None:
    rule = _rule(model, "medicare", "visit_rules", "certification-by-order", date(2025, 1, 1))
    assert rule["evidence"] == "bulletin" and rule["days"] == 30
    assert "noridian-jea-therapy-certification" in _docs(rule)
    doc = model["documents"]["noridian-jea-therapy-certification"]
    assert "Medicare Administrative Contractor" in doc["publisher"] and "2025-01-01" in doc["notes"]


def test_kx_2021_rests_on_the_ngs_article(model: dict) -> None:
    for group in ("PT-SLP", "OT"):
        rule = _rule(model, "medicare", "thresholds", f"KX/{group}/2021", date(2021, 6, 1))
        assert rule["evidence"] == "bulletin" and rule["amount"] == 2110
        assert "ngs-kx-2021-2022" in _docs(rule)
    assert "$2,110" in model["documents"]["ngs-kx-2021-2022"]["notes"]


def test_kx_amounts_without_a_cms_or_mac_page_stay_secondary(model: dict) -> None:
    for year in (2018, 2020, 2025, 2026):
        rule = _rule(model, "medicare", "thresholds", f"KX/PT-SLP/{year}", date(year, 6, 1))
        assert rule["evidence"] == "secondary", year


def test_uhc_2019_discipline_modifiers_rest_on_its_network_bulletin(model: dict) -> None:
    rule = _rule(model, "uhc-commercial", "modifier_rules", "discipline", date(2019, 9, 1))
    assert rule["evidence"] == "bulletin" and rule["by_plan_of_care"] == {"PT": "GP", "OT": "GO", "SLP": "GN"}
    assert "uhc-network-bulletin-2019-06" in _docs(rule)
    doc = model["documents"]["uhc-network-bulletin-2019-06"]
    assert doc["publisher"] == "UnitedHealthcare" and "AOTA" in doc["via"]
