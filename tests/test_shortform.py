"""The short form of payer files (kb/shorthand.py): groups, compact rows, the documentation catalogue, per-fact
sources, checklist additions and removals; and the migration that writes it (kb/migrate.py)."""

from __future__ import annotations

import shutil
import textwrap
from datetime import date
from pathlib import Path

import pytest

from kb.cli import main
from kb.compiler import compile_tree
from kb.migrate import expand_tree, migrate_tree
from kb.problems import PolicyError
from kb.shorthand import expand_payer

ROOT = Path(__file__).resolve().parent.parent
POLICIES = ROOT / "policies"
MINI = Path(__file__).parent / "fixtures" / "mini"
HEADER = "# yaml-language-server: $schema=../../../../schema/payer.schema.json\n"


def knowledge(model: dict) -> dict:
    """The compiled knowledge without what depends on the files' bytes."""
    return {k: v for k, v in model.items() if k not in ("inputs", "content_hash")}


# -- the shipped tree --------------------------------------------------------------------------------------


def test_the_shipped_short_form_compiles_to_the_same_knowledge_as_its_long_form(tmp_path):
    long_form = tmp_path / "long"
    expand_tree(POLICIES, long_form)
    assert not (long_form / "documentation.yaml").exists()
    assert "rows:" not in (long_form / "payers" / "medicare.yaml").read_text()
    assert knowledge(compile_tree(long_form)) == knowledge(compile_tree(POLICIES))


def test_migrating_the_long_form_gives_the_same_knowledge_and_is_rerunnable(tmp_path):
    tree = tmp_path / "tree"
    expand_tree(POLICIES, tree)
    report = migrate_tree(tree)
    assert not report.kept and (tree / "documentation.yaml").exists()
    assert knowledge(compile_tree(tree)) == knowledge(compile_tree(POLICIES))
    first = {p: p.read_bytes() for p in sorted(tree.rglob("*.yaml"))}
    assert migrate_tree(tree).changed == []  # a second run changes nothing
    assert {p: p.read_bytes() for p in sorted(tree.rglob("*.yaml"))} == first


def test_medicare_is_at_most_forty_percent_of_its_long_form(tmp_path):
    expand_tree(POLICIES, tmp_path)
    short = len((POLICIES / "payers" / "medicare.yaml").read_text().splitlines())
    long = len((tmp_path / "payers" / "medicare.yaml").read_text().splitlines())
    assert short <= 0.4 * long, (short, long)


def test_no_checklist_is_written_out_in_a_shipped_payer_file():
    import yaml

    for path in (POLICIES / "payers").glob("*.yaml"):
        data = yaml.safe_load(path.read_text())
        for item in data.get("code_rules") or []:
            rows = item.get("rows", [item])
            for row in [item.get("shared", {}), *rows]:
                if isinstance(row, dict):
                    assert all(isinstance(e, str) for e in row.get("documentation", [])), (path.name, row)


# -- expansion ---------------------------------------------------------------------------------------------


def test_a_group_row_takes_the_shared_fields_and_overrides_what_it_states():
    data = {"ptp_edits": [{
        "shared": {"modifier_indicator": 1, "effective_from": "2024-07-01", "sources": [{"doc": "d"}],
                   "evidence": "primary", "notes": "Shared."},
        "rows": ["97150/97110", {"edit": "97150/97112", "modifier_indicator": 0, "more_notes": "And this."}],
    }]}
    rows = expand_payer(data, {}).data["ptp_edits"]
    assert rows[0] == {"column1": "97150", "column2": "97110", "modifier_indicator": 1, "effective_from": "2024-07-01",
                       "sources": [{"doc": "d"}], "evidence": "primary", "notes": "Shared."}
    assert rows[1]["modifier_indicator"] == 0 and rows[1]["column2"] == "97112"
    assert rows[1]["notes"] == "Shared. And this." and "more_notes" not in rows[1]


def test_threshold_rows_give_one_rule_per_group_with_the_group_sentence():
    data = {"thresholds": [{
        "shared": {"name": "KX", "sources": [{"doc": "d"}], "evidence": "bulletin", "notes": "From the MAC.",
                   "group_notes": {"PT-SLP": "PT and SLP together.", "OT": "OT alone."}},
        "rows": [{"year": 2024, "amounts": {"PT-SLP": 2330, "OT": 2330}}],
    }, {"shared": {"name": "targeted-review", "amounts": {"PT-SLP": 3000}, "sources": [{"doc": "d"}],
                   "evidence": "primary"}, "rows": [2018, 2019]}]}
    rules = expand_payer(data, {}).data["thresholds"]
    assert [(r["name"], r["group"], r["year"], r["amount"]) for r in rules] == [
        ("KX", "PT-SLP", 2024, 2330), ("KX", "OT", 2024, 2330),
        ("targeted-review", "PT-SLP", 2018, 3000), ("targeted-review", "PT-SLP", 2019, 3000)]
    assert rules[0]["notes"] == "From the MAC. PT and SLP together." and rules[1]["notes"] == "From the MAC. OT alone."
    assert "notes" not in rules[2]


def test_documentation_references_become_the_catalogue_elements():
    items = {"minutes-x": {"id": "minutes-x", "element_id": "minutes", "element": "Minutes", "match": ["min"],
                           "sources": [{"doc": "d"}]}}
    rules = expand_payer({"code_rules": [{"code": "97110", "documentation": ["minutes-x", "unknown"]}]}, items)
    assert rules.data["code_rules"][0]["documentation"] == [
        {"id": "minutes", "element": "Minutes", "match": ["min"], "sources": [{"doc": "d"}]}, "unknown"]


# -- validation of the short form: one message, where the value is written ----------------------------------


CHILD = """\
id: child
name: Child plan
kind: commercial
extends: medicare
"""


def _tree(tmp_path: Path, child: str, catalogue: str | None = None) -> Path:
    """The mini tree plus payers/child.yaml (extends medicare) and, if given, documentation.yaml."""
    tree = tmp_path / "policies"
    shutil.copytree(MINI, tree)
    (tree / "payers" / "child.yaml").write_text(HEADER + CHILD + textwrap.dedent(child))
    if catalogue is not None:
        (tree / "documentation.yaml").write_text(
            "# yaml-language-server: $schema=../../../schema/documentation.schema.json\n" + textwrap.dedent(catalogue))
    return tree


def _problems(tree: Path) -> list[str]:
    with pytest.raises(PolicyError) as err:
        compile_tree(tree)
    return [f"{p.line}:{p.path}: {p.message}" for p in err.value.problems]


def _line_of(tree: Path, text: str) -> int:
    lines = (tree / "payers" / "child.yaml").read_text().splitlines()
    return next(i for i, line in enumerate(lines, 1) if text in line)


MUES = """\
mues:
  - shared:
      mai: 3
      effective_from: 2024-07-01
      sources: [{doc: cms-pub100-04-ch5}]
      evidence: primary
      EXTRA
    rows:
      - {code: "97110", value: 6}
      - {code: "97116", value: 4}
      - {code: "97140", value: 6}
"""


def test_a_bad_shared_value_is_reported_once_at_its_line(tmp_path):
    tree = _tree(tmp_path, MUES.replace("EXTRA", "effective_to: 2024-02-30"))
    problems = _problems(tree)
    assert problems == [f"{_line_of(tree, 'effective_to:')}:mues.0.shared.effective_to: "
                        "'2024-02-30' is not a valid date (a calendar date written YYYY-MM-DD)"]


def test_a_misspelt_shared_field_is_named_once_at_its_line(tmp_path):
    tree = _tree(tmp_path, MUES.replace("EXTRA", "rationle: Clinical"))
    problems = _problems(tree)
    assert len(problems) == 1, problems
    assert problems[0].startswith(f"{_line_of(tree, 'rationle')}:mues.0.shared.rationle: unknown field 'rationle' "
                                  "(did you mean 'rationale'?)")


def test_a_row_missing_a_required_field_is_located_at_the_row(tmp_path):
    tree = _tree(tmp_path, MUES.replace("EXTRA", "").replace('{code: "97116", value: 4}', '{code: "97116"}'))
    assert _problems(tree) == [f"{_line_of(tree, '97116')}:mues.0.rows.1: missing required field 'value'"]


def test_a_malformed_compact_row_is_named(tmp_path):
    child = """\
    ptp_edits:
      - shared: {modifier_indicator: 1, effective_from: 2024-07-01, sources: [{doc: cms-pub100-04-ch5}],
                 evidence: primary}
        rows: ["97150-97110"]
    """
    tree = _tree(tmp_path, child)
    assert _problems(tree) == [f"{_line_of(tree, 'rows:')}:ptp_edits.0.rows.0: '97150-97110' is not an edit: "
                               "write COLUMN1/COLUMN2, e.g. 97150/97110"]


CATALOGUE = """\
documentation:
  - id: technique
    element: The neuromuscular technique used, by name
    match: ['\\bPNF\\b', 'perturbation']
  - id: minutes
    element: Minutes of the service
    match: ['\\bmin']
    sources: [{doc: cms-pub100-04-ch5, section: "§20.2"}]
"""


def test_unknown_documentation_items_are_named_where_they_are_referenced(tmp_path):
    child = """\
    code_rules:
      - code: "97110"
        documentation: [minutes, minuets]
        effective_from: 2024-01-01
        sources: [{doc: cms-pub100-04-ch5}]
        evidence: primary
    """
    tree = _tree(tmp_path, child, catalogue=CATALOGUE)
    assert _problems(tree) == [f"{_line_of(tree, 'minuets')}:code_rules.0.documentation.1: unknown documentation "
                               "item 'minuets': add it to documentation.yaml"]


def test_a_child_adds_to_and_removes_from_the_inherited_checklist(tmp_path):
    child = """\
    code_rules:
      - code: "97112"
        one_on_one: true
        documentation_add: [minutes]
        documentation_remove: [technique]
        fact_sources:
          documentation: [{doc: cms-pub100-04-ch5, section: "§20.2"}]
        effective_from: 2025-01-01
        sources: [{doc: cms-pub100-04-ch5}]
        evidence: primary
    """
    tree = _tree(tmp_path, child, catalogue=CATALOGUE)
    model = compile_tree(tree)
    rule = next(r for r in model["payers"]["child"]["rules"]["code_rules"] if r["declared_by"] == "child")
    assert [e["id"] for e in rule["documentation"]] == ["minutes"]
    assert rule["documentation"][0]["sources"][0]["title"]  # the item's own source, resolved
    assert rule["fact_sources"]["documentation"][0]["section"] == "§20.2"
    assert "documentation_add" not in rule and "documentation_remove" not in rule
    import kb

    info = kb.load(tree).payer("child", as_of=date(2026, 3, 2)).code("97112")
    assert [e["id"] for e in info.rule.documentation] == ["minutes"]
    assert info.rule.fact_sources["documentation"][0].section == "§20.2"


def test_fact_sources_must_name_a_fact_the_rule_states(tmp_path):
    child = """\
    code_rules:
      - code: "97110"
        one_on_one: true
        fact_sources:
          daily_cap: [{doc: cms-pub100-04-ch5}]
        effective_from: 2024-01-01
        sources: [{doc: cms-pub100-04-ch5}]
        evidence: primary
    """
    tree = _tree(tmp_path, child)
    assert _problems(tree) == [f"{_line_of(tree, 'daily_cap')}:code_rules.0.fact_sources.daily_cap: fact_sources "
                               "names 'daily_cap', which this rule does not state"]


def test_checklist_changes_need_an_inherited_rule(tmp_path):
    child = """\
    code_rules:
      - code: "97110"
        documentation_add: [minutes]
        effective_from: 2024-01-01
        sources: [{doc: cms-pub100-04-ch5}]
        evidence: primary
    """
    tree = _tree(tmp_path, child, catalogue=CATALOGUE)
    assert _problems(tree) == [f"{_line_of(tree, 'documentation_add')}:code_rules.0.documentation_add: "
                               "documentation_add changes an inherited checklist, but no payer this one extends has a "
                               "code rule for 97110: write `documentation` instead"]


# -- the command -------------------------------------------------------------------------------------------


def test_kb_fmt_migrate_converts_a_long_form_tree(tmp_path, capsys):
    tree = tmp_path / "tree"
    expand_tree(POLICIES, tree)
    assert main(["fmt", "--check", "--migrate", str(tree)]) == 1
    assert "not in the short form" in capsys.readouterr().out
    assert main(["fmt", "--migrate", str(tree)]) == 0
    assert main(["fmt", "--check", "--migrate", str(tree)]) == 0
    assert main(["validate", str(tree)]) == 0
