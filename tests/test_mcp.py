"""`kb mcp`: the MCP server answers tools/list and every tool through the official SDK's own client over stdio;
every answer is dated and sourced, and "no data for this payer/date" is never "clean"."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path
from typing import Any

import anyio
import pytest
import yaml

import kb
from kb import mcp_answers as answers
from kb.check import contracts
from kb.mcp_server import TOOLS

pytest.importorskip("mcp", reason="the [mcp] extra is part of the dev install")
from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client

CHECK = Path(__file__).parent / "fixtures" / "check"
MINI = Path(__file__).parent / "fixtures" / "mini"
DOS = "2026-03-02"
HEADER = "# yaml-language-server: $schema=../../../../schema/payer.schema.json\n"
GOOD = {"payer": "checkpay", "date": DOS, "plan_of_care": "PT",
        "lines": [{"code": "97110", "minutes": 30, "units": 2, "modifiers": ["GP"]}]}
BAD = {"payer": "checkpay", "date": DOS, "plan_of_care": "PT",
       "lines": [{"code": "97150", "minutes": 30, "modifiers": ["GP"]},
                 {"code": "97110", "minutes": 20, "units": 3, "modifiers": ["GP"]}]}
CALLS: dict[str, tuple[str, dict[str, Any]]] = {
    "units": ("units", {"payer": "checkpay", "date": DOS, "minutes": {"97112": 24, "97110": 23}}),
    "check-clean": ("check", {"visit": GOOD}),
    "check-findings": ("check", {"visit": BAD}),
    "check-invalid": ("check", {"visit": {"payer": "checkpay", "date": "2026-13-01",
                                          "lines": [{"code": "hello", "minutes": -5}]}}),
    "check-no-minutes": ("check", {"visit": {**GOOD, "lines": [{"code": "97110", "units": 2, "modifiers": ["GP"]}]}}),
    "check-no-data": ("check", {"visit": {**GOOD, "date": "1999-01-01"}}),
    "ptp-found": ("ptp", {"payer": "checkpay", "date": DOS, "code_a": "97110", "code_b": "97150"}),
    "ptp-clean": ("ptp", {"payer": "checkpay", "date": DOS, "code_a": "97110", "code_b": "97112"}),
    "ptp-unknown-payer": ("ptp", {"payer": "nobody", "date": DOS, "code_a": "97110", "code_b": "97150"}),
    "ptp-before-any-rule": ("ptp", {"payer": "checkpay", "date": "1999-01-01", "code_a": "97110", "code_b": "97150"}),
    "mue-found": ("mue", {"payer": "checkpay", "date": DOS, "code": "97112"}),
    "mue-clean": ("mue", {"payer": "checkpay", "date": DOS, "code": "97530"}),
    "code-rules": ("code_rules", {"payer": "checkpay", "date": DOS, "code": "97110"}),
    "code-rules-bad-date": ("code_rules", {"payer": "checkpay", "date": "March 2nd", "code": "97110"}),
}


async def _session() -> tuple[list[Any], dict[str, Any]]:
    params = StdioServerParameters(command=sys.executable, args=["-m", "kb", "mcp", "--policies", str(CHECK)])
    with anyio.fail_after(120):  # bounded: a hung server fails the test instead of hanging the suite
        async with stdio_client(params) as (read, write), ClientSession(read, write) as session:
            await session.initialize()
            tools = (await session.list_tools()).tools
            out = {}
            for name, (tool, arguments) in CALLS.items():
                result = await session.call_tool(tool, arguments)
                assert not result.is_error, (name, result)
                text = json.loads(result.content[0].text)
                assert result.structured_content == text  # structured and text content agree
                out[name] = text
            return tools, out


@pytest.fixture(scope="module")
def served() -> tuple[list[Any], dict[str, Any]]:
    return anyio.run(_session)


@pytest.fixture(scope="module")
def k() -> kb.KnowledgeBase:
    return kb.load(CHECK)


def test_tools_list_names_every_tool_read_only(served):
    tools, _ = served
    assert sorted(t.name for t in tools) == sorted(TOOLS)
    for t in tools:
        assert t.description and t.annotations.read_only_hint is True and t.annotations.destructive_hint is False
        assert t.input_schema["type"] == "object"


def test_every_answer_is_dated_and_carries_the_knowledge_base(served, k):
    _, out = served
    for name, answer in out.items():
        assert answer["status"] in ("found", "clean", "findings", "no-data", "invalid"), name
        assert answer["knowledge_base"]["content_hash"] == k.content_hash
        assert answer["summary"] and "Not billing advice" in answer["note"]
        if answer["status"] != "invalid":
            assert answer["as_of"], name
        if answer["status"] in ("found", "findings"):
            assert answer["sources"] and all(s["title"] for s in answer["sources"]), name


def test_units_match_the_api(served, k):
    _, out = served
    a = out["units"]
    assert a["status"] == "found" and a["as_of"] == DOS
    assert a["answer"]["units"] == k.payer("checkpay", as_of=kb_date(DOS)).units({"97112": 24, "97110": 23})
    assert a["answer"]["steps"] and a["answer"]["rule"]["effective_from"]


def kb_date(text: str):
    from datetime import date

    return date.fromisoformat(text)


def test_check_answers_clean_findings_invalid_and_no_data(served, k):
    _, out = served
    assert out["check-clean"]["status"] == "clean" and out["check-clean"]["answer"]["findings"] == []
    findings = out["check-findings"]
    assert findings["status"] == "findings"
    assert findings["answer"] == k.check(BAD).to_dict()
    assert contracts.problems(contracts.RESULT_FILE, findings["answer"]) == []
    assert {"ptp.modifier-required", "units.mismatch"} <= {f["rule"] for f in findings["answer"]["findings"]}
    invalid = out["check-invalid"]
    assert invalid["status"] == "invalid" and len(invalid["problems"]) >= 3  # every problem at once
    assert out["check-no-minutes"]["answer"]["skipped"] == ["units"]
    assert "Not checked without minutes: units" in out["check-no-minutes"]["summary"]
    assert out["check-no-data"]["status"] == "no-data"


def test_lookups_tell_found_clean_and_no_data_apart(served):
    _, out = served
    found = out["ptp-found"]
    assert found["status"] == "found" and found["answer"]["column1"] == "97150"
    assert found["answer"]["effective_from"] and found["sources"]
    assert out["ptp-clean"]["status"] == "clean" and out["ptp-clean"]["answer"] is None
    assert out["ptp-unknown-payer"]["status"] == "no-data" and "nobody" in out["ptp-unknown-payer"]["summary"]
    assert out["ptp-before-any-rule"]["status"] == "no-data"
    assert out["mue-found"]["status"] == "found" and out["mue-found"]["answer"]["value"] == 4
    assert out["mue-clean"]["status"] == "clean"
    rules = out["code-rules"]
    assert rules["status"] == "found" and rules["answer"]["timed"] is True
    assert rules["answer"]["mue"]["value"] == 3 and rules["answer"]["ptp_edits"]
    assert out["code-rules-bad-date"]["status"] == "invalid"


def test_a_payer_without_bundling_data_is_no_data_not_clean(tmp_path):
    """The same question is `clean` for a payer with PTP and MUE data and `no-data` for one without any."""
    tree = tmp_path / "tree"
    shutil.copytree(MINI, tree)
    (tree / "payers" / "nobundle.yaml").write_text(HEADER + yaml.safe_dump({
        "id": "nobundle", "name": "A payer with no bundling or MUE data", "kind": "generic",
        "unit_methods": [{"method": "cpt-per-code-midpoint", "effective_from": "2013-01-01",
                          "sources": [{"doc": "predictionhealth-total-vs-ama"}], "evidence": "secondary"}]}))
    k = kb.load(tree)
    assert answers.ptp(k, "medicare", DOS, "97530", "97035")["status"] == "clean"
    no_ptp = answers.ptp(k, "nobundle", DOS, "97530", "97035")
    assert no_ptp["status"] == "no-data" and "no bundling" in no_ptp["summary"]
    assert answers.mue(k, "nobundle", DOS, "97110")["status"] == "no-data"
    assert answers.mue(k, "medicare", DOS, "97110")["status"] in ("found", "clean")


ROOT = Path(__file__).resolve().parent.parent
X12 = Path(__file__).parent / "fixtures" / "x12"


async def _explain(era: str, claims: str | None) -> list[dict[str, Any]]:
    params = StdioServerParameters(command=sys.executable,
                                   args=["-m", "kb", "mcp", "--policies", str(ROOT / "policies")])
    with anyio.fail_after(120):
        async with stdio_client(params) as (read, write), ClientSession(read, write) as session:
            await session.initialize()
            out = []
            for arguments in ({"era": era}, {"era": era, "claims": claims}, {"era": "not an 835"},
                              {"era": era, "payer": "nobody"}):
                result = await session.call_tool("explain_remittance", arguments)
                assert not result.is_error
                out.append(result.structured_content)
            for arguments in ({}, {"payer": "anthem"}, {"payer": "nobody"}):
                result = await session.call_tool("findings", arguments)
                assert not result.is_error
                out.append(result.structured_content)
            return out


def test_explain_remittance_names_the_rule_behind_each_denied_line():
    era = (X12 / "medicare.835").read_text()
    plain, with_claims, invalid, unknown, *kinds = anyio.run(_explain, era, (X12 / "professional.837").read_text())
    k = kb.load(ROOT / "policies")
    from kb.remit.explain import explain_remittance

    assert plain["answer"] == explain_remittance(k, era).to_dict()
    for answer in (plain, with_claims):
        assert answer["status"] == "found" and answer["payer"] == "medicare" and answer["as_of"]
        reasons = {r["finding"] for ln in answer["answer"]["lines"] for a in ln["adjustments"] for r in a["reasons"]}
        assert {"ptp.modifier-required", "mue.exceeded"} <= reasons
        assert answer["sources"]
    assert invalid["status"] == "invalid" and unknown["status"] == "no-data"
    every, for_anthem, no_payer = kinds
    from kb.check.registry import findings

    assert [f["id"] for f in every["answer"]] == list(findings()) and "remittance" not in every["answer"][0]
    assert {f["id"]: f["remittance"]["payer"] for f in for_anthem["answer"]} == dict.fromkeys(findings(), "anthem")
    mue = next(f for f in for_anthem["answer"] if f["id"] == "mue.exceeded")
    assert mue["remittance"] == k.remittance("mue.exceeded", "anthem").to_dict() and for_anthem["sources"]
    assert no_payer["status"] == "no-data"
