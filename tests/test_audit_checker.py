"""Issue 8, the checker side of the independent audit (classes 2-5) and the rules over several visits.

Each test names the source that says what the right answer is. The fixture tree (tests/fixtures/check) keeps the
date tests independent of the shipped content; the rest run on the shipped policies.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

import kb
from kb.check.assistant import assistant_units
from kb.check.episode import parse_episode

CHECK = Path(__file__).parent / "fixtures" / "check"


@pytest.fixture(scope="module")
def shipped() -> kb.KnowledgeBase:
    return kb.load()


@pytest.fixture(scope="module")
def fixture() -> kb.KnowledgeBase:
    return kb.load(CHECK)


def pt_visit(payer: str, day: str, *lines: dict, **extra) -> dict:
    return {"payer": payer, "date": day, "plan_of_care": "PT", "lines": list(lines), **extra}


def only(result, rule: str):
    found = [f for f in result.findings if f.rule == rule]
    assert len(found) == 1, str(result)
    return found[0]


# -- class 2: a visit on any date gets the rules of its date, or an explicit "no data" -----------------


def test_a_visit_before_every_rule_is_checked_and_says_no_data(fixture):
    # the fixture payer's rules start on 2015-01-01; checkpay-late's on 2024-01-01 (before: an input error)
    early = fixture.check(pt_visit("checkpay", "1999-01-01", {"code": "97110", "minutes": 30, "modifiers": ["GP"]}))
    f = only(early, "date.no-data")
    assert f.severity == "warning" and "no unit counting before 2015-01-01" in f.message
    assert early.units == {} and early.skipped  # timed units are not counted: no rule says how
    assert "no data for this date" in early.explanation[0]
    late = fixture.check(pt_visit("checkpay-late", "2023-12-31", {"code": "97110", "minutes": 30}))
    assert "before 2024-01-01" in only(late, "date.no-data").message
    # an untimed code is still one unit, and a rule in force on the date still fires
    untimed = fixture.check(pt_visit("checkpay", "1999-01-01", {"code": "97150", "minutes": 30}))
    assert untimed.units == {"97150": 1}


def test_the_query_api_says_what_it_has_no_data_for(fixture, shipped):
    p = fixture.payer("checkpay", as_of=date(1999, 1, 1))
    assert any(g.startswith("no unit counting before 2015-01-01") for g in p.no_data())
    with pytest.raises(kb.QueryError, match="no data for this date"):
        p.units({"97110": 30})
    assert fixture.payer("checkpay", as_of=date(2026, 3, 2)).no_data() == []
    # Medicare in 2013 (the audit's case): checked, never an error
    r = shipped.check(pt_visit("medicare", "2013-05-01", {"code": "97110", "minutes": 30, "modifiers": ["GP"]}))
    gaps = shipped.payer("medicare", as_of=date(2013, 5, 1)).no_data()
    assert (r.rules == {"date.no-data"}) if gaps else ("date.no-data" not in r.rules)


# -- class 3: the KX threshold applies to every GP/GO/GN line -----------------------------------------


def test_kx_applies_to_a_sometimes_therapy_code_under_a_therapy_plan(shipped):
    """Pub 100-04 ch.5 §10.2/§10.3.3 with §20: a sometimes-therapy code (here 97597, debridement) furnished under a
    PT plan of care carries GP and counts toward the threshold, so above it the line needs KX."""
    debridement = {"code": "97597", "modifiers": ["GP"]}
    over = shipped.check(pt_visit("medicare", "2026-03-02", debridement, ytd_allowed=5000))
    f = only(over, "modifier.kx-missing")
    assert f.lines == (0,) and "97597" in f.message
    with_kx = shipped.check(pt_visit("medicare", "2026-03-02", {**debridement, "modifiers": ["GP", "KX"]},
                                     ytd_allowed=5000))
    assert "modifier.kx-missing" not in with_kx.rules
    # without a therapy modifier the code is not billed as therapy: the KX rule does not reach it
    plain = shipped.check({"payer": "medicare", "date": "2026-03-02", "ytd_allowed": 5000,
                           "lines": [{"code": "97597"}]})
    assert "modifier.kx-missing" not in plain.rules


# -- class 4: the CQ/CO de minimis test is per 15-minute unit ------------------------------------------


@pytest.mark.parametrize(("units", "minutes", "assistant", "needed"), [
    (2, 30, 15, 1),   # PT 15 + PTA 15 of 97110: one unit each (whole blocks go to whoever furnished them)
    (1, 15, 10, 1),   # CMS CY 2022 example A: PTA 10 + PT 5 = one unit, with CQ
    (2, 24, 12, 1),   # two units left, each furnished 9-14 minutes: one with CQ, one without (CY 2022 rule)
    (2, 30, 30, 2),   # all the assistant's: every unit
    (2, 30, 3, 0),    # 10 % of the service: within de minimis, no unit
    (2, 30, 4, 1),    # over de minimis only in the second unit
    (3, 45, 30, 2),
])
def test_assistant_units_are_counted_unit_by_unit(units, minutes, assistant, needed):
    """CMS 'Billing Examples Using CQ/CO Modifiers' (de minimis applied to each unit) and the CY 2022 PFS rule."""
    assert assistant_units(units, minutes, assistant, 10) == needed


def test_a_line_of_two_units_with_one_assistant_unit_is_split(shipped):
    base = {"code": "97110", "minutes": 30, "assistant_minutes": 15}
    whole_cq = shipped.check(pt_visit("medicare", "2026-03-02", {**base, "modifiers": ["GP", "CQ"]}))
    f = only(whole_cq, "modifier.assistant-unneeded")
    assert "1 of its 2 units needs CQ" in f.message
    assert f.fix == "Bill 97110 × 1 with CQ and 97110 × 1 without it, on separate lines."
    no_cq = shipped.check(pt_visit("medicare", "2026-03-02", {**base, "modifiers": ["GP"]}))
    assert only(no_cq, "modifier.assistant-missing").severity == "error"
    split = shipped.check(pt_visit("medicare", "2026-03-02",
                                   {"code": "97110", "minutes": 15, "assistant_minutes": 15, "units": 1,
                                    "modifiers": ["GP", "CQ"]},
                                   {"code": "97110", "minutes": 15, "assistant_minutes": 0, "units": 1,
                                    "modifiers": ["GP"]}))
    assert not split.rules & {"modifier.assistant-missing", "modifier.assistant-unneeded"}, str(split)


# -- class 5: caps of "modalities/procedures and/or units in any combination" count untimed codes ---------


@pytest.mark.parametrize(("payer", "source"), [("highmark", "Y-1-054"), ("bcbs-north-dakota", "four (4)")])
def test_caps_in_any_combination_count_untimed_modalities(shipped, payer, source):
    """Highmark Y-1-054 ('4 codes/units in any combination') and BCBS North Dakota ('up to four (4)
    modalities/procedures and/or units')."""
    p = shipped.payer(payer, as_of=date(2024, 4, 1))
    assert p.units({"97110": 30, "97112": 30, "97012": 15}) == {"97110": 2, "97112": 2, "97012": 0}
    assert p.units({"97110": 23, "97012": 15}) == {"97110": 2, "97012": 1}  # 3 of 4: nothing cut
    assert any(source in str(s) for s in p.unit_method().sources)
    r = shipped.check({"payer": payer, "date": "2024-04-01", "plan_of_care": "PT",
                       "lines": [{"code": "97110", "minutes": 30, "units": 2, "modifiers": ["GP"]},
                                 {"code": "97112", "minutes": 30, "units": 2, "modifiers": ["GP"]},
                                 {"code": "97012", "minutes": 15, "units": 1, "modifiers": ["GP"]}]})
    assert only(r, "cap.daily-units").severity == "error"


def test_a_cap_over_timed_units_only_still_ignores_untimed_codes(shipped):
    # Anthem's cap lists timed codes only: the untimed modality is neither counted nor cut
    p = shipped.payer("anthem", as_of=date(2024, 4, 1), state="OH")
    assert p.units({"97110": 30, "97112": 30, "97012": 15})["97012"] == 1


# -- rules over several visits -------------------------------------------------------------------------


def test_episode_input_is_validated_with_the_field_named(shipped):
    with pytest.raises(kb.InputError) as caught:
        shipped.check(pt_visit("medicare", "2026-03-02", {"code": "97110", "minutes": 30},
                               episode={"visits": [{"date": "2026-02-30"}]}))
    assert caught.value.field == "episode.visits[0].date"
    with pytest.raises(kb.InputError) as caught:
        parse_episode({"start": "2026-01-01"})
    assert caught.value.field == "episode.start"
    assert parse_episode(None) is None


def test_progress_report_due_and_overdue(shipped):
    """Pub 100-02 ch.15 §220.3 D: a progress report at least once every 10 treatment days."""
    line = {"code": "97110", "minutes": 30, "modifiers": ["GP"]}
    ep = {"start_of_care": "2026-01-05", "certified_on": "2026-01-06"}
    due = shipped.check(pt_visit("medicare", "2026-03-02", line, episode={**ep, "treatment_days_since_report": 9}))
    assert only(due, "episode.progress-report").severity == "info"
    late = shipped.check(pt_visit("medicare", "2026-03-02", line, episode={**ep, "treatment_days_since_report": 12}))
    assert "treatment day 13" in only(late, "episode.progress-report").message
    fine = shipped.check(pt_visit("medicare", "2026-03-02", line, episode={**ep, "treatment_days_since_report": 3}))
    assert not {f.rule for f in fine.findings if f.rule.startswith("episode.")}


def test_kx_total_comes_from_the_episode(shipped):
    """The yearly KX total: the earlier visits' allowed amounts of the same threshold group count."""
    visits = [{"date": f"2026-02-{d:02d}", "codes": ["97110"], "allowed": 700.0, "plan_of_care": "PT"}
              for d in (2, 9, 16, 23)]
    ep = {"start_of_care": "2026-02-02", "certified_on": "2026-02-03", "treatment_days_since_report": 1,
          "visits": [*visits, {"date": "2025-12-01", "codes": ["97110"], "allowed": 9000.0}]}  # 2025: not counted
    r = shipped.check(pt_visit("medicare", "2026-03-02", {"code": "97110", "minutes": 30, "modifiers": ["GP"]},
                               episode=ep))
    f = only(r, "modifier.kx-missing")
    assert "$2,800.00 before this visit" in f.message
    ot = {**ep, "visits": [{**v, "plan_of_care": "OT"} for v in visits]}  # another threshold group
    assert "modifier.kx-missing" not in shipped.check(
        pt_visit("medicare", "2026-03-02", {"code": "97110", "minutes": 30, "modifiers": ["GP"]}, episode=ot)).rules


def test_an_episode_without_the_facts_a_rule_needs_says_so(shipped):
    r = shipped.check(pt_visit("medicare", "2026-03-02", {"code": "97110", "minutes": 30, "modifiers": ["GP"]},
                               episode={"visits_this_year": 3}))
    f = only(r, "episode.incomplete")
    assert "progress-report" in f.message and "initial-certification" in f.message


def test_commercial_payers_do_not_inherit_medicares_certification_rules(shipped):
    for payer in ("aetna", "humana", "highmark", "ohio-medicaid"):
        types = {r.type for r in shipped.payer(payer, as_of=date(2026, 3, 2)).visit_rules()}
        assert not types & {"progress-report", "certification", "recertification"}, payer
    ma = shipped.payer("uhc-medicare-advantage", as_of=date(2026, 3, 2))
    assert {"progress-report", "certification", "recertification"} <= {r.type for r in ma.visit_rules()}


def test_the_published_episode_schema_names_exactly_the_fields_the_checker_reads():
    from kb.check.episode import EPISODE_FIELDS, EPISODE_VISIT_FIELDS, episode_schemas

    schemas = episode_schemas()
    assert set(schemas["episode"]["properties"]) == set(EPISODE_FIELDS)
    assert set(schemas["episode_visit"]["properties"]) == set(EPISODE_VISIT_FIELDS)


def test_remote_therapeutic_monitoring_is_sometimes_therapy(shipped):
    """NGS's 2024 therapy-code-list article and CR 14250 (2026): RTM under a therapy plan takes GP/GO and counts
    toward the KX threshold; the 2026 codes exist from 2026-01-01."""
    line = {"code": "98977", "modifiers": ["GP"]}
    r = shipped.check(pt_visit("medicare", "2026-03-02", line, ytd_allowed=5000))
    assert "modifier.kx-missing" in r.rules
    assert "modifier.discipline-missing" in shipped.check(pt_visit("medicare", "2026-03-02", {"code": "98977"})).rules
    entry = shipped.catalogue_code("98985")
    assert entry["effective_from"] == "2026-01-01" and entry["always_therapy"] is False


@pytest.mark.parametrize(("code", "minutes", "units"), [
    ("92607", 30, 0), ("92607", 31, 1), ("92607", 90, 1), ("92607", 91, 2),  # 60-minute units: 51 % = 31 minutes
    ("92608", 15, 0), ("92608", 16, 1), ("96125", 45, 1), ("96105", 60, 1),  # 30-minute units: 16 minutes
])
def test_timed_slp_codes_count_in_their_own_units(shipped, code, minutes, units):
    """ASHA's statement of the Medicare rule: a timed SLP code of an hour or 30 minutes is billed when at least 51 %
    of its time was spent, counted on its own minutes (not pooled with the 15-minute codes)."""
    p = shipped.payer("medicare", as_of=date(2026, 3, 2))
    assert p.units({code: minutes, "97110": 20}) == {code: units, "97110": 1}
