"""The NCCI readers refuse bad data with one located problem each, all in one run, and write nothing (issue 12)."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kb.cli import main
from kb.ncci import read_mue_csv, read_mue_file, read_ptp_files
from kb.problems import DataError

HEADER = ("SYNTHETIC (not CMS data)\t\t\t\t\t\t\r\n"
          "Column 1\tColumn 2\t*=in existence\tEffective\tDeletion\tModifier\tPTP Edit Rationale\r\n"
          "\t\tprior to 1996\tDate\tDate\t0=not allowed\t\r\n")
GOOD = "97150\t97110\t\t20000101\t*\t1\tMutually exclusive procedures\r\n"
MUE_HEAD = '"notice\nspanning lines",,,\n"HCPCS/\nCPT Code",MUE Values,MAI,MUE Rationale\n'


def ptp_file(tmp_path: Path, body: str, encoding: str = "latin-1", name: str = "ccipra-f1.TXT") -> Path:
    path = tmp_path / name
    path.write_bytes((HEADER + body).encode(encoding))
    return path


def problems_of(paths: list[Path]) -> list[str]:
    with pytest.raises(DataError) as err:
        list(read_ptp_files(paths))
    return [f"{Path(p.file).name}:{p.line}:{p.column}: {p.message}" for p in err.value.problems]


def test_malformed_data_lines_are_reported_not_dropped(tmp_path):
    body = GOOD + "9715\t97110\t\t20000101\t*\t1\tx\r\n" + "garbage line with no tabs\r\n" + "\t\t\t\t\t\t\r\n" + GOOD
    found = problems_of([ptp_file(tmp_path, body)])
    assert found == ["ccipra-f1.TXT:5:1: '9715' is not a CPT or HCPCS code (five characters such as 97110 or G0283)",
                     "ccipra-f1.TXT:6:1: expected 7 tab-separated fields, found 1"]


def test_a_broken_first_data_line_is_reported(tmp_path):
    found = problems_of([ptp_file(tmp_path, "97l50\t97110\t\t20000101\t*\t1\tx\r\n" + GOOD)])
    assert found and found[0].startswith("ccipra-f1.TXT:4:1: '97l50' is not a CPT or HCPCS code")


def test_deletion_before_effective_and_odd_digits_are_problems_in_one_run(tmp_path):
    body = ("97150\t97110\t\t20200101\t20191231\t1\tx\r\n"  # deleted before it started
            "97150\t97112\t\t2020010²\t*\t1\tx\r\n"  # a superscript digit
            "97150\t97116\t\t20200101\t*\t²\tx\r\n")
    other = ptp_file(tmp_path, "97530\t97110\t\t20200101\t*\t٣\tx\r\n", "utf-8", "ccipra-f2.TXT")
    found = problems_of([ptp_file(tmp_path, body, "utf-8"), other])
    assert found == ["ccipra-f1.TXT:4:23: deletion date 20191231 is before the effective date 20200101",
                     "ccipra-f1.TXT:5:14: bad effective date '2020010²'",
                     "ccipra-f1.TXT:6:25: modifier indicator must be 0, 1 or 9, not '²'",
                     "ccipra-f2.TXT:4:25: modifier indicator must be 0, 1 or 9, not '٣'"]


def test_utf8_and_latin1_rationales_both_read_right(tmp_path):
    utf8 = ptp_file(tmp_path, "97150\t97110\t\t20000101\t*\t1\tMisuse of column two – café\r\n", "utf-8")
    latin = ptp_file(tmp_path, "97150\t97112\t\t20000101\t*\t1\tcafé\r\n", "latin-1", "ccipra-f2.TXT")
    rows = list(read_ptp_files([utf8, latin]))
    assert [r[5] for r in rows] == ["Misuse of column two – café", "café"]


def test_mue_duplicates_odd_values_and_encodings(tmp_path):
    text = (MUE_HEAD + "97110,6,3 Date of Service Edit: Clinical,Clinical – data\n"
            "97112,²,3,x\n97110,4,3,x\n97116,4,7,x\n")
    rows, problems = read_mue_csv(text, "m.csv")
    assert [r.code for r in rows] == ["97110"] and rows[0].rationale == "Clinical – data"
    assert [f"{p.line}: {p.message}" for p in problems] == [
        "6: MUE value must be a whole number (ASCII digits), not '²'",
        "7: 97110 is listed twice (first at line 5); a table states one MUE per code",
        "8: MAI must be 1, 2 or 3 (optionally followed by its label), not '7'"]
    path = tmp_path / "MCR_MUE_Eff_04-01-2026.csv"
    path.write_bytes((MUE_HEAD + "97110,6,3,Clinical – data\n").encode("utf-8"))
    assert read_mue_file(path)[1][0].rationale == "Clinical – data"


def test_the_cli_reports_every_problem_and_writes_nothing(tmp_path, capsys):
    bad = ptp_file(tmp_path, GOOD + "97150\t97110\t\t20200101\t20191231\t1\tx\r\n97150\t9711\t\t20000101\t*\t1\tx\r\n")
    out = tmp_path / "t.ptp"
    assert main(["ncci", "ptp", str(bad), "--payer", "medicare", "-o", str(out)]) == 1
    err = capsys.readouterr().err
    assert "ccipra-f1.TXT:5:23:" in err and "ccipra-f1.TXT:6:" in err and "nothing was written" in err
    assert not out.exists() and not list(tmp_path.glob("*.partial"))
    mue = tmp_path / "MCR_MUE_Eff_04-01-2026.csv"
    mue.write_text(MUE_HEAD + "97110,6,3,x\n97110,5,3,x\n", encoding="utf-8")
    assert main(["ncci", "mue", str(mue), "--payer", "medicare", "-o", str(tmp_path / "m.mue.json")]) == 1
    assert not (tmp_path / "m.mue.json").exists()


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(st.text(max_size=10), min_size=0, max_size=9), max_size=8))
def test_fuzzed_ptp_lines_are_rows_or_located_problems(tmp_path_factory, lines):
    path = tmp_path_factory.mktemp("fuzz") / "f.TXT"
    path.write_bytes((HEADER + GOOD + "".join("\t".join(f) + "\r\n" for f in lines)).encode("utf-8", "surrogatepass"))
    try:
        rows = list(read_ptp_files([path]))
    except DataError as err:
        assert all(p.line >= 4 and p.column >= 1 and p.message for p in err.problems)
    else:
        assert rows[0][:2] == ("97150", "97110")


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300))
def test_fuzzed_mue_text_never_raises_anything_else(text):
    _rows, problems = read_mue_csv(MUE_HEAD + text, "m.csv")
    assert all(p.line >= 1 and p.message for p in problems)


def test_header_records_are_told_from_broken_rows():
    rows, problems = read_mue_csv("notice,,,\nHCPCS/CPT Code,MUE Values,MAI,MUE Rationale\n97110,6,3,x\n", "m.csv")
    assert [r.code for r in rows] == ["97110"] and problems == []
    rows, problems = read_mue_csv("notice,,,\n97l10,6,3,x\n97110,6,3,x\n", "m.csv")  # a letter l for a one
    assert [r.code for r in rows] == ["97110"] and [p.line for p in problems] == [2]
