"""The Python API contract: names, return types, dates, inheritance."""

from __future__ import annotations

import dataclasses
from datetime import date
from pathlib import Path

import pytest

import kb
from kb.model import CodeInfo, Mue, PtpEdit

MINI_TREE = Path(__file__).parent / "fixtures" / "mini"


def test_payers_and_unknowns(mini):
    assert mini.payers() == ["commercial-cpt-midpoint", "medicare"]
    with pytest.raises(kb.QueryError, match="unknown payer 'nobody'"):
        mini.payer("nobody")
    with pytest.raises(kb.InputError):
        mini.payer("medicare", as_of="2026-03-02")
    with pytest.raises(kb.InputError):
        mini.payer("medicare", state="Ohio")
    assert mini.payer("medicare").as_of == date.today()


def test_code_fields(medicare):
    info = medicare.code("97112")
    assert isinstance(info, CodeInfo)
    assert (info.code, info.timed, info.family, info.unit_minutes) == ("97112", True, "therapeutic-procedure", 15)
    assert info.summary and info.mue.value == 4 and info.one_on_one
    assert info.rule is not None and info.rule.documentation[0]["id"] == "technique"
    assert {r.id for r in info.modifier_rules} >= {"discipline", "assistant"}
    assert "97112" in str(info)
    with pytest.raises(dataclasses.FrozenInstanceError):
        info.timed = False  # type: ignore[misc]


def test_ptp_either_order_and_by_date(mini):
    now = mini.payer("medicare", as_of=date(2026, 3, 2))
    edit = now.ptp("97110", "97150")
    assert isinstance(edit, PtpEdit)
    assert (edit.column1, edit.column2, edit.modifier_indicator) == ("97150", "97110", 1)
    assert edit.sources and edit.effective_from == date(2020, 1, 1) and edit.effective_to is None
    assert now.ptp("97150", "97110") == edit
    assert now.ptp("97110", "97112") is None
    # the 97140/97530 edit ended on 2019-12-31 (its deletion date is the last day in force)
    assert now.ptp("97140", "97530") is None
    assert mini.payer("medicare", as_of=date(2019, 12, 31)).ptp("97530", "97140").modifier_indicator == 1
    assert mini.payer("medicare", as_of=date(2020, 1, 1)).ptp("97530", "97140") is None


def test_mue_thresholds_and_modifier_rules(mini, medicare):
    mue = medicare.mue("97112")
    assert isinstance(mue, Mue) and (mue.value, mue.mai) == (4, 3)
    assert medicare.mue("97110") is None
    assert mini.payer("medicare", as_of=date(2024, 6, 1)).threshold("KX", discipline="PT") == 2330
    assert mini.payer("medicare", as_of=date(2024, 6, 1)).threshold("KX", discipline="SLP") == 2330
    assert medicare.threshold("KX", discipline="OT") is None  # no 2026 amount in the mini tree
    with pytest.raises(kb.InputError):
        medicare.threshold("KX", discipline="XX")
    assert mini.payer("medicare", as_of=date(2019, 6, 1)).modifier_rules("97112")[0].id == "discipline"
    assert {r.id for r in medicare.modifier_rules("97112")} == {"assistant", "discipline", "distinct"}


def test_inheritance_is_resolved_and_visible(mini):
    child = mini.payer("commercial-cpt-midpoint", as_of=date(2026, 3, 2))
    assert child.extends == "medicare" and child.lineage == ("commercial-cpt-midpoint", "medicare")
    method = child.unit_method()
    assert method.method == "cpt-per-code-midpoint" and not method.inherited
    inherited = child.ptp("97150", "97110")
    assert inherited.inherited and inherited.declared_by == "medicare" and inherited.payer == "commercial-cpt-midpoint"
    assert child.ptp("97150", "97112") is None  # removed explicitly
    assert [r["key"] for r in child.removed] == ["97150/97112"]
    assert child.mue("97112").inherited
    assert all(r.inherited for r in child.inherited("modifier_rules"))


def test_explanation_prints_steps_and_source(medicare):
    text = str(medicare.explain_units({"97112": 24, "97110": 23}))
    assert "47 minutes" in text and "97112 x2" in text and "§20.2" in text


def test_graph_layout(mini):
    g = mini.graph
    kinds = {d["kind"] for _, d in g.nodes(data=True)}
    assert kinds == {"payer", "code", "modifier", "method", "threshold"}
    for u, v, d in g.edges(data=True):
        assert d["kind"]
        if d["kind"] == "extends":
            continue
        assert d["sources"], (u, v, d["kind"])
        assert isinstance(d["effective_from"], date)
        assert d["effective_to"] is None or isinstance(d["effective_to"], date)
    bundles = [(u, v) for u, v, d in g.edges(data=True) if d["kind"] == "bundles" and d["payer"] == "medicare"]
    assert ("code:97150", "code:97110") in bundles
    assert g.has_edge("payer:commercial-cpt-midpoint", "payer:medicare")
    medicare_method = [v for _, v, d in g.out_edges("payer:medicare", data=True) if d["kind"] == "counts_units_by"]
    assert medicare_method == ["method:cms-total-time"]


def test_removing_a_whole_section(tmp_path):
    import shutil

    import kb as kb_module

    tree = tmp_path / "policies"
    shutil.copytree(MINI_TREE, tree)
    child = tree / "payers" / "commercial-cpt-midpoint.yaml"
    child.write_text(child.read_text().replace(
        "remove:\n",
        "remove:\n  - section: thresholds\n"
        "    sources: [{doc: predictionhealth-total-vs-ama}]\n    evidence: secondary\n"))
    k = kb_module.load(tree)
    p = k.payer("commercial-cpt-midpoint", as_of=date(2024, 6, 1))
    assert p.thresholds() == [] and p.threshold("KX", "PT") is None
    assert k.payer("medicare", as_of=date(2024, 6, 1)).threshold("KX", "PT") == 2330
    assert [r.get("key") for r in p.removed] == [None, "97150/97112"]
