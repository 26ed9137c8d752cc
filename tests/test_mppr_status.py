"""Which codes Medicare's therapy MPPR reaches, per code (issue 8: MPPR status per code, the RTM codes).

Source: CMS's National Physician Fee Schedule Relative Value File, July 2024 (RVU24C,
https://www.cms.gov/medicare/payment/fee-schedules/physician/pfs-relative-value-files; document cms-pfs-rvu-2024c),
MULT PROC indicator: 5 = the therapy multiple procedure payment reduction, 0 = none, 9 = concept does not apply.
Read through the copy in andrewallenbruce/northstar (pin pfs_rvu_ind, July 2024).
"""

from __future__ import annotations

from datetime import date

import pytest

import kb

INDICATOR_5 = ["97110", "97112", "97140", "97161", "97530", "92507", "92607", "96125", "G0283"]
INDICATOR_0 = ["98975", "98976", "98977", "98980", "98981", "92608", "92626", "92627", "96105", "97597"]
NOT_READ = ["98979", "98984", "98985"]  # 2026 codes, not in the 2024 file


@pytest.fixture(scope="module")
def mppr() -> frozenset[str]:
    view = kb.load().payer("medicare", as_of=date(2026, 3, 2))
    rules = [a for a in view.payment_adjustments() if a.type == "mppr"]
    assert len(rules) == 1
    return frozenset(rules[0].applies_to)


@pytest.mark.parametrize("code", INDICATOR_5)
def test_codes_with_indicator_5_take_the_mppr(mppr, code):
    assert code in mppr


@pytest.mark.parametrize("code", INDICATOR_0 + NOT_READ)
def test_codes_with_indicator_0_or_unread_do_not(mppr, code):
    assert code not in mppr


def test_every_code_the_mppr_reaches_cites_the_fee_schedule_file_or_ended_before_it():
    import yaml

    from kb.paths import shipped_policies

    codes = {c["code"]: c for c in yaml.safe_load((shipped_policies() / "codes.yaml").read_text())["codes"]}
    for code in ("98975", "98976", "98977", "98980", "98981", "92608", "96125", "G0283"):
        assert "cms-pfs-rvu-2024c" in {s["doc"] for s in codes[code]["sources"]}, code
    for code in NOT_READ:
        assert "MPPR status is not sourced" in codes[code]["notes"], code
