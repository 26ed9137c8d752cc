"""Medicare telehealth for therapists, period by period, on the shipped policies (issue 8).

Sources (policies/documents.yaml): CMS's COVID-19 blanket waiver made PTs, OTs and SLPs Medicare telehealth
practitioners retroactive to 2020-03-01 (cms-blanket-waivers-telehealth-practitioners-2020); the Consolidated
Appropriations Act, 2023 §4113 carried it to 2024-12-31 (klgates-caa-2023-telehealth); the American Relief Act, 2025
§3207 to 2025-03-31 (ptmoves-american-relief-act-2025); the Full-Year Continuing Appropriations and Extensions Act,
2025 §2207 to 2025-09-30 (ebg-full-year-cr-2025-telehealth); the law of 2025-11-12 restored it retroactively from
2025-10-01 to 2026-01-30 (cms-telehealth-faq-cy2026, apta-shutdown-telehealth-2025); the Consolidated Appropriations
Act, 2026 to 2027-12-31, retroactively over 2026-01-31..02-03 (mcguirewoods-caa-2026-telehealth,
gill-caa-2026-telehealth-retroactive). Modifier 95 and POS 02/10 mark telehealth (ngs-telehealth-modifier-95-pos-2024).
"""

from __future__ import annotations

import pytest

import kb
from kb.problems import InputError


@pytest.fixture(scope="module")
def k() -> kb.KnowledgeBase:
    return kb.load()


def visit(day: str, *mods: str, payer: str = "medicare", place: str | int | None = None, plan: str = "PT",
          code: str = "97110") -> dict:
    v: dict = {"payer": payer, "date": day, "plan_of_care": plan,
               "lines": [{"code": code, "minutes": 30, "modifiers": [{"PT": "GP", "OT": "GO", "SLP": "GN"}[plan],
                                                                     *mods]}]}
    if place is not None:
        v["place_of_service"] = place
    return v


# (date, paid via telehealth?) on each side of every boundary the sources give
BOUNDARIES = [
    ("2020-02-29", False), ("2020-03-01", True),     # the PHE waiver, retroactive to 2020-03-01
    ("2023-05-11", True), ("2023-05-12", True),      # the end of the PHE: CAA 2023 carries on without a gap
    ("2024-12-31", True), ("2025-01-01", True),      # American Relief Act, 2025
    ("2025-03-31", True), ("2025-04-01", True),      # Full-Year Continuing Appropriations and Extensions Act, 2025
    ("2025-09-30", True), ("2025-10-01", True),      # the shutdown lapse, restored retroactively on 2025-11-12
    ("2026-01-30", True), ("2026-02-02", True),      # the four-day lapse, restored by the CAA 2026
    ("2027-12-31", True), ("2028-01-01", False),     # the end of the last extension by law
]


@pytest.mark.parametrize(("day", "paid"), BOUNDARIES)
def test_a_telehealth_therapy_line_is_paid_only_inside_a_period_the_law_allowed(k, day, paid):
    r = k.check(visit(day, "95"))
    assert ("telehealth.not-covered" not in r.rules) is paid, (day, r.rules)
    assert "telehealth.not-covered" not in k.check(visit(day)).rules  # the same visit in person: no finding


def test_the_finding_is_an_error_with_the_sources_of_the_period(k):
    r = k.check(visit("2019-06-03", "95"))
    f = next(f for f in r.findings if f.rule == "telehealth.not-covered")
    assert f.severity == "error" and not r.ok and f.lines == (0,)
    assert "modifier 95" in f.message and "2019-06-03" in f.message
    assert {s.title for s in f.sources} >= {
        "COVID-19 Emergency Declaration Blanket Waivers for Health Care Providers: Medicare telehealth, eligible "
        "practitioners"}
    assert "modifier_rules telehealth-therapists" in f.basis


@pytest.mark.parametrize("place", ["02", "10", 2, 10])
def test_a_telehealth_place_of_service_marks_the_visit_without_modifier_95(k, place):
    r = k.check(visit("2028-02-07", place=place, plan="OT", code="97530"))
    assert "telehealth.not-covered" in r.rules
    f = next(f for f in r.findings if f.rule == "telehealth.not-covered")
    assert f"place of service {int(place):02d}" in f.message


def test_an_office_place_of_service_is_not_telehealth(k):
    assert "telehealth.not-covered" not in k.check(visit("2028-02-07", place="11")).rules


def test_a_payer_extending_medicare_inherits_the_periods(k):
    """Commercial payers that extend Medicare and state nothing of their own inherit Medicare's rule."""
    assert "telehealth.not-covered" in k.check(visit("2019-06-03", "95", payer="cigna")).rules
    assert "telehealth.not-covered" not in k.check(visit("2021-06-01", "95", payer="cigna")).rules


@pytest.mark.parametrize("payer", ["texas-medicaid", "ohio-medicaid", "florida-medicaid", "tricare"])
def test_a_payer_without_telehealth_rules_is_not_checked_for_them(k, payer):
    """Medicaid programs and TRICARE remove Medicare's statutory periods; their own rules are not encoded."""
    r = k.check({**visit("2019-06-03", "95", payer=payer), "state": {"texas-medicaid": "TX", "ohio-medicaid": "OH",
                                                                     "florida-medicaid": "FL"}.get(payer)})
    assert not {"telehealth.not-covered", "telehealth.no-data"} & r.rules


def test_a_telehealth_line_no_rule_covers_says_so_with_sources(k):
    """Medicare's rule covers therapy lines (always-therapy codes, or any line with GP/GO/GN): a chiropractic
    manipulation billed with 95 is outside it, so the checker says it has no telehealth data for the line."""
    r = k.check({"payer": "medicare", "date": "2026-03-02",
                 "lines": [{"code": "98940", "modifiers": ["95"]}]})
    f = next(f for f in r.findings if f.rule == "telehealth.no-data")
    assert f.severity == "info" and f.sources and "telehealth-therapists" in f.basis


@pytest.mark.parametrize("bad", ["2", "AB", "100", -1, 3.5])
def test_a_bad_place_of_service_is_one_located_input_error(k, bad):
    with pytest.raises(InputError) as err:
        k.check(visit("2026-03-02", place=bad))
    assert err.value.field == "place_of_service"
