"""kb diff: what a policy change does, in billing terms."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from kb.cli import main

MINI = Path(__file__).parent / "fixtures" / "mini"


def changed_tree(tmp_path: Path) -> Path:
    tree = tmp_path / "after"
    shutil.copytree(MINI, tree)
    med = tree / "payers" / "medicare.yaml"
    text = med.read_text()
    text = text.replace('{column1: "97150", column2: "97110", modifier_indicator: 1',
                        '{column1: "97150", column2: "97110", modifier_indicator: 0')
    text = text.replace("method: cms-total-time", "method: whole-units")
    med.write_text(text)
    return tree


def test_diff_lists_rule_changes_and_moved_answers(tmp_path, capsys):
    after = changed_tree(tmp_path)
    assert main(["diff", "--before", str(MINI), "--policies", str(after)]) == 1  # 1: the knowledge changed
    out = capsys.readouterr().out
    assert "2 changes since" in out
    # the change reaches the payer that inherits the edit: said once, on the payer that states it
    assert ("~ payer medicare: ptp_edits 97150/97110 from 2020-01-01 (inherited by 1 payer)\n"
            "      modifier_indicator: 1 -> 0") in out
    assert "payer commercial-cpt-midpoint" not in out
    assert "method: 'cms-total-time' -> 'whole-units'" in out
    moved = "medicare example cms-example-1 (2026-03-02): units {'97112': 2, '97110': 1} -> {'97112': 1, '97110': 1}"
    assert moved in out


def test_diff_json_and_no_change(tmp_path, capsys):
    assert main(["diff", "--before", str(MINI), "--policies", str(MINI), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["changes"] == [] and data["before"] == data["after"]
    assert main(["diff", "--before", str(MINI), "--policies", str(MINI)]) == 0
    assert "no change" in capsys.readouterr().out


def test_diff_against_git_revision(capsys):
    assert main(["diff", "--policies", str(MINI), "--base", "HEAD"]) == 0
    assert "no change in the knowledge base since git HEAD" in capsys.readouterr().out
    assert main(["diff", "--policies", str(MINI), "--base", "no-such-revision"]) == 2


def _tree_with(tmp_path: Path, name: str, edit) -> Path:
    tree = tmp_path / name
    shutil.copytree(MINI, tree)
    edit(tree)
    return tree


def test_a_new_payer_is_summarised_and_the_markdown_is_a_pr_comment(tmp_path, capsys):
    def add_payer(tree: Path) -> None:
        child = (tree / "payers" / "commercial-cpt-midpoint.yaml").read_text()
        child = child.replace("id: commercial-cpt-midpoint", "id: acme-health").replace(
            "name: Commercial contract, CPT midpoint per code", "name: Acme Health")
        (tree / "payers" / "acme-health.yaml").write_text(child)
        med = tree / "payers" / "medicare.yaml"
        text = med.read_text()
        line = next(x for x in text.splitlines() if '"97150", column2: "97112"' in x)
        med.write_text(text.replace(line, line + "\n" + line.replace('"97112"', '"97116"')))

    after = _tree_with(tmp_path, "after", add_payer)
    assert main(["diff", "--before", str(MINI), "--policies", str(after)]) == 1
    out = capsys.readouterr().out
    assert "+ payer acme-health: the payer\n      Acme Health (generic), extends medicare\n" in out
    assert "      units: cpt-per-code-midpoint, from 2013-01-01\n" in out
    assert "removes: ptp_edits 97150/97112" in out
    # the new edit reaches commercial-cpt-midpoint (which inherits it) but not acme-health twice: it is new
    assert "+ payer medicare: ptp_edits 97150/97116 from 2020-01-01 (inherited by 1 payer)" in out
    assert main(["diff", "--before", str(MINI), "--policies", str(after), "--format", "markdown"]) == 1
    md = capsys.readouterr().out
    assert md.startswith(f"**Knowledge base:** 2 changes since `{MINI}`.\n\n| | Where | Rule | What changed |")
    assert ("| + | medicare + 1 inheriting | ptp_edits 97150/97116 from 2020-01-01 "
            "| inherited by commercial-cpt-midpoint |") in md
    assert "| + | acme-health | the payer | Acme Health (generic), extends medicare<br>" in md


def test_markdown_says_when_nothing_changed(capsys):
    assert main(["diff", "--before", str(MINI), "--policies", str(MINI), "--format", "markdown"]) == 0
    assert capsys.readouterr().out == f"**Knowledge base:** no change since `{MINI}`.\n"


def _sources_changed(tree: Path) -> None:
    """97112's code rule: its one source's section changes, and a second source with a long quote is added."""
    med = tree / "payers" / "medicare.yaml"
    quote = "The whole of a long quote, " + "word " * 40 + "and its last words"
    text = med.read_text()
    old = '    sources: [{doc: cms-pub100-04-ch5, section: "§20.2"}]\n    evidence: primary\n    documentation:'
    assert old in text
    med.write_text(text.replace(old, '    sources: [{doc: cms-pub100-04-ch5, section: "§20.2 B"}, '
                                     f'{{doc: cms-pub100-04-ch5, section: "§20.3", quote: "{quote}"}}]\n'
                                     '    evidence: primary\n    documentation:'))


def test_a_change_deep_in_a_sources_list_is_shown_whole(tmp_path, capsys):
    after = _tree_with(tmp_path, "after", _sources_changed)
    assert main(["diff", "--before", str(MINI), "--policies", str(after)]) == 1
    out = capsys.readouterr().out
    assert "~ payer medicare: code_rules 97112 from 2015-01-01 (inherited by 1 payer)" in out
    assert "      sources[0].section: '§20.2' -> '§20.2 B'\n" in out
    added = next(line for line in out.splitlines() if line.startswith("      sources[1]: (none) -> "))
    assert "and its last words" in added and "..." not in out
    assert main(["diff", "--before", str(MINI), "--policies", str(after), "--format", "markdown"]) == 1
    table = capsys.readouterr().out
    assert "sources[0].section: '§20.2' → '§20.2 B'" in table and "and its last words" in table


def test_leaf_changes_align_lists_and_name_missing_sides():
    from kb.diff import ABSENT, leaf_changes

    old = [{"doc": "a", "section": "1"}, {"doc": "b"}, {"doc": "c"}]
    new = [{"doc": "x"}, {"doc": "a", "section": "1"}, {"doc": "b", "quote": "q"}, {"doc": "c"}]
    assert leaf_changes("sources", old, new) == [("sources[0]", ABSENT, {"doc": "x"}),
                                                 ("sources[2].quote", ABSENT, "q")]
    assert leaf_changes("sources", new, old) == [("sources[0]", {"doc": "x"}, ABSENT),
                                                 ("sources[1].quote", "q", ABSENT)]
    assert leaf_changes("n", 1, 2) == [("n", 1, 2)] and leaf_changes("n", [1], [1]) == []
