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
