"""`kb stats`: the counts agree with a count made another way — from the authored YAML, group rows expanded by hand —
and the command prints them as text and JSON."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

import kb
from kb.cli import main
from kb.paths import default_policies
from kb.rules import SECTIONS
from kb.stats import BULK_SECTIONS, compute, render, share

POLICIES = default_policies()
MINI = Path(__file__).parent / "fixtures" / "mini"


def authored_grades(root: Path) -> tuple[Counter[tuple[str, str]], set[tuple[str, str, str]]]:
    """(section, grade) -> rules stated in the payer files, and the (payer, section, key) of those graded secondary,
    counted from the YAML as written: a group's rows take the group's `shared` fields unless they restate them; a
    threshold row with `amounts` states one rule per group."""
    yaml = YAML(typ="safe")
    counts: Counter[tuple[str, str]] = Counter()
    secondary: set[tuple[str, str, str]] = set()
    for path in sorted((root / "payers").glob("*.yaml")):
        data = yaml.load(path.read_text(encoding="utf-8"))
        for section, items in data.items():
            if section not in SECTIONS:
                continue
            for item in items:
                rows = ([{**item["shared"], **(r if isinstance(r, dict) else {"_row": r})} for r in item["rows"]]
                        if "shared" in item else [item])
                for row in rows:
                    if section == "thresholds" and isinstance(row.get("_row"), int):
                        row["year"] = row["_row"]
                    groups = list(row["amounts"]) if "amounts" in row else [row.get("group")]
                    counts[(section, row["evidence"])] += len(groups)
                    if row["evidence"] == "secondary" and section != "thresholds":
                        secondary.add((data["id"], section, _key(section, row)))
                    elif row["evidence"] == "secondary":
                        secondary |= {(data["id"], section, f"{row['name']}/{g}/{row['year']}") for g in groups}
    return counts, secondary


def _key(section: str, row: dict[str, Any]) -> str:
    if "_row" in row:  # compact rows: a pair 'C1/C2' or a code
        return str(row["_row"])
    if section in ("code_rules", "mues"):
        return str(row["code"])
    if section == "ptp_edits":
        return str(row.get("edit") or f"{row['column1']}/{row['column2']}")
    if section == "unit_methods":
        return "unit-method"
    return str(row["id"])


@pytest.fixture(scope="module")
def shipped() -> kb.KnowledgeBase:
    return kb.load(POLICIES)


@pytest.mark.parametrize("root", [POLICIES, MINI], ids=["policies", "mini"])
def test_grades_match_a_count_of_the_authored_files(root: Path) -> None:
    stats = compute(kb.load(root).model)
    counts, secondary = authored_grades(root)
    for section, grades in stats.by_section.items():
        for grade, n in grades.items():
            assert n == counts.get((section, grade), 0), (section, grade)
    assert stats.rules == sum(counts.values())
    assert {(r.payer, r.section, r.key) for r in stats.secondary} == secondary


def test_totals_and_the_share_without_bulk_rows(shipped: kb.KnowledgeBase) -> None:
    model = shipped.model
    stats = compute(model)
    assert (stats.payers, stats.codes, stats.documents) == (len(model["payers"]), len(model["codes"]),
                                                            len(model["documents"]))
    without = Counter(r["evidence"] for p in model["payers"].values() for s, rules in p["rules"].items()
                      if s not in BULK_SECTIONS for r in rules if r["declared_by"] == p["id"])
    assert stats.grades_without_bulk == {g: without.get(g, 0) for g in ("primary", "bulletin", "secondary")}
    assert share(stats.grades_without_bulk) == round((without["primary"] + without["bulletin"])
                                                     / sum(without.values()), 4)
    assert sum(stats.grades.values()) == stats.rules > sum(stats.grades_without_bulk.values())


def test_share_of_an_empty_count_is_none() -> None:
    assert share({"primary": 0, "bulletin": 0, "secondary": 0}) is None
    assert share({"primary": 1, "bulletin": 1, "secondary": 2}) == 0.5


def test_text_table_lists_every_secondary_rule(shipped: kb.KnowledgeBase) -> None:
    stats = compute(shipped.model)
    text = render(stats, by_section=True)
    assert f"{stats.rules} rules" in text and "without bulk NCCI rows" in text and "ptp_edits" in text
    listed = text.split("source these next", 1)[1].strip().splitlines()
    assert len(listed) == len(stats.secondary)
    assert "source these next" not in render(stats, list_secondary=False)


def test_command_json_and_text(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["stats", "--policies", str(MINI), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    stats = compute(kb.load(MINI).model)
    assert data["rules"] == stats.rules and data["grades"]["checkable_share"] == share(stats.grades)
    assert [r["id"] for r in data["secondary"]] == [r.key for r in stats.secondary]
    assert main(["stats", "--policies", str(MINI), "--by-section"]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"{stats.payers} payers, {stats.codes} codes") and "(remove entries)" in out


def test_command_misuse_exits_2(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert main(["stats", "--policies", str(tmp_path / "nowhere")]) == 2
    assert "no policy folder" in capsys.readouterr().err
