"""Regression tests for the faults an adversarial campaign found (issue 12): each class of bad input gives located
problems or a clear error, never a traceback, and never takes more than a second. The YAML-level classes (tags,
huge numbers, .nan, control and invisible characters, megabyte text, `$` and a trailing newline) are cases of the
broken-policy corpus (tests/fixtures/broken/); what a fixture folder cannot hold (links, FIFOs, artifacts, visits,
signals) is here."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import kb
from kb import artifact
from kb.cli import main
from kb.problems import Problem

FIXTURES = Path(__file__).parent / "fixtures"
MINI = FIXTURES / "mini"
BASE = {"payer": "medicare", "date": "2026-03-02", "lines": [{"code": "97112", "minutes": 23}]}


def _tree(tmp_path: Path) -> Path:
    tree = tmp_path / "policies"
    shutil.copytree(MINI, tree)
    return tree


def _validate(tree: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(["validate", str(tree)])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


# -- the policy tree on disk ------------------------------------------------------------------------------


def test_a_link_to_a_file_outside_the_tree_is_refused_not_compiled(tmp_path, capsys):
    tree = _tree(tmp_path)
    outside = tmp_path / "elsewhere.yaml"
    shutil.copyfile(tree / "payers" / "commercial-cpt-midpoint.yaml", outside)
    (tree / "payers" / "commercial-cpt-midpoint.yaml").unlink()
    (tree / "payers" / "commercial-cpt-midpoint.yaml").symlink_to(outside)
    code, out, _ = _validate(tree, capsys)
    assert code == 1
    assert "commercial-cpt-midpoint.yaml:1:1: (file): a symbolic link to a file outside the policy tree" in out
    with pytest.raises(kb.PolicyError):
        kb.load(tree)


def test_a_link_inside_the_tree_is_read(tmp_path, capsys):
    tree = _tree(tmp_path)
    real = tree / "payers" / "commercial-cpt-midpoint.yaml"
    kept = tree / "kept.txt"
    real.rename(kept)
    real.symlink_to(kept)
    assert _validate(tree, capsys)[0] == 0


def test_dangling_links_fifos_and_linked_folders_are_reported_not_skipped(tmp_path, capsys):
    tree = _tree(tmp_path)
    (tree / "payers" / "gone.yaml").symlink_to(tmp_path / "missing.yaml")
    os.mkfifo(tree / "payers" / "pipe.yaml")  # reading it would block for ever
    (tree / "extra").symlink_to(tmp_path)
    started = time.perf_counter()
    code, out, _ = _validate(tree, capsys)
    assert time.perf_counter() - started < 10
    assert code == 1
    lines = out.splitlines()
    assert any(line.startswith(str(tree / "payers" / "gone.yaml")) and "a symbolic link to a missing file" in line
               for line in lines)
    assert any("pipe.yaml:1:1: (file): not a regular file (a FIFO)" in line for line in lines)
    assert any("extra:1:1: (file): a symbolic link to a folder" in line for line in lines)


def test_a_policy_file_of_many_small_items_is_refused_before_it_is_parsed(tmp_path, capsys):
    tree = _tree(tmp_path)
    med = tree / "payers" / "medicare.yaml"
    med.write_text(med.read_text() + "padding:\n" + "".join(f"- x{i}\n" for i in range(40_000)))
    started = time.perf_counter()
    code, out, _ = _validate(tree, capsys)
    assert time.perf_counter() - started < 10  # parsing 40,000 nodes took seconds; refusing takes milliseconds
    assert code == 1 and "medicare.yaml:1:1: (file): the file has 40," in out and "at most 25,000" in out


def test_a_problem_is_always_one_line():
    p = Problem("f.yaml", 2, 5, "id", "payer id 'medicare\n' must equal\u202e the file name")
    assert "\n" not in str(p) and "\u202e" not in str(p)
    assert str(p) == "f.yaml:2:5: id: payer id 'medicare\\n' must equal\\u202e the file name"


# -- the compiled artifact --------------------------------------------------------------------------------


def test_nan_never_reaches_the_artifact():
    with pytest.raises(ValueError):
        artifact.dumps({"a": float("nan")})


def test_a_hand_edited_artifact_is_not_trusted(tmp_path):
    tree = _tree(tmp_path)
    assert main(["compile", "--policies", str(tree)]) == 0
    built = tmp_path / "build" / "kb.json"
    data = json.loads(built.read_text())
    data["payers"]["medicare"]["name"] = "Edited by hand"
    built.write_text(json.dumps(data))
    with pytest.raises(kb.KBError, match="does not match its content hash"):
        kb.load(built)
    k = kb.load(tree)  # the folder's artifact is stale for its content: compiled again, not read
    assert k.origin == "compiled" and "Edited" not in k.payer("medicare").name


def test_a_malformed_artifact_is_an_error_not_a_key_error(tmp_path):
    tree = _tree(tmp_path)
    assert main(["compile", "--policies", str(tree)]) == 0
    built = tmp_path / "build" / "kb.json"
    data = json.loads(built.read_text())
    del data["payers"]
    data["content_hash"] = artifact.content_hash(data)  # a crafted file, hash and all
    built.write_text(json.dumps(data))
    with pytest.raises(kb.KBError, match="not a well-formed compiled knowledge base"):
        kb.load(built)
    built.write_text('{"format": NaN}')
    with pytest.raises(kb.KBError, match="not a compiled knowledge base"):
        kb.load(built)


# -- visits -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("change", "field"), [
    ({"lines": [{"code": "97112", "minutes": 23, "allowed": 10**400}]}, "lines[0].allowed"),
    ({"ytd_allowed": 10**400}, "ytd_allowed"),
    ({"lines": [{"code": "97112", "minutes": 10**5000}]}, "lines[0].minutes"),
    ({"lines": [{"code": "97112", "minutes": 23, "units": -10**400}]}, "lines[0].units"),
    ({"note": "ab\ud800c"}, "note"),
    ({"note": "a\x00b"}, "note"),
    ({"claim_id": "x\udfff"}, "claim_id"),
    ({"claim_id": 10**400}, "claim_id"),
    ({"payer": "m" * 1_000_000}, "payer"),
    ({"state": "T\ud800"}, "state"),
])
def test_hostile_visit_values_are_input_errors(mini, change, field):
    with pytest.raises(kb.InputError) as caught:
        mini.check({**BASE, **change})
    assert caught.value.field == field
    assert len(str(caught.value)) < 300  # a message never repeats a megabyte or a 5,000-digit number


def test_a_note_has_a_documented_length_limit(mini):
    from kb.check.notes import MAX_NOTE_CHARS

    with pytest.raises(kb.InputError, match="at most 50,000"):
        mini.check({**BASE, "note": "perturbation " * 800_000})  # ~10 MB, once 45 s
    r = mini.check({**BASE, "note": ("perturbation training, no LOB. " * 4000)[:MAX_NOTE_CHARS]})
    assert "documentation.missing-element" not in {f.rule for f in r.findings if "technique" in f.basis}


@pytest.mark.parametrize("pattern", [r"(a|aa)+$", r"(a|a)*$", r"\d*\d*\d*x", r"(a+)+b", r"(x+x+)+y"])
def test_no_pattern_can_hang_the_checker(tmp_path, pattern):
    tree = _tree(tmp_path)
    med = tree / "payers" / "medicare.yaml"
    med.write_text(med.read_text().replace("'proprioceptive'", f"'{pattern}'"))
    k = kb.load(tree)  # RE2 runs these in linear time: the lint has nothing to object to
    from kb.check.notes import MAX_NOTE_CHARS

    for c in "a1x":
        short, long = _seconds(k, c * 4999 + "!"), _seconds(k, c * (MAX_NOTE_CHARS - 1) + "!")
        # Linear: ten times the text takes about ten times as long (Python's re took exponential time here; a
        # quadratic matcher would take a hundred times). The absolute figures are in benchmarks/bench_hostile.py.
        assert long < max(40 * short, 0.05) and long < 10, (pattern, c, short, long)


def _seconds(k: kb.KnowledgeBase, note: str) -> float:
    best = float("inf")
    for _ in range(3):
        started = time.perf_counter()
        k.check({**BASE, "note": note})
        best = min(best, time.perf_counter() - started)
    return best


# -- signals ----------------------------------------------------------------------------------------------


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_sigint_during_check_json_leaves_valid_json_and_says_so(tmp_path):
    rows = ["claim_id,payer,date,code,minutes,units,modifiers,note"]
    rows += [f"c{i},medicare,2026-03-02,97112,23,2,GP,NMR 23 min 1:1 perturbation" for i in range(50_000)]
    (tmp_path / "visits.csv").write_text("\n".join(rows) + "\n")
    tree = _tree(tmp_path)
    proc = subprocess.Popen([sys.executable, "-m", "kb", "check", "--json", "--policies", str(tree), "visits.csv"],
                            cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    first = proc.stdout.readline()  # the report has started: the batch is running
    proc.send_signal(signal.SIGINT)
    out = proc.stdout.read()  # through the same buffer as readline (communicate() would skip what it holds)
    err = proc.stderr.read()
    assert proc.wait(timeout=120) == 130
    doc = json.loads(first + out)  # complete, parseable JSON
    assert doc["interrupted"] is True
    assert 0 < len(doc["results"]) < 50_000 and doc["summary"]["visits"] == len(doc["results"])
    assert "interrupted after" in err and "Traceback" not in err
