"""The broken-policy corpus: each case overlays files on the mini tree and must give exactly its messages.

tests/fixtures/broken/<case>/README says what is wrong; overlay/ holds the replaced or added files;
expected.txt holds `kb validate`'s exact output (file:line:col: path: message, one problem a line).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import kb
from kb.cli import main
from kb.compiler import compile_tree

FIXTURES = Path(__file__).parent / "fixtures"
CASES = sorted(p.name for p in (FIXTURES / "broken").iterdir() if p.is_dir())


def build_case(case: str, where: Path) -> Path:
    tree = where / "policies"
    shutil.copytree(FIXTURES / "mini", tree)
    overlay = FIXTURES / "broken" / case / "overlay"
    for f in overlay.rglob("*"):
        if f.is_file():
            target = tree / f.relative_to(overlay)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(f, target)
    return tree


def test_corpus_is_complete():
    assert len(CASES) >= 20
    for case in CASES:
        folder = FIXTURES / "broken" / case
        assert (folder / "README").read_text().strip(), case
        assert (folder / "expected.txt").read_text().strip(), case


@pytest.mark.parametrize("case", CASES)
def test_validate_reports_exactly_the_located_messages(case, tmp_path, monkeypatch, capsys):
    build_case(case, tmp_path)
    monkeypatch.chdir(tmp_path)
    code = main(["validate", "policies"])
    out, err = capsys.readouterr()
    assert code == 1
    assert out == (FIXTURES / "broken" / case / "expected.txt").read_text()
    assert "Traceback" not in out + err
    assert "problem" in err


@pytest.mark.parametrize("case", CASES)
def test_python_callers_get_the_same_problems(case, tmp_path, monkeypatch):
    tree = build_case(case, tmp_path)
    monkeypatch.chdir(tmp_path)
    with pytest.raises(kb.PolicyError) as caught:
        kb.load(tree)
    lines = [str(p) for p in caught.value.problems]
    assert lines == (FIXTURES / "broken" / case / "expected.txt").read_text().splitlines()
    for problem in caught.value.problems:
        assert problem.line >= 1 and problem.column >= 1 and problem.file.startswith("policies/")


@pytest.mark.parametrize("case", CASES)
def test_nothing_half_built(case, tmp_path, monkeypatch):
    tree = build_case(case, tmp_path)
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "out" / "kb.json"
    assert main(["compile", "--policies", str(tree), "-o", str(out)]) == 1
    assert not out.exists()
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())
    with pytest.raises(kb.PolicyError):
        compile_tree(tree)


def test_a_failed_compile_leaves_the_previous_artifact_untouched(tmp_path, monkeypatch):
    tree = build_case("bad-indicator", tmp_path)
    monkeypatch.chdir(tmp_path)
    target = tmp_path / "kb.json"
    target.write_text("previous artifact\n")
    assert main(["compile", "--policies", str(tree), "-o", str(target)]) == 1
    assert target.read_text() == "previous artifact\n"
