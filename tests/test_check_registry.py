"""The checker's registry: every finding id is declared once, with its severities; checks live beside their
declarations; a visit without minutes runs every check that does not need them; no import circle."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import kb
from kb.check import checks, findings
from kb.check.registry import check, finding
from kb.check.run import Run

ROOT = Path(__file__).resolve().parent.parent
CHECK = Path(__file__).parent / "fixtures" / "check"
TREES = (ROOT / "policies", CHECK, Path(__file__).parent / "fixtures" / "mini")
DOS = "2026-03-02"


@pytest.fixture(scope="module")
def k() -> kb.KnowledgeBase:
    return kb.load(CHECK)


def test_every_check_declares_its_findings_and_every_finding_has_one_check():
    declared = findings()
    assert len(declared) >= 26
    by_check = {c.id: c for c in checks()}
    assert len(by_check) == len(checks())
    for kind in declared.values():
        assert kind.check in by_check and kind.id in by_check[kind.check].findings
        assert kind.summary and kind.severities and kind.severity == kind.severities[0]
        assert kind.needs_minutes == by_check[kind.check].needs_minutes
    assert sum(len(c.findings) for c in checks()) == len(declared)
    assert {c.id for c in checks() if c.needs_minutes} == {"units"}


def test_declaring_a_finding_twice_is_refused():
    with pytest.raises(ValueError, match="declared twice"):
        check("again", findings=(finding("units.mismatch", "error", "again"),))(lambda run: None)
    with pytest.raises(ValueError, match="severities"):
        finding("x.y", "fatal", "no such severity")
    assert "again" not in {c.id for c in checks()}


def test_every_finding_id_the_policies_can_produce_is_declared():
    """Some ids come from policy data: a visit rule's `finding`, a threshold's name, a KX-type modifier rule."""
    declared = findings()
    for tree in TREES:
        k = kb.load(tree)
        for pid in k.payers():
            rules = k.payer_rules(pid)
            assert rules is not None
            for r in rules.sections["visit_rules"]:
                assert r.finding in declared, (tree, pid, r.finding)
            used = set()
            for r in rules.sections["modifier_rules"]:
                if r.type == "threshold":
                    used.add(r.threshold)
                    for suffix in ("missing", "unneeded"):
                        assert f"modifier.{r.modifiers[0].lower()}-{suffix}" in declared
            for t in rules.sections["thresholds"]:
                if t.name not in used:
                    assert f"threshold.{t.name.lower()}" in declared, (tree, pid, t.name)
            for example in k.payer(pid).examples:
                assert set(example["expect"].get("findings", ())) <= set(declared), (pid, example["id"])


def test_every_finding_raised_is_declared_with_that_severity(monkeypatch):
    """Every worked example of every tree, with the findings recorded as the checks add them."""
    raised: set[tuple[str, str]] = set()
    add = Run.add

    def recording(self, rule, severity, *args, **kwargs):
        raised.add((rule, severity))
        add(self, rule, severity, *args, **kwargs)

    monkeypatch.setattr(Run, "add", recording)
    for tree in TREES:
        k = kb.load(tree)
        for pid in k.payers():
            for example in k.payer(pid).examples:
                k.check({**example["visit"], "payer": pid, "date": example["date"]})
    assert len({rule for rule, _ in raised}) >= 8
    declared = findings()
    for rule, severity in raised:
        assert rule in declared and severity in declared[rule].severities, (rule, severity)


def _line(code: str, minutes: int | None, units: int | None, *mods: str) -> dict:
    out: dict = {"code": code, "modifiers": list(mods)}
    if minutes is not None:
        out["minutes"] = minutes
    if units is not None:
        out["units"] = units
    return out


def test_a_visit_without_minutes_runs_every_check_that_does_not_need_them(k):
    """Units billed, minutes unknown (as on an X12 837): bundling, MUE, modifiers still run; units are skipped."""
    full = k.check({"payer": "checkpay", "date": DOS, "plan_of_care": "PT",
                    "lines": [_line("97150", 30, 2, "GP"), _line("97110", 20, 4), _line("97112", 10, 5, "GP")]})
    bare = k.check({"payer": "checkpay", "date": DOS, "plan_of_care": "PT",
                    "lines": [_line("97150", None, 2, "GP"), _line("97110", None, 4), _line("97112", None, 5, "GP")]})
    assert full.skipped == () and bare.skipped == ("units",)
    assert "units.mismatch" in full.rules and "units.mismatch" not in bare.rules
    skipped = {f for c in checks() if c.id in bare.skipped for f in c.findings}
    assert {f.rule for f in full.findings if f.rule not in skipped} == bare.rules
    assert {"ptp.modifier-required", "modifier.discipline-missing", "mue.exceeded"} <= bare.rules
    assert [ln.units for ln in bare.lines] == [1, None, None]  # 97150 is untimed: one unit whatever the minutes
    assert bare.to_dict()["skipped"] == ["units"]
    assert "not checked without minutes: units" in str(bare)
    assert "checks are skipped: units" in bare.explanation[0]


def test_a_visit_without_minutes_still_counts_untimed_codes_and_caps(k):
    bare = k.check({"payer": "checkpay", "date": DOS, "plan_of_care": "PT",
                    "lines": [_line("97161", None, None, "GP"), _line("97110", None, 2, "GP")]})
    assert bare.lines[0].units == 1 and bare.lines[1].units is None
    assert bare.skipped == ("units",)


def test_a_timed_line_with_neither_minutes_nor_units_is_an_input_error(k):
    with pytest.raises(kb.InputError, match="97110 is a timed code") as err:
        k.check({"payer": "checkpay", "date": DOS, "lines": [_line("97110", None, None, "GP")]})
    assert err.value.field == "lines[0].minutes"


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
        elif isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
    return names


def test_payer_and_checker_do_not_import_the_knowledge_base():
    """kb/knowledge.py builds on kb/payer.py and kb/check/; neither imports it back (not even for types)."""
    files = [ROOT / "kb" / "payer.py", ROOT / "kb" / "catalogue.py", *sorted((ROOT / "kb" / "check").rglob("*.py"))]
    for path in files:
        assert "kb.knowledge" not in _imports(path), path


def test_the_readme_lists_exactly_the_declared_finding_ids():
    import re

    text = (ROOT / "README.md").read_text()
    start = text.index("Rule ids (each declared once")
    listed = set(re.findall(r"`([a-z]+(?:\.[a-z0-9-]+)+)`", text[start:text.index("\n\n", start)]))
    assert listed == set(findings())
