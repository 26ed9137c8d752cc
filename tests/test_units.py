"""Unit counting: every CMS Pub 100-04 ch. 5 §20.2 example, derived checks, and the invariants."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kb import InputError, QueryError
from kb.units import METHODS, Params, count, units_for_minutes

TIMED = ["97110", "97112", "97116", "97140", "97530", "97535", "97035"]

# (minutes per code, every answer CMS allows). Source: ../shared/domain/medicare.md §3.5, quoting §20.2.
CMS_EXAMPLES = {
    "example-1": ({"97112": 24, "97110": 23}, [{"97112": 2, "97110": 1}]),
    "example-2-tie": ({"97112": 20, "97110": 20}, [{"97112": 2, "97110": 1}, {"97112": 1, "97110": 2}]),
    "example-3": ({"97110": 33, "97140": 7}, [{"97110": 2, "97140": 1}]),
    "example-4": ({"97110": 18, "97140": 13, "97116": 10, "97035": 8},
                  [{"97110": 1, "97140": 1, "97116": 1, "97035": 0}]),
    "example-5-tie": ({"97112": 7, "97110": 7, "97140": 7},
                      [{"97112": 1, "97110": 0, "97140": 0}, {"97112": 0, "97110": 1, "97140": 0},
                       {"97112": 0, "97110": 0, "97140": 1}]),
    "single-code-60": ({"97530": 60}, [{"97530": 4}]),
}
# Derived from the §20.2 chart (medicare.md §3.6) and mikemena/medicare-calculator test vectors (ncci.md §4.1).
DERIVED = {
    "seed-20-18": ({"97112": 20, "97110": 18}, {"97112": 2, "97110": 1}),
    "both-small": ({"97110": 5, "97140": 3}, {"97110": 1, "97140": 0}),
    "mikemena-28": ({"97110": 10, "97112": 8, "97140": 10}, {"97110": 1, "97112": 0, "97140": 1}),
    "mikemena-83": ({"97116": 37, "97035": 23, "97530": 23}, {"97116": 2, "97035": 2, "97530": 2}),
    "mikemena-40": ({"97116": 25, "97035": 10, "97530": 5}, {"97116": 2, "97035": 1, "97530": 0}),
    "seed-40-alone": ({"97112": 40}, {"97112": 3}),
}


@pytest.mark.parametrize("name", CMS_EXAMPLES)
def test_cms_examples_through_the_api(medicare, name):
    minutes, allowed = CMS_EXAMPLES[name]
    explained = medicare.explain_units(minutes)
    assert explained.units in allowed
    assert explained.tie_broken == (len(allowed) > 1)
    if explained.tie_broken:
        assert any("Tie" in step for step in explained.steps)
    assert explained.sources and explained.sources[0].section == "§20.2 C"


@pytest.mark.parametrize("name", DERIVED)
def test_derived_checks(medicare, name):
    minutes, expected = DERIVED[name]
    assert medicare.units(minutes) == expected


@pytest.mark.parametrize(("minutes", "units"), [
    (0, 0), (7, 0), (8, 1), (22, 1), (23, 2), (37, 2), (38, 3), (52, 3), (53, 4), (67, 4), (68, 5),
    (82, 5), (83, 6), (97, 6), (98, 7), (112, 7), (113, 8), (127, 8), (128, 9),
])
def test_the_cms_chart_and_its_continuation(minutes, units):
    assert units_for_minutes(minutes, Params()) == units


def test_untimed_codes_are_one_unit_and_never_join_the_timed_total(medicare):
    # 10 minutes of G0283 would make 97110's 5 minutes billable if it were added in.
    assert medicare.units({"97110": 5, "G0283": 10}) == {"97110": 0, "G0283": 1}
    assert medicare.units({"97161": 45}) == {"97161": 1}


def test_commercial_variant_counts_code_by_code(mini, medicare):
    p = mini.payer("commercial-cpt-midpoint", as_of=medicare.as_of)
    assert p.units({"97112": 24, "97110": 23}) == {"97112": 2, "97110": 2}
    assert p.units({"97112": 20, "97110": 18}) == {"97112": 1, "97110": 1}


def test_bad_minutes_are_input_errors(medicare):
    with pytest.raises(InputError) as err:
        medicare.units({"97112": -3})
    assert err.value.field == "97112"
    with pytest.raises(InputError):
        medicare.units({"97112": 2000})
    with pytest.raises(InputError):
        medicare.units({"97112": "20"})
    with pytest.raises(QueryError):
        medicare.units({"99999": 20})


def test_daily_cap_and_code_cap():
    p = Params(daily_cap=4)
    counted = count("cms-total-time", {"97110": 30, "97112": 30, "97140": 15}, set(TIMED), p)
    assert counted.units == {"97110": 2, "97112": 2, "97140": 0}  # 5 allowed; the fewest minutes lose first
    assert any("Daily cap of 4" in s for s in counted.steps)
    capped = count("cms-total-time", {"97110": 60}, set(TIMED), Params(), code_caps={"97110": 2})
    assert capped.units == {"97110": 2}
    # a cap limited to some codes neither counts nor cuts the others (Anthem's list leaves out 97530)
    some = count("cms-total-time", {"97110": 40, "97112": 30, "97530": 30}, set(TIMED),
                 Params(daily_cap=4, cap_codes=frozenset({"97110", "97112"})))
    assert some.units == {"97110": 3, "97112": 1, "97530": 2}


def test_every_method_in_the_catalogue_is_implemented(mini):
    assert set(mini.model["methods"]) <= set(METHODS)


# -- invariants (hypothesis) -------------------------------------------------------------------------

visits = st.dictionaries(st.sampled_from(TIMED), st.integers(min_value=0, max_value=200), min_size=1, max_size=6)


@settings(max_examples=400, deadline=None)
@given(visits)
def test_cms_total_equals_the_chart_value_of_the_total(minutes):
    counted = count("cms-total-time", minutes, set(TIMED), Params())
    assert sum(counted.units.values()) == units_for_minutes(sum(minutes.values()), Params())


@settings(max_examples=400, deadline=None)
@given(visits)
def test_a_code_with_fifteen_minutes_gets_a_unit_per_full_fifteen(minutes):
    counted = count("cms-total-time", minutes, set(TIMED), Params())
    for code, m in minutes.items():
        assert counted.units[code] >= m // 15
        assert counted.units[code] <= m // 15 + 1


@settings(max_examples=300, deadline=None)
@given(visits, st.sampled_from(TIMED), st.integers(min_value=1, max_value=60))
def test_more_minutes_never_mean_fewer_units(minutes, code, extra):
    for method in ("cms-total-time", "cpt-per-code-midpoint", "whole-units", "per-visit"):
        before = sum(count(method, minutes, set(TIMED), Params()).units.values())
        more = dict(minutes)
        more[code] = more.get(code, 0) + extra
        after = sum(count(method, more, set(TIMED), Params()).units.values())
        assert after >= before, method


@settings(max_examples=300, deadline=None)
@given(visits)
def test_whole_units_never_exceed_the_other_methods(minutes):
    # CMS total time and the per-code midpoint are not ordered (1 + 52 minutes: CMS 4, per code 3),
    # but counting only whole units can never give more than either.
    whole = sum(count("whole-units", minutes, set(TIMED), Params()).units.values())
    cms = sum(count("cms-total-time", minutes, set(TIMED), Params()).units.values())
    midpoint = sum(count("cpt-per-code-midpoint", minutes, set(TIMED), Params()).units.values())
    assert whole <= cms and whole <= midpoint


@settings(max_examples=300, deadline=None)
@given(visits)
def test_result_does_not_depend_on_input_order(minutes):
    forward = count("cms-total-time", minutes, set(TIMED), Params()).units
    backward = count("cms-total-time", dict(reversed(list(minutes.items()))), set(TIMED), Params()).units
    assert forward == backward


def test_a_tie_goes_to_a_code_a_listed_cap_does_not_count():
    # 97110 and 97530 tie (6 minutes left each); the cap counts 97110 only, so the tied unit goes to 97530
    # and survives the cap: 5 units instead of 4.
    params = Params(daily_cap=2, cap_codes=frozenset({"97110", "97112"}))
    counted = count("cms-total-time", {"97110": 36, "97530": 36}, set(TIMED), params)
    assert counted.units == {"97110": 2, "97530": 3} and counted.tie_broken
    assert any("codes the daily cap does not count" in s for s in counted.steps)
    # with no listed cap, the documented tie-break stands (more minutes, then the lower code)
    assert count("cms-total-time", {"97110": 36, "97530": 36}, set(TIMED), Params()).units == {"97110": 3, "97530": 2}


def test_a_broken_tie_lists_every_allowed_allocation():
    # Example 2: either code may take the third unit
    two = count("cms-total-time", {"97112": 20, "97110": 20}, set(TIMED), Params())
    assert sorted(map(sorted, (a.items() for a in two.alternatives))) == sorted(
        [sorted({"97112": 2, "97110": 1}.items()), sorted({"97112": 1, "97110": 2}.items())])
    # equal leftovers but different minutes: still the clinician's choice
    uneven = count("cms-total-time", {"97112": 21, "97110": 36, "G0283": 5}, set(TIMED), Params())
    assert {"97112": 2, "97110": 2, "G0283": 1} in uneven.alternatives and uneven.units["97110"] == 3
    # no tie, no alternatives
    assert count("cms-total-time", {"97112": 24, "97110": 23}, set(TIMED), Params()).alternatives == ()


def test_the_checker_accepts_any_allocation_the_tie_allows(mini):
    visit = {"payer": "medicare", "date": "2026-03-02", "plan_of_care": "PT",
             "lines": [{"code": "97112", "minutes": 21, "units": 2, "modifiers": ["GP"]},
                       {"code": "97110", "minutes": 36, "units": 2, "modifiers": ["GP"]}]}
    assert "units.mismatch" not in mini.check(visit).rules
    visit["lines"][1]["units"] = 3  # now 5 units for 57 minutes: over-billing
    assert "units.mismatch" in mini.check(visit).rules
