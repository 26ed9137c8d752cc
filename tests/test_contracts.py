"""The published contracts (schema/visit.schema.json, schema/check-result.schema.json): generated from the code,
committed as generated, and in agreement with what the checker accepts and returns."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from test_check_input import BAD, GOOD

import kb
from kb.check import contracts
from kb.check.registry import findings

ROOT = Path(__file__).resolve().parent.parent
TREES = (ROOT / "policies", Path(__file__).parent / "fixtures" / "check")
VISIT, RESULT = contracts.VISIT_FILE, contracts.RESULT_FILE

# bad input the schema cannot express (it needs the knowledge base, or arithmetic across fields)
BEYOND_SCHEMA = {"unknown payer 'nobody'", "no rules in force on 1999-01-01 (its rules start on 2015-01-01)",
                 "its rules start on 2024-01-01", "a day", "more than the line's 30 minutes", "not after start",
                 "do not fit", "97110 is a timed code"}
EXPRESSIBLE = [case for case in BAD if case[2] not in BEYOND_SCHEMA]


@pytest.mark.parametrize("name", [VISIT, RESULT])
def test_the_committed_schema_is_what_the_code_generates(name):
    committed = (ROOT / "schema" / name).read_text(encoding="utf-8")
    assert committed == contracts.text(name), f"run: python -m kb.check.contracts (schema/{name} is stale)"


def _examples():
    for tree in TREES:
        k = kb.load(tree)
        for pid in k.payers():
            for example in k.payer(pid).examples:
                visit = {**example["visit"], "payer": pid, "date": example["date"]}
                yield k, json.loads(json.dumps(visit, default=str))


def test_every_worked_example_is_a_valid_visit_and_its_result_a_valid_result():
    seen = 0
    for k, visit in _examples():
        assert contracts.problems(VISIT, visit) == [], visit
        result = k.check(visit).to_dict()
        assert contracts.problems(RESULT, result) == [], result
        seen += 1
    assert seen >= 20


def test_a_visit_error_and_a_visit_without_minutes_are_valid_results():
    k = kb.load(TREES[1])
    errors = [r.to_dict() for r in k.check_many([{**GOOD, "date": "2026-02-30"}, "not a visit"])]
    bare = k.check({**GOOD, "lines": [{"code": "97110", "units": 2, "modifiers": ["GP"]}]}).to_dict()
    assert bare["skipped"] == ["units"]
    for data in (*errors, bare):
        assert contracts.problems(RESULT, data) == [], data


@pytest.mark.parametrize(("visit", "field", "words"), EXPRESSIBLE, ids=[f"{f}:{w}" for _, f, w in EXPRESSIBLE])
def test_what_the_checker_refuses_the_schema_refuses(visit, field, words):
    assert contracts.problems(VISIT, visit), (field, words)


def test_problems_lists_every_problem_at_once_with_its_place():
    bad = {**GOOD, "date": "2026-13-01", "lines": [{"code": "hello", "minutes": -5}, {"minutes": 3}]}
    found = contracts.problems(VISIT, bad)
    assert any(p.startswith("date:") for p in found)
    assert any(p.startswith("lines[0].code:") for p in found)
    assert any(p.startswith("lines[0].minutes:") for p in found)
    assert any(p.startswith("lines[1]:") and "'code' is a required property" in p for p in found)


def test_the_result_schema_names_every_declared_finding_id():
    schema = contracts.result_schema()
    assert schema["$defs"]["finding"]["properties"]["rule"]["enum"] == sorted(findings())


def test_the_schemas_are_the_ones_the_package_reads():
    from kb.schemas import schema_contents

    assert {VISIT, RESULT} <= set(schema_contents())
    assert date.fromisoformat(GOOD["date"])  # the shared good visit is canonical JSON
    assert contracts.problems(VISIT, GOOD) == []
