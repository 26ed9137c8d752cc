"""Columnar I/O: claim lines from Parquet or CSV to findings Parquet, the same findings as check_many (issue 11)."""

from __future__ import annotations

from pathlib import Path

import pytest

import kb
from kb.check import VisitError

pa = pytest.importorskip("pyarrow")
pq = pytest.importorskip("pyarrow.parquet")

from kb import arrow  # noqa: E402
from kb.cli import main  # noqa: E402

CHECK = Path(__file__).parent / "fixtures" / "check"
ROWS = [
    {"claim_id": "A1", "line": 1, "payer": "checkpay", "date": "2026-03-02", "plan_of_care": "PT", "code": "97112",
     "minutes": 20, "units": 2, "modifiers": "GP"},
    {"claim_id": "A1", "line": 2, "payer": "checkpay", "date": "2026-03-02", "plan_of_care": "PT", "code": "97110",
     "minutes": 18, "units": 1, "modifiers": "GP"},
    {"claim_id": "A2", "line": 7, "payer": "checkpay", "date": "2026-03-02", "plan_of_care": "PT", "code": "97150",
     "minutes": None, "units": 1, "modifiers": "GP"},
    {"claim_id": "A2", "line": 9, "payer": "checkpay", "date": "2026-03-02", "plan_of_care": "PT", "code": "97110",
     "minutes": 30, "units": 2, "modifiers": "GP"},
    {"claim_id": "A3", "line": 1, "payer": "checkpay", "date": "2026-03-02", "plan_of_care": "PT", "code": "97110",
     "minutes": -4, "units": None, "modifiers": "GP"},
    {"claim_id": "A1", "line": 3, "payer": "checkpay", "date": "2026-03-02", "plan_of_care": "PT", "code": "97110",
     "minutes": 8, "units": 1, "modifiers": "GP"},
]


@pytest.fixture(scope="module")
def k():
    return kb.load(CHECK)


def expected_rows(k):
    visits = list(arrow.visits_from_batches(pa.Table.from_pylist(ROWS).to_batches()))
    out = []
    for v, r in zip(visits, k.check_many([{x: y for x, y in v.items() if x != "_line_numbers"}
                                          if isinstance(v, dict) else v for v in visits], workers=1), strict=True):
        out += arrow.finding_rows(r, v.get("_line_numbers") if isinstance(v, dict) else None, arrow.Remittance(k))
    return out


@pytest.mark.parametrize("suffix", ["parquet", "csv"])
def test_claim_lines_to_findings_parquet(k, tmp_path, suffix):
    source = tmp_path / f"lines.{suffix}"
    table = pa.Table.from_pylist(ROWS)
    if suffix == "parquet":
        pq.write_table(table, source)
    else:
        import pyarrow.csv as pacsv

        pacsv.write_csv(table, source)
    target = tmp_path / "findings.parquet"
    counts = arrow.check_file(k, source, target, workers=1)
    assert counts == {"visits": 4, "with_errors": 1, "findings": 1, "not_checked": 2}
    found = pq.read_table(target)
    assert found.schema.equals(arrow.FINDINGS_SCHEMA, check_metadata=False)
    rows = found.to_pylist()
    assert [tuple(r.values()) for r in rows] == [tuple(r) for r in expected_rows(k)]
    a2 = [r for r in rows if r["claim_id"] == "A2"]
    assert {r["rule"] for r in a2} == {"ptp.modifier-required"} and a2[0]["lines"] == [7, 9]  # the claim's numbers
    invalid = [r for r in rows if r["rule"] == arrow.INVALID]
    assert [(r["claim_id"], r["basis"]) for r in invalid] == [("A3", "lines[0].minutes"), ("A1", "claim_id")]
    cited = arrow.sources_of(target)
    assert cited and {s for r in rows for s in r["source_ids"]} == set(cited)
    assert found.schema.metadata[b"kb.content_hash"] == k.content_hash.encode()
    assert not list(tmp_path.glob("*.partial"))


def test_workers_write_the_same_file(k, tmp_path, monkeypatch):
    """Ranges cut between claims, a claim split across ranges, bad visits: the same bytes from 1 and 2 workers,
    and the same findings as one pass over the lines (check_batches)."""
    more = [{**r, "claim_id": f"{r['claim_id']}-{i}"} for i in range(40) for r in ROWS]
    rows = ROWS + more + [{**ROWS[0], "line": 5}]  # claim A1's rows once more at the end, far from the others
    source = tmp_path / "lines.parquet"
    table = pa.Table.from_pylist(rows)
    pq.write_table(table, source)
    monkeypatch.setattr(arrow, "SLICE_ROWS", 7)  # many ranges (the cut moves on to the next claim)
    monkeypatch.setattr(arrow, "GROUP_ROWS", 50)  # several row groups
    slices = arrow.claim_slices(table)
    assert len(slices) > 20 and slices[-1][2] == {"A1"}  # the range of A1's last row knows A1 was met before
    assert sum(bool(s[2]) for s in slices) > 5  # copies of A1 (split within six rows) split across ranges too
    one, two = tmp_path / "one.parquet", tmp_path / "two.parquet"
    assert arrow.check_file(k, source, one, workers=1) == arrow.check_file(k, source, two, workers=2)
    assert one.read_bytes() == two.read_bytes()
    found = pq.read_table(one)
    assert pq.ParquetFile(one).metadata.num_row_groups > 1
    assert found.to_pylist() == [r for b in arrow.check_batches(k, table.to_batches()) for r in b.to_pylist()]
    invalid = [r["claim_id"] for r in found.to_pylist() if r["rule"] == arrow.INVALID]
    assert invalid.count("A1") == 2  # split twice: at its third line and again at the end


def test_bad_tables_are_input_errors(k, tmp_path):
    source = tmp_path / "lines.parquet"
    pq.write_table(pa.Table.from_pylist([{**ROWS[0], "colour": "red"}]), source)
    with pytest.raises(kb.InputError, match="unknown column 'colour'"):
        arrow.check_file(k, source, tmp_path / "f.parquet")
    (tmp_path / "junk.parquet").write_bytes(b"not parquet")
    with pytest.raises(kb.InputError, match="cannot read"):
        arrow.check_file(k, tmp_path / "junk.parquet", tmp_path / "f.parquet")
    assert not (tmp_path / "f.parquet").exists()


def test_cli_writes_findings_parquet(tmp_path, capsys):
    source = tmp_path / "lines.parquet"
    pq.write_table(pa.Table.from_pylist(ROWS[:4]), source)
    target = tmp_path / "out.parquet"
    assert main(["check", str(source), "--policies", str(CHECK), "--findings", str(target), "--jobs", "1"]) == 1
    assert "2 visits checked" in capsys.readouterr().out and pq.read_table(target).num_rows == 1


def test_a_split_claim_is_reported_in_place(k):
    visits = list(arrow.visits_from_batches(pa.Table.from_pylist(ROWS).to_batches(max_chunksize=2)))
    assert [v["claim_id"] if isinstance(v, dict) else v.claim_id for v in visits] == ["A1", "A2", "A3", "A1"]
    assert isinstance(visits[-1], VisitError) and "not together" in visits[-1].message


def test_claim_ranges_stream_the_same_cuts_whatever_the_batches():
    """The lines are cut into ranges as they stream in: batches that end inside a claim give the same ranges as
    the whole table, every claim's run of rows stays in one range, and a claim met again is reported as split."""
    rows = [{**r, "claim_id": f"{r['claim_id']}-{i}"} for i in range(30) for r in ROWS] + [ROWS[0]]
    table = pa.Table.from_pylist(rows)
    whole = arrow.claim_slices(table, size=7)
    for batch_rows in (1, 2, 3, 5, 8, 13, 40):
        streamed = list(arrow.claim_ranges(table.to_batches(max_chunksize=batch_rows), size=7))
        assert [(lines.num_rows, seen) for lines, seen in streamed] == [(b - a, seen) for a, b, seen in whole]
        assert pa.concat_tables([lines for lines, _ in streamed]).equals(table)
        ends = [lines.column("claim_id")[-1].as_py() for lines, _ in streamed[:-1]]
        starts = [lines.column("claim_id")[0].as_py() for lines, _ in streamed[1:]]
        assert all(a != b for a, b in zip(ends, starts, strict=True))  # a cut never falls inside a claim's run
    # each copy of A1 is split within its six rows (a run, another claim, the run again): met again past a cut
    assert sum(bool(seen) for _, _, seen in whole) > 3 and all(c.startswith("A1-") for _, _, s in whole for c in s)


def test_claim_ranges_read_the_lines_as_they_go():
    """A range is handed on once the lines after it have started: the file is never held whole."""
    pulled = []

    def batches():
        for i in range(1000):
            pulled.append(i)
            yield pa.RecordBatch.from_pylist([{**ROWS[0], "claim_id": f"C{i}"}, {**ROWS[1], "claim_id": f"C{i}"}])

    ranges = arrow.claim_ranges(batches(), size=10)
    first, _ = next(ranges)
    assert first.num_rows == 10 and len(pulled) <= 7
    assert sum(lines.num_rows for lines, _ in ranges) == 2000 - 10


def test_files_without_lines_give_no_findings(k, tmp_path):
    empty = tmp_path / "empty.parquet"
    pq.write_table(pa.Table.from_pylist(ROWS).schema.empty_table(), empty)
    header = tmp_path / "header.csv"
    header.write_text("claim_id,payer,date,code,minutes\n", encoding="utf-8")
    for source in (empty, header):
        target = tmp_path / f"{source.stem}-findings.parquet"
        assert arrow.check_file(k, source, target, workers=2) == {
            "visits": 0, "with_errors": 0, "findings": 0, "not_checked": 0}
        assert pq.read_table(target).num_rows == 0
