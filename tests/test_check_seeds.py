"""The seed articles' situations, checked against the shipped policies (policies/), with the correct answers.

The seeds are partly wrong (../shared/domain lists their errors); each test bills the visit the way the article
says and expects the checker to catch what the article gets wrong, then checks the corrected visit.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

import kb

POLICIES = Path(__file__).resolve().parent.parent / "policies"
DOS = "2026-03-02"

DENIED_NOTE = "Balance training and coordination exercises. Patient tolerated well. Continue plan of care."
STROKE_NOTE = (
    "Patient presents with cerebellar ataxia secondary to stroke (dx: I69.351) with documented proprioceptive deficit "
    "- right lower extremity light touch 4/8 Semmes-Weinstein test at initial evaluation. This session: PNF D2 flexion "
    "pattern facilitation (20 minutes) targeting timing and sequencing deficits in right lower extremity motor "
    "recruitment. Single-leg stance perturbation training on BAPS board (unstable surface) - patient demonstrates "
    "improving reactive muscle activation with 4/10 perturbations recovered without PT assist vs. 2/10 at prior "
    "session. Tandem stance time: 8 seconds (up from 5 seconds at visit 3). Patient required verbal and tactile "
    "cueing for proprioceptive awareness during perturbation sequence. Services provided one-on-one throughout 20 "
    "minutes. Skilled NMR is indicated to progress reactive postural control toward goal of safe independent "
    "ambulation on uneven terrain."
)


@pytest.fixture(scope="module")
def k() -> kb.KnowledgeBase:
    return kb.load(POLICIES)


def pt(*lines: dict, day: str = DOS, **extra) -> dict:
    return {"payer": "medicare", "date": day, "plan_of_care": "PT", "lines": list(lines), **extra}


def test_denied_balance_training_note(k):
    """Sirius: 40 minutes of 97112 with a note that names no technique -> denied as 'could have been 97110'."""
    r = k.check(pt({"code": "97112", "minutes": 40, "units": 3, "modifiers": ["GP"]}, note=DENIED_NOTE))
    assert r.units == {"97112": 3}
    assert r.rules == {"documentation.missing-element"}
    missing = [f for f in r.findings if f.rule == "documentation.missing-element"]
    elements = {f.basis.rsplit(".", 1)[-1] for f in missing}
    assert {"technique", "deficit", "one-on-one"} <= elements
    assert "plan-goal" not in elements  # 'Continue plan of care' names the plan
    assert all(f.severity == "warning" and f.sources for f in missing)


def test_well_documented_stroke_note(k):
    r = k.check(pt({"code": "97112", "minutes": 20, "units": 1, "modifiers": ["GP"]}, note=STROKE_NOTE))
    assert r.rules == set(), str(r)
    assert r.units == {"97112": 1}


def test_parkinsons_visit(k):
    """Sirius: 20 min 97112 + 15 min 97110 billed as '2 units of 97112' + 97110 with 59 on the lesser code."""
    as_article = k.check(pt({"code": "97112", "minutes": 20, "units": 2, "modifiers": ["GP"]},
                            {"code": "97110", "minutes": 15, "units": 1, "modifiers": ["GP", "59"]}))
    assert as_article.units == {"97112": 1, "97110": 1}  # 35 minutes = 2 units, one full unit each
    assert as_article.rules == {"units.mismatch", "modifier.distinct-unsupported"}
    mismatch = next(f for f in as_article.findings if f.rule == "units.mismatch")
    assert mismatch.severity == "error" and mismatch.lines == (0,)
    corrected = k.check(pt({"code": "97112", "minutes": 20, "units": 1, "modifiers": ["GP"]},
                           {"code": "97110", "minutes": 15, "units": 1, "modifiers": ["GP"]}))
    assert corrected.rules == set()


def test_97112_with_97110_and_modifier_59(k):
    r = k.check(pt({"code": "97112", "minutes": 20, "modifiers": ["GP"]},
                   {"code": "97110", "minutes": 18, "modifiers": ["GP", "59"]}))
    assert r.rules == {"modifier.distinct-unsupported"}
    assert r.units == {"97112": 2, "97110": 1}
    assert k.check(pt({"code": "97112", "minutes": 20, "modifiers": ["GP"]},
                      {"code": "97110", "minutes": 18, "modifiers": ["GP"]})).rules == set()


def test_scenario_d_under_billing(k):
    """Coding Ahead: 20 + 18 minutes billed as 2 units; 38 minutes are 3."""
    r = k.check(pt({"code": "97112", "minutes": 20, "units": 1, "modifiers": ["GP"]},
                   {"code": "97110", "minutes": 18, "units": 1, "modifiers": ["GP"]}))
    f = next(f for f in r.findings if f.rule == "units.mismatch")
    assert f.severity == "warning" and "1 unit left unbilled" in f.message and f.fix == "Bill 97112 × 2."


def test_pta_visit_2021(k):
    """A PTA's 97110 in 2021: CQ (not CO) is required from 2020, and the payment is not yet reduced."""
    # where the knowledge base's data (MUEs, visit rules) start after 2021, the visit says so (date.no-data)
    gaps = {"date.no-data"} if k.payer("medicare", as_of=date(2021, 6, 1)).no_data() else set()
    without = k.check(pt({"code": "97110", "minutes": 30, "assistant_minutes": 30, "modifiers": ["GP"]},
                         day="2021-06-01"))
    assert without.rules == {"modifier.assistant-missing"} | gaps
    wrong = k.check(pt({"code": "97110", "minutes": 30, "assistant_minutes": 30, "modifiers": ["GP", "CO"]},
                       day="2021-06-01"))
    assert wrong.rules == {"modifier.assistant-mismatch"} | gaps
    right = k.check(pt({"code": "97110", "minutes": 30, "assistant_minutes": 30, "modifiers": ["GP", "CQ"]},
                       day="2021-06-01"))
    assert right.rules == gaps and right.lines[0].payment_factor == 1.0


def test_pta_visit_2026(k):
    r = k.check(pt({"code": "97110", "minutes": 30, "assistant_minutes": 30, "modifiers": ["GP", "CQ"]}))
    assert r.rules == set() and r.lines[0].payment_factor == pytest.approx(0.85)
    # within the de minimis share the service is the therapist's: no CQ, full payment
    r = k.check(pt({"code": "97110", "minutes": 30, "assistant_minutes": 3, "modifiers": ["GP"]}))
    assert r.rules == set() and r.lines[0].payment_factor == 1.0


def test_kx_and_the_mue_the_theraplatform_article_misattributes(k):
    """'97112 is limited to 4 units per date of service per discipline': it is an MUE, per day, not per discipline."""
    r = k.check(pt({"code": "97112", "minutes": 75, "units": 5, "modifiers": ["GP", "KX"]}, ytd_allowed=2600))
    assert r.rules == {"mue.exceeded"}
    assert "MUE) of 4" in next(f for f in r.findings if f.rule == "mue.exceeded").message


def test_commercial_payers_do_not_inherit_medicare_only_rules(k):
    visit = pt({"code": "97110", "minutes": 30, "modifiers": ["GP"]}, ytd_allowed=5000)
    assert "modifier.kx-missing" in k.check(visit).rules
    for payer in k.payers():
        p = k.payer(payer, as_of=date(2026, 3, 2))
        if not any(r.type == "threshold" for r in p.modifier_rules()):
            assert not {"modifier.kx-missing", "modifier.kx-unneeded"} & k.check({**visit, "payer": payer}).rules
