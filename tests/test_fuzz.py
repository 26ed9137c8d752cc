"""The adversarial harness: hypothesis fuzzing of the YAML loader, the validator (schema and lints on a whole tree),
the claim checker's inputs, the note matcher and the NCCI readers. Every input must give a result or the package's
own error (PolicyError, InputError, problems), never another exception, and in bounded time.

Bounded in CI: KB_FUZZ_EXAMPLES examples per test (default 40; the validator, which compiles a tree per example,
runs a quarter of them) and a per-example deadline. Longer on demand:

    KB_FUZZ_EXAMPLES=5000 .venv/bin/pytest tests/test_fuzz.py -p no:cacheprovider
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import string
import tempfile
import time
from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import kb
from kb.check.notes import MAX_NOTE_CHARS, PreparedNote, compile_element
from kb.problems import KBError, PolicyError
from kb.yamlfile import parse_yaml

EXAMPLES = int(os.environ.get("KB_FUZZ_EXAMPLES", "40"))
MINI = Path(__file__).parent / "fixtures" / "mini"
MEDICARE = (MINI / "payers" / "medicare.yaml").read_text(encoding="utf-8")
SECOND = 1.0  # the promise: no visit and no policy file takes longer (a busy CI machine gets the slack below)
SLACK = float(os.environ.get("KB_FUZZ_SLACK", "4"))

fuzz = settings(max_examples=EXAMPLES, deadline=timedelta(seconds=SECOND * SLACK), derandomize=False,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture,
                                       HealthCheck.data_too_large])

# Any Unicode, surrogates and controls included: what a hostile file or API caller can send.
ANY_CHAR = st.characters(codec=None, categories=None)
HOSTILE = ["!!bool maybe", "!!int 1x", "!!timestamp x", "!!set {a}", "!!binary x", "!!python/object:os.system x",
           "9" * 5000, ".nan", "-.inf", "\x07", "\x00", "\u200b", "\u202e", "\ufeff", "&a", "*a", "<<: {}",
           "{", "[", "'", '"', "\t", ": :", "- - -", "x" * 30_000, "\ud800", "---\n", "%YAML 1.1\n", "? "]


def _mutate(data: st.DataObject, text: str) -> str:
    """The mini medicare file with a few hostile fragments put in at random places."""
    for _ in range(data.draw(st.integers(1, 4))):
        at = data.draw(st.integers(0, len(text)))
        piece = data.draw(st.one_of(st.sampled_from(HOSTILE), st.text(ANY_CHAR, max_size=12)))
        text = text[:at] + piece + text[at:]
    return text


def _one_line_problems(problems: list) -> None:
    for p in problems:
        assert p.line >= 1 and p.column >= 1
        assert "\n" not in str(p)


# -- loader ---------------------------------------------------------------------------------------------------


@fuzz
@given(st.text(ANY_CHAR, max_size=400))
def test_loader_never_crashes_on_any_text(text):
    started = time.perf_counter()
    doc, problems = parse_yaml(text, "f.yaml")
    assert (doc is None) == bool(problems) or doc is not None
    _one_line_problems(problems)
    assert time.perf_counter() - started < SECOND * SLACK


@fuzz
@given(st.data())
def test_loader_never_crashes_on_a_mutated_policy_file(data):
    text = _mutate(data, MEDICARE)
    doc, problems = parse_yaml(text, "medicare.yaml")
    _one_line_problems(problems)
    if doc is not None:
        json.dumps(doc.data, allow_nan=False)  # whatever loads is plain JSON data


# -- validator (schema + lints on a whole tree) ---------------------------------------------------------------


@settings(fuzz, max_examples=max(5, EXAMPLES // 4))
@given(st.data())
def test_validator_reports_problems_or_compiles(data):
    from kb.compiler import compile_tree

    text = _mutate(data, MEDICARE)
    with tempfile.TemporaryDirectory() as tmp:
        tree = Path(tmp) / "policies"
        shutil.copytree(MINI, tree)
        (tree / "payers" / "medicare.yaml").write_bytes(text.encode("utf-8", "surrogatepass"))
        started = time.perf_counter()
        try:
            model = compile_tree(tree)
        except PolicyError as err:
            assert err.problems
            _one_line_problems(err.problems)
        else:
            json.dumps(model, allow_nan=False)
        assert time.perf_counter() - started < SECOND * SLACK * 2  # a whole tree, not one file


# -- checker inputs -------------------------------------------------------------------------------------------

NUMBERS = st.one_of(st.none(), st.integers(), st.integers(-10**500, 10**500), st.floats(allow_nan=True),
                    st.text(ANY_CHAR, max_size=8), st.booleans(), st.lists(st.integers(), max_size=2))
CODES = st.one_of(st.sampled_from(["97112", "97110", "97140", "97530", "97150", "97010", "G0283", "99999"]),
                  st.text(ANY_CHAR, max_size=7), st.integers(), st.none())
NOTE_WORDS = st.lists(st.one_of(st.sampled_from(["no", "not", "LOB", "VC", "min A", "24'", "P:", "Plan:", "STG:",
                                                  "will", "perturbation", "Berg 44/56", "(was 40/56)", "1:1", ":", "-",
                                                  "\n", "one-on-one", "foam", "goal", "pain 4/10", "↑", "w/o", "\u200b",
                                                  "''", "200' x2", "İ", "ﬁ", "Cues: none", "None:"]),
                                st.text(ANY_CHAR, max_size=4)),
                      max_size=80).map(" ".join)
NOTES = st.one_of(st.none(), st.text(ANY_CHAR, max_size=300), NOTE_WORDS, st.integers(),
                  st.lists(st.text(max_size=3), max_size=2))
LINE = st.fixed_dictionaries({"code": CODES, "minutes": NUMBERS},
                             optional={"units": NUMBERS, "modifiers": st.one_of(
                                 st.lists(st.one_of(st.sampled_from(["GP", "59", "XU", "KX", "CQ", "GO"]),
                                                    st.text(ANY_CHAR, max_size=3), st.integers()), max_size=4),
                                 st.text(ANY_CHAR, max_size=10), NUMBERS),
                                       "assistant_minutes": NUMBERS, "allowed": NUMBERS,
                                       "start": st.one_of(st.sampled_from(["09:00", "09:20", "25:00"]),
                                                          st.text(ANY_CHAR, max_size=6)),
                                       "end": st.one_of(st.sampled_from(["09:30", "10:00"]),
                                                        st.text(ANY_CHAR, max_size=6))})
VISIT = st.fixed_dictionaries(
    {"payer": st.one_of(st.sampled_from(["medicare", "commercial-cpt-midpoint"]), st.text(ANY_CHAR, max_size=12),
                        NUMBERS),
     "date": st.one_of(st.dates().map(str), st.sampled_from(["2026-03-02", "2026-02-30", ""]),
                       st.text(ANY_CHAR, max_size=12), NUMBERS),
     "lines": st.one_of(st.lists(LINE, min_size=1, max_size=6), NUMBERS)},
    optional={"plan_of_care": st.one_of(st.sampled_from(["PT", "OT", "SLP", "XX"]), NUMBERS),
              "state": st.one_of(st.sampled_from(["OH", "TX", "tx", "TX\n"]), NUMBERS),
              "ytd_allowed": NUMBERS, "note": NOTES, "claim_id": st.one_of(st.text(ANY_CHAR, max_size=10), NUMBERS),
              st.text(string.ascii_lowercase, min_size=1, max_size=8): NUMBERS})


@pytest.fixture(scope="module")
def mini() -> kb.KnowledgeBase:
    return kb.load(MINI)


@fuzz
@given(VISIT)
def test_checker_gives_a_result_or_an_input_error(mini, visit):
    started = time.perf_counter()
    try:
        result = mini.check(visit)
    except KBError:  # InputError (bad field) or QueryError (unknown payer or code)
        pass
    else:
        json.dumps(result.to_dict(), allow_nan=False)
        str(result)
    assert time.perf_counter() - started < SECOND * SLACK


@fuzz
@given(st.text(ANY_CHAR, max_size=40_000))
def test_check_text_input_never_crashes(mini, text):
    with contextlib.suppress(KBError):
        mini.check(text)  # YAML/JSON text of a visit, or anything else


# -- the note matcher -----------------------------------------------------------------------------------------

_ELEMENTS = [compile_element([r"\bcue", "perturbation", r"\d+\s*/\s*\d+"], exclude=[r"pain \d+/10"]),
             compile_element([r"\bgoal", r"\bSTG\b"], future=True),
             compile_element([r"(a|aa)+$", r"\d*\d*\d*x", r"\bno (LOB|loss of balance)"])]


# Notes that are mostly one long run (blanks, punctuation, one word) around note words: the shape that made the
# tokenizer quadratic (3,000 trailing blanks took seconds); the per-example deadline catches any such regression.
LONG_RUNS = st.tuples(NOTE_WORDS, st.sampled_from([" ", "\t", ".", ". ", "(*)", "_", "-", ":", "a", "no ", "A: "]),
                      st.integers(1_000, MAX_NOTE_CHARS // 2), NOTE_WORDS).map(
                          lambda t: t[0] + t[1] * (t[2] // len(t[1])) + t[3])


@fuzz
@given(st.one_of(NOTE_WORDS, st.text(ANY_CHAR, max_size=2000), LONG_RUNS))
def test_matcher_never_crashes_and_masks_fit_the_text(note):
    prepared = PreparedNote(note[:MAX_NOTE_CHARS])
    assert len(prepared.negated) == len(prepared.planned) == len(prepared.full) + 1
    for element in _ELEMENTS:
        element.found_in(prepared)


# -- NCCI readers ---------------------------------------------------------------------------------------------

PTP_LINE = st.lists(st.one_of(st.sampled_from(["97112", "97110", "20240101", "*", "0", "1", "9", "²", "Misuse"]),
                              st.text(ANY_CHAR.filter(lambda c: c not in "\r\n\t"), max_size=10)),
                    min_size=0, max_size=9).map("\t".join)


@fuzz
@given(st.lists(PTP_LINE, max_size=30))
def test_ptp_reader_reports_problems_never_crashes(lines):
    from kb.ncci import read_ptp_text

    rows, problems = read_ptp_text([line + "\n" for line in lines], "ptp.txt")
    _one_line_problems(problems)
    for _c1, _c2, eff, end, ind, _why in rows:
        assert ind in (0, 1, 9) and eff <= end


MUE_CELL = st.one_of(st.sampled_from(["97112", "4", "3 Date of Service Edit: Clinical", "2 Policy", "²", "", "0"]),
                     st.text(ANY_CHAR.filter(lambda c: c not in "\x00"), max_size=10))


@fuzz
@given(st.lists(st.lists(MUE_CELL, max_size=5), max_size=30))
def test_mue_reader_reports_problems_never_crashes(records):
    import csv
    import io

    from kb.ncci import read_mue_csv

    out = io.StringIO()
    csv.writer(out).writerows(records)
    rows, problems = read_mue_csv(out.getvalue(), "mue.csv")
    _one_line_problems(problems)
    for row in rows:
        assert row.value >= 0 and row.mai in (1, 2, 3)
