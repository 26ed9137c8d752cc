"""Every core: check_many(workers=N) and `kb check --jobs N` give the single-process results, in input order,
with a bad visit reported in its place (issue 11); JSON cites sources by id, each listed once."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

import kb
from kb import parallel
from kb.check import CheckResult, VisitError
from kb.cli import main

CHECK = Path(__file__).parent / "fixtures" / "check"
CODES = ["97110", "97112", "97116", "97140", "97530", "97150", "97161", "97035"]


def visits(n: int, seed: int = 5) -> list[dict]:
    rnd = random.Random(seed)
    out = []
    for i in range(n):
        lines = [{"code": c, "minutes": rnd.choice((5, 8, 15, 20, 23, 38)), "modifiers": ["GP"],
                  **({"units": rnd.randint(0, 3)} if rnd.random() < 0.5 else {})}
                 for c in rnd.sample(CODES, rnd.randint(1, 4))]
        out.append({"claim_id": f"C{i}", "payer": rnd.choice(["checkpay", "checkpay-listed-cap"]),
                    "date": f"2026-0{rnd.randint(1, 9)}-1{rnd.randint(0, 9)}", "plan_of_care": "PT", "lines": lines})
    return out


@pytest.fixture(scope="module")
def k() -> kb.KnowledgeBase:
    return kb.load(CHECK)


def test_workers_give_the_same_results_in_order(k):
    batch = visits(120)
    batch[7] = {"claim_id": "BAD", "payer": "checkpay", "date": "2026-13-01", "lines": [{"code": "97110"}]}
    batch[100] = "not a visit"
    alone = list(k.check_many(batch, workers=1))
    pooled = list(parallel.check_many(k, batch, workers=2, chunk=16))
    assert pooled == alone
    assert isinstance(pooled[7], VisitError) and pooled[7].index == 7 and pooled[7].claim_id == "BAD"
    assert isinstance(pooled[100], VisitError) and pooled[100].index == 100
    assert [r.claim_id for r in pooled if isinstance(r, CheckResult)] == [
        v["claim_id"] for i, v in enumerate(batch) if i not in (7, 100)]


def test_a_short_batch_stays_in_process_and_bad_worker_counts_are_refused(k, monkeypatch):
    def no_pool(*args, **kwargs):
        raise AssertionError("a short batch must not start processes")

    monkeypatch.setattr(parallel, "_pooled", no_pool)
    assert len(list(k.check_many(visits(10)))) == 10  # workers=None: every core only once the batch is long
    for bad in (0, -1, 1.5, True):
        with pytest.raises(kb.InputError, match="workers"):
            list(k.check_many(visits(2), workers=bad))


def test_cli_jobs_output_equals_one_process(tmp_path, capsys):
    path = tmp_path / "v.json"
    path.write_text(json.dumps(visits(60)), encoding="utf-8")
    outputs = []
    for jobs in ("1", "2"):
        code = main(["check", str(path), "--policies", str(CHECK), "--json", "--jobs", jobs])
        outputs.append((code, capsys.readouterr().out))
    assert outputs[0] == outputs[1]
    data = json.loads(outputs[0][1])
    cited = [sid for r in data["results"] for f in r["findings"] for sid in f["sources"]]
    assert cited and set(cited) == set(data["sources"])  # every id resolves; each source listed once
    assert all(isinstance(sid, str) and "#" in sid for sid in cited)
    assert all("title" in s for s in data["sources"].values())
    with pytest.raises(SystemExit) as stop:
        main(["check", str(path), "--policies", str(CHECK), "--jobs", "0"])
    assert stop.value.code == 2 and "--jobs takes a number of processes" in capsys.readouterr().err


def test_results_cross_processes_intact(k):
    from kb.transfer import Decoder, Encoder

    batch = visits(80)
    batch[3] = {"payer": "checkpay"}
    results = list(k.check_many(batch, workers=1))
    assert any(f.sources for r in results for f in r.findings)
    encoder, decoder = Encoder(), Decoder()
    chunks = [encoder.encode(results[i:i + 25]) for i in range(0, 80, 25)]
    assert all(c[:1] == b"M" for c in chunks)  # the marshal path, not the pickle fallback
    assert [r for c in chunks for r in decoder.decode(c)] == results
    # a shared object is sent once per worker, so a worker's chunks must be read in order
    with pytest.raises(RuntimeError, match="out of order"):
        Decoder().decode(chunks[1])


def csv_text(batch: list[dict], extra: str = "") -> str:
    """The visits as claim-line CSV rows (kb check's CSV), with `extra` rows appended."""
    columns = ["claim_id", "payer", "date", "plan_of_care", "code", "minutes", "units", "modifiers", "note"]
    out = [",".join(columns)]
    for v in batch:
        for ln in v["lines"]:
            out.append(",".join(str(x) for x in (v["claim_id"], v["payer"], v["date"], v["plan_of_care"], ln["code"],
                                                 ln["minutes"], ln.get("units", ""), " ".join(ln["modifiers"]),
                                                 '"seen, treated"')))
    return "\n".join(out) + "\n" + extra


def awkward_csv(tmp_path: Path, extra: str = "") -> Path:
    """A CSV file whose slices meet every case: a claim split far apart, lines that disagree, an empty claim id,
    blank rows, a byte-order mark."""
    text = csv_text(visits(90), extra)
    rows = text.splitlines(keepends=True)
    rows.insert(40, "\n")  # a blank row inside the file
    rows.insert(45, " , , \n")  # a row of blanks
    rows.append("C3,checkpay,2026-03-10,PT,97110,15,,GP,\n")  # claim C3's rows again, far from the first ones
    rows.append("D1,checkpay,2026-03-10,PT,97110,15,,GP,\n")
    rows.append("D1,checkpay-listed-cap,2026-03-10,PT,97112,15,,GP,\n")  # lines that disagree on the payer
    rows.append(",checkpay,2026-03-10,PT,97110,15,,GP,\n")  # no claim id
    path = tmp_path / "lines.csv"
    path.write_bytes(b"\xef\xbb\xbf" + "".join(rows).encode("utf-8"))
    return path


def test_csv_slices_read_by_workers_give_the_one_pass_results(k, tmp_path, monkeypatch):
    from kb import csvslices

    path = awkward_csv(tmp_path)
    monkeypatch.setattr(csvslices, "SLICE_BYTES", 700)  # many slices, cut between claims
    cut = csvslices.plan(path)
    assert cut is not None and len(list(cut.slices())) > 10
    cut.close()
    alone = list(k.check_many(path, workers=1))
    pooled = list(parallel.check_many(k, path, workers=2))
    assert pooled == alone
    errors = {r.index: r.message for r in pooled if isinstance(r, VisitError)}
    assert len(errors) == 3 and all(alone[i].index == i for i in errors)
    assert any("rows of claim C3 are not together" in m for m in errors.values())
    assert any("disagree on payer" in m for m in errors.values())


def test_csv_slices_json_bytes_identical(k, tmp_path, capsys, monkeypatch):
    from kb import csvslices

    path = awkward_csv(tmp_path)
    monkeypatch.setattr(csvslices, "SLICE_BYTES", 500)
    outputs = []
    for jobs in ("1", "2"):
        code = main(["check", str(path), "--policies", str(CHECK), "--json", "--jobs", jobs])
        outputs.append((code, capsys.readouterr().out))
    assert outputs[0] == outputs[1] and outputs[0][0] == 2
    assert json.loads(outputs[0][1])["summary"]["not_checked"] == 3


def test_a_csv_that_cannot_be_cut_is_read_in_one_pass(k, tmp_path, monkeypatch):
    from kb import csvslices

    path = awkward_csv(tmp_path, 'E1,checkpay,2026-03-10,PT,97110,15,,GP,"a note\nover two lines"\n')
    assert csvslices.plan(path) is None  # a quoted field spans lines: a cut could fall inside it
    monkeypatch.setattr(parallel, "_check_csv", lambda *a: pytest.fail("cut a file that cannot be cut"))
    monkeypatch.setattr(csvslices, "SLICE_BYTES", 500)
    pooled = list(parallel.check_many(k, path, workers=2))
    assert pooled == list(k.check_many(path, workers=1))
    assert any(r.claim_id == "E1" for r in pooled)


def test_lines_and_findings_numbered_once_and_renumbered_past_the_cache(k, monkeypatch):
    from kb import transfer

    batch = visits(60) * 2  # every line and finding of the second half was sent before
    results = list(k.check_many(batch, workers=1))
    encoder, decoder = transfer.Encoder(), transfer.Decoder()
    first, second = encoder.encode(results[:60]), encoder.encode(results[60:])
    assert len(second) < len(first) / 2
    decoded = decoder.decode(first) + decoder.decode(second)
    assert decoded == results
    assert decoded[60].findings[0] is decoded[0].findings[0]  # one object per distinct finding
    monkeypatch.setattr(transfer, "CACHE", 10)  # the tables start again on both sides every chunk
    encoder, decoder = transfer.Encoder(), transfer.Decoder()
    assert [r for i in range(0, 120, 7) for r in decoder.decode(encoder.encode(results[i:i + 7]))] == results


def test_the_default_uses_every_core_for_a_long_list_or_file(k, tmp_path, monkeypatch):
    checked_here: list[int] = []
    real = parallel._check_chunk_in

    def spy(kb_, batch, finish):
        batch = list(batch)
        checked_here.append(len(batch))  # in a forked worker this appends to the worker's copy
        return real(kb_, batch, finish)

    monkeypatch.setattr(parallel, "_check_chunk_in", spy)
    monkeypatch.setattr(parallel, "cores", lambda: 2)
    monkeypatch.setattr(parallel, "AUTO_AFTER", 20)
    batch = visits(45)
    assert list(parallel.check_many(k, batch, chunk=8)) == list(k.check_many(batch, workers=1))
    # the long list was spread from its first visit: the chunks queued ahead for the worker (2 of 8 visits) were
    # checked there, and this process checked only whole chunks of its own meanwhile
    assert sum(checked_here) <= 45 - 2 * 8 and all(n == 8 or n == 45 % 8 for n in checked_here)
    checked_here.clear()
    assert len(list(parallel.check_many(k, visits(20)))) == 20 and checked_here == [20]  # a short one stays here
    path = awkward_csv(tmp_path)
    cut: list[int] = []
    real_csv = parallel._check_csv
    monkeypatch.setattr(parallel, "_check_csv", lambda *a: cut.append(1) or real_csv(*a))
    monkeypatch.setattr(parallel, "AUTO_BYTES", path.stat().st_size - 1)
    assert list(parallel.check_many(k, path)) == list(k.check_many(path, workers=1)) and cut == [1]
    monkeypatch.setattr(parallel, "AUTO_BYTES", path.stat().st_size)  # a file this short: one process
    assert list(parallel.check_many(k, path)) == list(k.check_many(path, workers=1)) and cut == [1]


def test_workers_are_kept_for_the_next_batch_and_start_each_batch_afresh(k):
    """The workers are forked once per knowledge base: a second batch uses the same processes, and what a worker
    remembers within a batch (sources already handed on, objects already sent) starts again with each batch, so
    every batch's output is complete on its own."""
    from kb.check import cli as check_cli

    batch = visits(300, seed=9)
    alone = list(k.check_many(batch, workers=1))

    def sources_cited(results) -> dict:
        """The sources listed, checking on the way that each result lists or follows the sources it cites."""
        cited: dict = {}
        for text, _kind, _findings, sources in results:
            cited.update(sources or {})
            for finding in json.loads(text)["findings"]:
                assert set(finding["sources"]) <= set(cited), "a source cited before it was listed"
        return cited

    check_cli._SENT.clear()
    expected = sources_cited(parallel.check_many(k, batch, workers=1, finish=check_cli._render_json))
    assert expected  # the batch cites sources
    pids = []
    for _ in range(2):
        assert list(parallel.check_many(k, batch, workers=2, chunk=16)) == alone
        pids.append(sorted(parallel._POOL.executor._processes))
        check_cli._SENT.clear()  # as `kb check` does at the start of a run
        assert sources_cited(parallel.check_many(k, batch, workers=2, chunk=16,
                                                 finish=check_cli._render_json)) == expected
    assert pids[0] == pids[1] and len(pids[0]) == 1
    other = kb.load(CHECK)  # another knowledge base: its own workers
    assert list(parallel.check_many(other, batch, workers=2, chunk=16)) == alone
    assert sorted(parallel._POOL.executor._processes) != pids[0]
    parallel.shutdown()
    assert parallel._POOL is None
