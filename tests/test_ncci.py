"""CMS NCCI file readers and bulk tables, on synthetic files in CMS's exact layout."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

import kb
from kb.cli import main
from kb.ncci import read_mue_file, read_ptp_files
from kb.problems import DataError
from kb.ptp import OPEN_END, PtpTable, TableMeta

NCCI = Path(__file__).parent / "fixtures" / "ncci"
MINI = Path(__file__).parent / "fixtures" / "mini"
PTP = NCCI / "ccipra-v999r0-f1.TXT"
MUE = NCCI / "MCR_MUE_PractitionerServices_Eff_04-01-2026.csv"


def test_ptp_reader_skips_the_header_and_keeps_every_row():
    rows = list(read_ptp_files([PTP]))
    assert len(rows) == 8  # duplicates are kept: CMS's file has them
    assert rows[0] == ("97140", "97530", 20000101, 20191231, 1, "Mutually exclusive procedures")
    assert ("97150", "97110", 20000101, OPEN_END, 1, "Mutually exclusive procedures") in rows


def test_ptp_reader_reports_every_bad_line():
    with pytest.raises(DataError) as err:
        list(read_ptp_files([NCCI / "broken-f2.TXT"]))
    messages = [f"{p.line}: {p.message}" for p in err.value.problems]
    assert messages == ["7: bad effective date '20001301'", "8: modifier indicator must be 0, 1 or 9, not '2'",
                        "9: expected 7 tab-separated fields, found 6"]


def test_table_answers_by_date_and_prefers_the_row_in_force():
    table = PtpTable.from_rows(TableMeta("medicare", {"title": "synthetic", "read": "2026-11-23"}),
                               read_ptp_files([PTP]))
    assert table.in_force("97140", "97530", date(2019, 12, 31)).modifier_indicator == 1
    assert table.in_force("97140", "97530", date(2020, 1, 1)) is None
    dup = table.in_force("13121", "13120", date(2026, 1, 1))
    assert dup.modifier_indicator == 0 and dup.effective_to is None  # the row still in force wins
    assert table.in_force("97150", "97110", date(2026, 3, 2)).effective_to is None
    assert len(table.rows("97150", "97110")) == 2
    assert table.in_force("99999", "97110", date(2026, 3, 2)) is None


def test_table_round_trips_through_disk(tmp_path):
    table = PtpTable.from_rows(TableMeta("medicare", {"title": "synthetic", "read": "2026-11-23"}),
                               read_ptp_files([PTP]))
    table.save(tmp_path / "t.ptp")
    again = PtpTable.load(tmp_path / "t.ptp")
    assert list(again) == list(table)
    assert again.meta == table.meta


def test_mue_reader_handles_the_notice_cell_and_the_name_date():
    effective, rows = read_mue_file(MUE)
    assert effective == date(2026, 4, 1)
    assert [(r.code, r.value, r.mai) for r in rows] == [("97110", 6, 3), ("97112", 4, 3), ("97161", 1, 2),
                                                       ("G0283", 1, 3)]


def test_cli_builds_tables_that_queries_use(tmp_path, capsys):
    ptp, mue = tmp_path / "medicare.ptp", tmp_path / "medicare.mue.json"
    assert main(["ncci", "ptp", str(PTP), "--payer", "medicare", "-o", str(ptp)]) == 0
    assert main(["ncci", "mue", str(MUE), "--payer", "medicare", "-o", str(mue)]) == 0
    k = kb.load(MINI, tables=[ptp, mue])
    p = k.payer("medicare", as_of=date(2026, 5, 1))
    # authored edits win; the bulk table answers pairs the policies do not state
    assert p.ptp("97110", "97150").sources[0].doc == "ncci-ptp-practitioner-2024q3"
    bulk = p.ptp("97032", "G0283")
    assert bulk is not None and bulk.column1 == "G0283" and bulk.sources[0].document == PTP.name
    assert p.mue("97110").value == 6 and p.mue("97110").sources[0].document == MUE.name
    assert p.mue("97112").sources[0].doc == "ncci-mue-practitioner-2024q3"  # authored
    assert k.payer("medicare", as_of=date(2026, 3, 1)).mue("97110") is None  # before the table's date
    child = k.payer("commercial-cpt-midpoint", as_of=date(2026, 5, 1))
    assert child.ptp("G0283", "97032") is not None  # a payer that extends medicare sees its table
    assert main(["units", "--policies", str(MINI), "--table", str(ptp), "--payer", "medicare", "97112=24"]) == 0


def test_cli_refuses_a_broken_file_and_writes_nothing(tmp_path, capsys):
    out = tmp_path / "x.ptp"
    assert main(["ncci", "ptp", str(NCCI / "broken-f2.TXT"), "--payer", "medicare", "-o", str(out)]) == 1
    assert not out.exists()
    assert "broken-f2.TXT:7:" in capsys.readouterr().err
