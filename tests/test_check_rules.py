"""One scenario per finding rule id: it fires on the visit, and not on the corrected visit.

These run on the checker's own fixture tree (tests/fixtures/check: the mini catalogues plus synthetic payers with
one rule of every type), so they do not move when the shipped content changes. The seed articles' situations run
on the shipped policies in test_check_seeds.py.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

import kb
from kb.check import CheckResult

CHECK = Path(__file__).parent / "fixtures" / "check"
DOS = "2026-03-02"


@pytest.fixture(scope="module")
def k() -> kb.KnowledgeBase:
    return kb.load(CHECK)


def line(code: str, minutes: int | None = None, *mods: str, **extra) -> dict:
    out: dict = {"code": code, "modifiers": list(mods)}
    if minutes is not None:
        out["minutes"] = minutes
    out.update(extra)
    return out


def visit(*lines: dict, payer: str = "checkpay", day: str = DOS, plan: str | None = "PT", **extra) -> dict:
    out = {"payer": payer, "date": day, "lines": list(lines), **extra}
    if plan:
        out["plan_of_care"] = plan
    return out


def findings(result: CheckResult, rule: str) -> list:
    return [f for f in result.findings if f.rule == rule]


def only(result: CheckResult, rule: str):
    found = findings(result, rule)
    assert len(found) == 1, str(result)
    return found[0]


# -- units ---------------------------------------------------------------------------------------------


def test_units_mismatch_over_and_under_billing(k):
    over = k.check(visit(line("97112", 20, "GP", units=3), line("97110", 18, "GP", units=1)))
    f = only(over, "units.mismatch")
    assert f.severity == "error" and f.lines == (0,)
    assert "billed for 3 units but the minutes support 2" in f.message and "38 timed minutes" in f.message
    assert f.fix == "Bill 97112 × 2." and f.sources and "unit_methods" in f.basis
    under = k.check(visit(line("97112", 20, "GP", units=1), line("97110", 18, "GP", units=1)))
    f = only(under, "units.mismatch")
    assert f.severity == "warning" and "1 unit left unbilled" in f.message
    fixed = k.check(visit(line("97112", 20, "GP", units=2), line("97110", 18, "GP", units=1)))
    assert fixed.rules == set() and fixed.ok
    assert [(ln.units, ln.billed_units) for ln in fixed.lines] == [(2, 2), (1, 1)]


def test_units_mismatch_accepts_every_allocation_a_tie_allows(k):
    # CMS Example 2: 20 + 20 minutes, 3 units, either code may take the second unit
    for a, b in ((2, 1), (1, 2)):
        r = k.check(visit(line("97112", 20, "GP", units=a), line("97110", 20, "GP", units=b)))
        assert "units.mismatch" not in r.rules, str(r)
    r = k.check(visit(line("97112", 20, "GP", units=3), line("97110", 20, "GP", units=0)))
    assert "units.mismatch" in r.rules
    # CMS Example 5: 7 + 7 + 7 minutes, one unit for any one of the three
    for pick in range(3):
        lines = [line(c, 7, "GP", units=int(i == pick)) for i, c in enumerate(("97112", "97110", "97140"))]
        assert "units.mismatch" not in k.check(visit(*lines)).rules
    lines = [line(c, 7, "GP", units=1) for c in ("97112", "97110", "97140")]
    assert len(findings(k.check(visit(*lines)), "units.mismatch")) >= 2


def test_units_of_repeated_code_lines_are_added_up(k):
    # one 97110 service split over two lines (e.g. part by the PTA): the code's units are compared in total
    r = k.check(visit(line("97110", 20, "GP", units=1), line("97110", 10, "GP", "CQ", units=1, assistant_minutes=10)))
    assert r.units == {"97110": 2} and [ln.units for ln in r.lines] == [1, 1]
    assert "units.mismatch" not in r.rules
    assert [ln.payment_factor for ln in r.lines] == [1.0, 0.85]
    r = k.check(visit(line("97110", 20, "GP", units=2), line("97110", 10, "GP", units=1)))
    assert only(r, "units.mismatch").lines == (0, 1)


def test_untimed_code_is_one_unit(k):
    r = k.check(visit(line("97161", 45, "GP", units=2)))
    f = only(r, "units.mismatch")
    assert "untimed" in f.message and f.fix == "Bill 97161 × 1."
    assert k.check(visit(line("97161", 45, "GP", units=1))).rules == set()


def test_time_below_minimum(k):
    alone = k.check(visit(line("97140", 7, "GP", units=1)))
    f = only(alone, "time.below-minimum")
    assert f.severity == "error" and "only timed service" in f.message and "8-minute minimum" in f.message
    assert "units.mismatch" not in alone.rules  # one problem, reported once
    unbilled = k.check(visit(line("97140", 7, "GP")))
    assert only(unbilled, "time.below-minimum").severity == "warning"
    assert k.check(visit(line("97140", 7, "GP", units=0))).rules == set()
    assert k.check(visit(line("97140", 8, "GP", units=1))).rules == set()
    # two short services together reach 8 minutes under total time: one unit, nothing below the minimum
    pooled = k.check(visit(line("97110", 5, "GP"), line("97140", 3, "GP")))
    assert pooled.units == {"97110": 1, "97140": 0} and pooled.rules == set()
    tiny = k.check(visit(line("97110", 4, "GP"), line("97140", 3, "GP")))
    assert len(findings(tiny, "time.below-minimum")) == 2


def test_time_below_minimum_follows_the_payers_method(k):
    # a per-code method counts 97140's 7 minutes alone, even next to 33 minutes of 97110
    r = k.check(visit(line("97110", 33, "GP"), line("97140", 7, "GP"), payer="checkpay-capped"))
    assert r.units == {"97110": 2, "97140": 0}
    f = only(r, "time.below-minimum")
    assert f.lines == (1,) and "on its own minutes" in f.message
    same = k.check(visit(line("97110", 33, "GP"), line("97140", 7, "GP")))
    assert same.units == {"97110": 2, "97140": 1} and same.rules == set()
    # whole units only: the minimum a lone service needs is a full unit
    strict = k.check(visit(line("97110", 14, "GP"), payer="checkpay-late"))
    assert "15-minute minimum" in only(strict, "time.below-minimum").message
    assert k.check(visit(line("97110", 15, "GP"), payer="checkpay-late")).rules == set()


# -- codes ---------------------------------------------------------------------------------------------


def test_code_unknown(k):
    r = k.check(visit(line("97999", 20, "GP"), line("97110", 20, "GP")))
    f = only(r, "code.unknown")
    assert f.severity == "error" and f.lines == (0,)
    assert r.lines[0].units is None and r.lines[1].units == 1  # its minutes do not join the total
    assert k.check(visit(line("97110", 20, "GP"))).rules == set()


def test_code_not_covered_from_its_effective_date(k):
    r = k.check(visit(line("97035", 20, "GP")))
    f = only(r, "code.not-covered")
    assert f.severity == "error" and "97035 is not paid" in f.message and "code_rules 97035" in f.basis
    assert k.check(visit(line("97035", 20, "GP"), day="2024-12-31")).rules == set()


# -- modifiers -----------------------------------------------------------------------------------------


def test_discipline_missing(k):
    r = k.check(visit(line("97110", 30)))
    f = only(r, "modifier.discipline-missing")
    assert f.fix == "Add GP (the PT plan of care)." and f.sources
    no_plan = k.check(visit(line("97110", 30), plan=None))
    assert "GP (PT)" in only(no_plan, "modifier.discipline-missing").fix
    assert k.check(visit(line("97110", 30, "GP"))).rules == set()
    assert k.check(visit(line("97110", 30, "GP"), plan=None)).rules == set()


def test_discipline_mismatch(k):
    r = k.check(visit(line("97110", 30, "GO")))
    f = only(r, "modifier.discipline-mismatch")
    assert "GO (OT plan of care)" in f.message and f.fix == "Replace GO with GP."
    two = k.check(visit(line("97110", 30, "GP", "GO")))
    assert "exactly one" in only(two, "modifier.discipline-mismatch").message
    assert k.check(visit(line("97110", 30, "GO"), plan="OT")).rules == set()


def test_assistant_missing_above_de_minimis(k):
    r = k.check(visit(line("97110", 30, "GP", assistant_minutes=20)))
    f = only(r, "modifier.assistant-missing")
    assert f.severity == "error" and "more than the 10 % de minimis" in f.message and f.fix == "Add CQ to the line."
    assert r.lines[0].payment_factor == pytest.approx(0.85)  # paid as the assistant's service once corrected
    fixed = k.check(visit(line("97110", 30, "GP", "CQ", assistant_minutes=20)))
    assert fixed.rules == set()
    # 3 of 30 minutes is exactly 10 %: not more than the de minimis share
    assert k.check(visit(line("97110", 30, "GP", assistant_minutes=3))).rules == set()
    assert "modifier.assistant-missing" in k.check(visit(line("97110", 30, "GP", assistant_minutes=4))).rules
    # before the rule took effect (2020-01-01) nothing is required
    assert k.check(visit(line("97110", 30, "GP", assistant_minutes=30), day="2019-06-01")).rules == set()


def test_assistant_mismatch(k):
    # the seed's error: a PTA's service billed with CO
    r = k.check(visit(line("97112", 20, "GP", "CO", assistant_minutes=20)))
    found = findings(r, "modifier.assistant-mismatch")
    assert {f.basis.split()[-1] for f in found} == {"assistant", "assistant-pairing"}
    assert any(f.fix == "Replace CO with CQ." for f in found)
    assert any("CO without GO" in f.message for f in found)
    ot = k.check(visit(line("97110", 30, "GO", "CQ", assistant_minutes=30), plan="OT"))
    assert "modifier.assistant-mismatch" in ot.rules
    assert k.check(visit(line("97112", 20, "GP", "CQ", assistant_minutes=20))).rules == set()


def test_assistant_unneeded(k):
    r = k.check(visit(line("97110", 30, "GP", "CQ", assistant_minutes=2)))
    f = only(r, "modifier.assistant-unneeded")
    assert f.severity == "warning" and "lowers the payment" in f.message
    assert r.lines[0].payment_factor == 1.0
    assert k.check(visit(line("97110", 30, "GP", assistant_minutes=2))).rules == set()


def test_payment_factor_by_date(k):
    pta = line("97110", 30, "GP", "CQ", assistant_minutes=30)
    assert k.check(visit(pta, day="2021-06-01")).lines[0].payment_factor == 1.0
    assert k.check(visit(pta, day="2022-01-01")).lines[0].payment_factor == pytest.approx(0.85)
    # assistant minutes not given: the modifier on the line decides
    assert k.check(visit(line("97110", 30, "GP", "CQ"))).lines[0].payment_factor == pytest.approx(0.85)


def test_kx_missing_and_unneeded(k):
    over = k.check(visit(line("97110", 30, "GP"), ytd_allowed=2500))
    f = only(over, "modifier.kx-missing")
    assert "$2,500.00 before this visit" in f.message and "$2,480.00" in f.message
    assert len(f.sources) == 2  # the modifier rule and the threshold amount
    assert k.check(visit(line("97110", 30, "GP", "KX"), ytd_allowed=2500)).rules == set()
    under = k.check(visit(line("97110", 30, "GP", "KX"), ytd_allowed=1000))
    g = only(under, "modifier.kx-unneeded")
    assert g.severity == "warning" and "not given" in g.message
    # the visit's own allowed amounts count when given
    crossing = k.check(visit(line("97110", 30, "GP", allowed=60.0), line("97112", 15, "GP", allowed=60.0),
                             ytd_allowed=2400))
    assert only(crossing, "modifier.kx-missing").lines == (1,)  # 2,460 after line 0, 2,520 after line 1
    assert k.check(visit(line("97110", 30, "GP", "KX", allowed=60.0), ytd_allowed=2400)).rules == {
        "modifier.kx-unneeded"}
    # no year-to-date amount: nothing can be said
    assert k.check(visit(line("97110", 30, "GP", "KX"))).rules == set()
    # no amount in force for the year: nothing either
    assert k.check(visit(line("97110", 30, "GP"), ytd_allowed=9000, day="2025-03-03")).rules == set()


def test_kx_follows_the_discipline_group(k):
    # the child payer removes the 2026 PT/SLP amount but keeps OT's
    pt = k.check(visit(line("97110", 30, "GP"), ytd_allowed=2900, payer="checkpay-capped"))
    assert pt.rules == set()
    ot = k.check(visit(line("97110", 30, "GO"), ytd_allowed=2900, payer="checkpay-capped", plan="OT"))
    assert "OT therapy" in only(ot, "modifier.kx-missing").message
    slp = k.check(visit(line("97110", 30, "GN"), ytd_allowed=2900, plan="SLP"))
    assert "PT and SLP therapy" in only(slp, "modifier.kx-missing").message


def test_threshold_without_a_modifier_is_information(k):
    r = k.check(visit(line("97110", 30, "GP", "KX"), ytd_allowed=3100))
    f = only(r, "threshold.targeted-review")
    assert f.severity == "info" and "$3,000.00" in f.message and "medical review" in f.message
    assert r.ok
    assert "threshold.targeted-review" not in k.check(visit(line("97110", 30, "GP", "KX"), ytd_allowed=2900)).rules


def test_required_and_forbidden_modifiers(k):
    r = k.check(visit(line("97535", 30, "GP")))
    f = only(r, "modifier.required")
    assert f.fix == "Add 95 to the line." and "telehealth-self-care" in f.basis
    assert k.check(visit(line("97535", 30, "GP", "95"))).rules == set()
    bad = k.check(visit(line("97161", None, "GP", "CQ", assistant_minutes=0)))
    assert only(bad, "modifier.forbidden").lines == (0,)
    assert "modifier.forbidden" not in k.check(visit(line("97161", None, "GP"))).rules


def test_pair_missing(k):
    r = k.check(visit(line("97150", None, "GO"), line("97110", 30, "GO", "XU"), plan="OT"))
    f = only(r, "modifier.pair-missing")
    assert "XU without GP" in f.message and f.lines == (1,)
    assert "modifier.pair-missing" not in k.check(visit(line("97150", None, "GP"), line("97110", 30, "GP", "XU"))).rules


def test_unknown_modifier_is_information(k):
    r = k.check(visit(line("97110", 30, "GP", "GT")))
    f = only(r, "modifier.unknown")
    assert f.severity == "info" and r.ok and "GT" in f.message


# -- bundling ------------------------------------------------------------------------------------------


def test_ptp_modifier_required(k):
    r = k.check(visit(line("97150", None, "GP"), line("97110", 30, "GP")))
    f = only(r, "ptp.modifier-required")
    assert f.lines == (0, 1) and "97110 (column 2) is denied" in f.message and "59" in f.fix
    assert "ptp_edits 97150/97110" in f.basis
    # the modifier belongs on the column 2 line
    assert "ptp.modifier-required" in k.check(visit(line("97150", None, "GP", "59"), line("97110", 30, "GP"))).rules
    for mod in ("59", "XU"):
        assert k.check(visit(line("97150", None, "GP"), line("97110", 30, "GP", mod))).rules == set()


def test_ptp_not_allowed(k):
    r = k.check(visit(line("97162", None, "GP"), line("97161", None, "GP", "59")))
    f = only(r, "ptp.not-allowed")
    assert f.lines == (0, 1) and "no modifier bypasses" in f.message
    assert r.rules == {"ptp.not-allowed", "eval.multiple"}
    assert k.check(visit(line("97162", None, "GP"))).rules == set()


def test_ptp_edits_by_date_and_indicator_9(k):
    pair = (line("97140", 20, "GP"), line("97530", 20, "GP"))
    assert "ptp.modifier-required" in k.check(visit(*pair, day="2019-12-31")).rules
    assert k.check(visit(*pair, day="2020-01-01")).rules == set()
    # an indicator-9 edit never fires, and gives a distinct modifier nothing to bypass
    assert k.check(visit(line("97116", 20, "GP"), line("97530", 20, "GP"))).rules == set()
    r = k.check(visit(line("97116", 20, "GP"), line("97530", 20, "GP", "59")))
    assert r.rules == {"modifier.distinct-unsupported"}


def test_distinct_unsupported(k):
    r = k.check(visit(line("97112", 20, "GP"), line("97110", 18, "GP", "59")))
    f = only(r, "modifier.distinct-unsupported")
    assert f.severity == "warning" and f.lines == (1,) and f.fix == "Remove 59 from the 97110 line."
    assert k.check(visit(line("97112", 20, "GP"), line("97110", 18, "GP"))).rules == set()
    alone = k.check(visit(line("97110", 18, "GP", "59")))
    assert "no other code" in only(alone, "modifier.distinct-unsupported").message


# -- unit limits ---------------------------------------------------------------------------------------


def test_mue_exceeded(k):
    r = k.check(visit(line("97112", 60, "GP", units=5)))
    f = only(r, "mue.exceeded")
    assert "MUE) of 4" in f.message and "MAI 3" in f.message and "appeal" in f.fix
    assert only(k.check(visit(line("97112", 68, "GP"))), "mue.exceeded").message.startswith("The minutes give")
    assert "mue.exceeded" not in k.check(visit(line("97112", 60, "GP", units=4))).rules
    # MUE before its effective date: none
    assert "mue.exceeded" not in k.check(visit(line("97112", 68, "GP"), day="2024-06-30")).rules


def test_mue_adjudication_indicator_1_is_per_line(k):
    two_lines = k.check(visit(line("97110", 45, "GP", units=3), line("97110", 45, "GP", units=3)))
    assert "mue.exceeded" not in two_lines.rules
    one_line = k.check(visit(line("97110", 60, "GP", units=4)))
    assert only(one_line, "mue.exceeded").lines == (0,)
    absolute = k.check(visit(line("97161", None, "GP", units=2)))
    assert "MAI 2" in only(absolute, "mue.exceeded").message


def test_daily_cap_on_timed_units(k):
    capped = "checkpay-capped"
    billed = k.check(visit(line("97110", 30, "GP", units=2), line("97112", 30, "GP", units=2),
                           line("97140", 15, "GP", units=1), payer=capped))
    f = only(billed, "cap.daily-units")
    assert f.severity == "error" and "at most 4 timed units" in f.message and "per discipline" in f.message
    assert billed.units == {"97110": 2, "97112": 2, "97140": 0}
    computed = k.check(visit(line("97110", 30, "GP"), line("97112", 30, "GP"), line("97140", 15, "GP"), payer=capped))
    g = only(computed, "cap.daily-units")
    assert g.severity == "info" and "drop 1 (97140 -1)" in g.message
    fixed = k.check(visit(line("97110", 30, "GP", units=2), line("97112", 30, "GP", units=2),
                          line("97140", 15, "GP", units=0), payer=capped))
    assert fixed.rules == set()


def test_daily_cap_on_one_code(k):
    r = k.check(visit(line("97530", 60, "GP", units=3)))
    assert "at most 2 units of it" in only(r, "cap.daily-units").message
    info = k.check(visit(line("97530", 60, "GP")))
    assert only(info, "cap.daily-units").severity == "info" and info.units == {"97530": 2}
    assert k.check(visit(line("97530", 30, "GP", units=2))).rules == set()


# -- visit rules ---------------------------------------------------------------------------------------


def test_eval_multiple(k):
    r = k.check(visit(line("97161", None, "GP"), line("97164", None, "GP")))
    f = only(r, "eval.multiple")
    assert f.lines == (0, 1) and "at most 1" in f.message and "visit_rules one-pt-eval" in f.basis
    assert k.check(visit(line("97161", None, "GP"), line("97110", 20, "GP"))).rules == set()


def test_group_overlap(k):
    r = k.check(visit(line("97150", None, "GP", start="09:00", end="09:30"),
                      line("97110", 30, "GP", "59", start="09:15", end="09:45")))
    f = only(r, "time.group-overlap")
    assert f.lines == (0, 1) and "overlap by 15 minutes" in f.message
    apart = k.check(visit(line("97150", None, "GP", start="09:00", end="09:30"),
                          line("97110", 30, "GP", "59", start="09:30", end="10:00")))
    assert apart.rules == set()
    no_times = k.check(visit(line("97150", None, "GP"), line("97110", 30, "GP", "59")))
    assert no_times.rules == set()


def test_supervised_modality_may_share_time(k):
    r = k.check(visit(line("G0283", 15, "GP", start="09:00", end="09:15"),
                      line("97110", 30, "GP", start="09:00", end="09:30")))
    f = only(r, "time.shared-ok")
    assert f.severity == "info" and r.ok and r.units == {"G0283": 1, "97110": 2}


# -- documentation -------------------------------------------------------------------------------------


def test_documentation_missing_element(k):
    r = k.check(visit(line("97112", 20, "GP"), note="Balance training and coordination exercises."))
    found = findings(r, "documentation.missing-element")
    assert {f.basis.rsplit(".", 1)[-1] for f in found} == {"technique", "one-on-one"}
    assert all(f.severity == "warning" and f.lines == (0,) for f in found)
    assert any(f.fix == "Name the technique (e.g. PNF, perturbation training)." for f in found)
    good = k.check(visit(line("97112", 20, "GP"), note="PNF D2 patterns, 20 minutes one-on-one."))
    assert good.rules == set()
    assert k.check(visit(line("97112", 20, "GP"))).rules == set()  # no note, no documentation check
    # a code without a checklist is not checked
    assert k.check(visit(line("97110", 20, "GP"), note="x")).rules == set()


# -- the result ----------------------------------------------------------------------------------------


def test_result_prints_and_converts(k):
    import dataclasses
    import json

    r = k.check(visit(line("97150", None, "GP"), line("97110", 30, "GP", units=3), claim_id="C-1"))
    text = str(r)
    assert text.startswith("claim C-1 · checkpay · 2026-03-02 · PT plan of care")
    assert "ERROR   ptp.modifier-required [lines 0, 1]" in text and "source: " in text
    assert "WILL BE DENIED OR REJECTED" in text
    data = json.loads(json.dumps(r.to_dict()))
    assert data["ok"] is False and data["claim_id"] == "C-1" and data["date"] == DOS
    assert data["lines"][1] == {"index": 1, "code": "97110", "minutes": 30, "units": 2, "billed_units": 3,
                                "modifiers": ["GP"], "payment_factor": 1.0}
    assert {f["rule"] for f in data["findings"]} == {"ptp.modifier-required", "units.mismatch"}
    assert all(f["sources"] and f["fix"] and f["basis"] for f in data["findings"])
    assert data["explanation"][0].startswith("Under Check fixture payer, units are counted by")
    assert [f.severity for f in r.findings] == sorted((f.severity for f in r.findings), key=["error", "warning",
                                                                                              "info"].index)
    with pytest.raises(dataclasses.FrozenInstanceError):
        r.findings[0].rule = "x"  # type: ignore[misc]
    assert r.errors and not r.warnings and r.date == date(2026, 3, 2)


def test_findings_come_from_the_payers_rules(k):
    """A payer without a rule never reports it: the same visit under a payer whose rules differ."""
    base = (line("97110", 30, "GP", units=2),)
    assert "modifier.kx-missing" in k.check(visit(*base, ytd_allowed=2600)).rules
    assert "modifier.kx-missing" not in k.check(visit(*base, ytd_allowed=2600, payer="checkpay-capped")).rules
    mini = kb.load(Path(__file__).parent / "fixtures" / "mini")
    r = mini.check(visit(line("97530", 60, "GP", units=4), line("97535", 20, "GP"), payer="medicare"))
    assert r.rules == set()  # mini medicare has no 97530 cap and no required-modifier rule


def test_daily_cap_on_listed_codes(k):
    """A cap that counts only the codes it lists: other timed codes are neither counted nor cut."""
    lines = (line("97110", 30, "GP", units=2), line("97112", 30, "GP", units=2), line("97140", 30, "GP", units=2))
    r = k.check(visit(*lines, payer="checkpay-listed-cap"))
    f = only(r, "cap.daily-units")
    assert f.severity == "error" and f.lines == (0, 1)
    assert "4 units of 97110 and 97112 together are billed" in f.message
    p = k.payer("checkpay-listed-cap", as_of=date(2026, 3, 2))
    assert r.units == p.units({"97110": 30, "97112": 30, "97140": 30})
    assert r.units["97140"] == 2 and r.units["97110"] + r.units["97112"] == 2
    fixed = [{**ln, "units": r.units[ln["code"]]} for ln in lines]
    assert k.check(visit(*fixed, payer="checkpay-listed-cap")).rules == set()


def test_one_on_one_services_cannot_share_minutes(k):
    r = k.check(visit(line("97112", 20, "GP", start="09:00", end="09:20"),
                      line("97110", 20, "GP", start="09:10", end="09:30")))
    f = only(r, "time.one-on-one-overlap")
    assert f.severity == "warning" and f.lines == (0, 1) and "overlap by 10 minutes" in f.message
    assert "code_rules 97112" in f.basis  # the payer's own one-on-one rule for 97112
    apart = k.check(visit(line("97112", 20, "GP", start="09:00", end="09:20"),
                          line("97110", 20, "GP", start="09:20", end="09:40")))
    assert apart.rules == set()
    # a supervised modality may share the time (time.shared-ok), and is not one-on-one anyway
    shared = k.check(visit(line("G0283", 15, "GP", start="09:00", end="09:15"),
                           line("97110", 20, "GP", start="09:00", end="09:20")))
    assert shared.rules == {"time.shared-ok"}


def test_bulk_ptp_table_is_checked_too():
    """Edits from an attached bulk table (kb ncci ptp) are checked like authored ones, by their own dates."""
    from kb.ptp import OPEN_END, PtpTable, TableMeta

    fresh = kb.load(CHECK)
    table = PtpTable.from_rows(TableMeta(payer="checkpay", source={"title": "Synthetic PTP table for tests"}),
                               [("97530", "97535", 20250101, OPEN_END, 1, "Synthetic")])
    pair = (line("97530", 20, "GP"), line("97535", 20, "GP", "95"))
    assert fresh.check(visit(*pair)).rules == set()
    fresh.attach_table(table)
    r = fresh.check(visit(*pair))
    f = only(r, "ptp.modifier-required")
    assert f.sources[0].title == "Synthetic PTP table for tests"
    assert fresh.check(visit(*pair, day="2024-12-31")).rules == set()
    assert "ptp.modifier-required" in fresh.check(visit(*pair, day="2025-01-01")).rules


def test_bulk_rows_are_read_by_the_visit_day_within_one_period():
    """Contexts are shared by a whole period even with a bulk table; its rows still answer by each visit's day."""
    from kb.ptp import PtpTable, TableMeta

    fresh = kb.load(CHECK)
    fresh.attach_table(PtpTable.from_rows(TableMeta(payer="checkpay", source={"title": "Synthetic"}),
                                          [("97530", "97535", 20260305, 20260306, 1, "Synthetic")]))
    pair = (line("97530", 20, "GP"), line("97535", 20, "GP", "95"))
    days = ["2026-03-04", "2026-03-05", "2026-03-06", "2026-03-07", "2026-03-05"]
    found = ["ptp.modifier-required" in fresh.check(visit(*pair, day=d)).rules for d in days]
    assert found == [False, True, True, False, True]
    assert len(fresh.__dict__["_checker"].contexts._cache) == 1  # one period, one context
