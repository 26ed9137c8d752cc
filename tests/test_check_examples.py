"""Every payer's worked examples through the claim checker: units, findings (exactly these rule ids), payment factors.

The examples live in the policies (each payer's `examples`); a maintainer who adds one adds a test here.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest

import kb

ROOT = Path(__file__).resolve().parent.parent
TREES = {"policies": ROOT / "policies", "check-fixture": Path(__file__).parent / "fixtures" / "check",
         "mini": Path(__file__).parent / "fixtures" / "mini"}


@cache
def knowledge(tree: str) -> kb.KnowledgeBase:
    return kb.load(TREES[tree])


def _examples() -> list:
    cases = []
    for tree in TREES:
        k = knowledge(tree)
        for payer in k.payers():
            for example in k.payer(payer).examples:
                cases.append(pytest.param(tree, payer, example, id=f"{tree}:{payer}:{example['id']}"))
    return cases


@pytest.mark.parametrize(("tree", "payer", "example"), _examples())
def test_worked_example(tree, payer, example):
    k = knowledge(tree)
    visit = {**example["visit"], "payer": payer, "date": example["date"]}
    result = k.check(visit)
    expect = example["expect"]
    if "units" in expect:
        assert result.units == expect["units"]
    if "units_any_of" in expect:
        assert result.units in expect["units_any_of"]
    if "findings" in expect:
        assert result.rules == set(expect["findings"]), str(result)
    for code, factor in expect.get("payment_factors", {}).items():
        assert [ln.payment_factor for ln in result.lines if ln.code == code] == [pytest.approx(factor)]
    # whatever the example expects, the units agree with the core API
    minutes = {ln.code: ln.minutes or 0 for ln in result.lines}
    assert result.units == k.payer(payer, as_of=result.date, state=visit.get("state")).units(minutes)


def test_there_are_examples_with_findings():
    k = knowledge("policies")
    with_findings = [e for p in k.payers() for e in k.payer(p).examples if "findings" in e["expect"]]
    assert len(with_findings) >= 5
