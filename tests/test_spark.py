"""kb.spark in Spark local mode: the same findings as the single-process checker on the same claim lines, each
claim's lines kept together and in order, the knowledge base shipped once and verified on arrival (issue 11).

One Spark session for the whole test run (session-scoped fixture); the data is small so the test stays fast.
"""

from __future__ import annotations

import os
import random
import shutil
import sys
from pathlib import Path

import pytest

import kb
from kb.problems import KBError

pa = pytest.importorskip("pyarrow")
pytest.importorskip("pyspark")
if shutil.which("java") is None:
    pytest.skip("Spark needs Java (17 or later) on PATH", allow_module_level=True)

from kb import arrow, artifact  # noqa: E402
from kb import spark as kbspark  # noqa: E402
from kb.ptp import PtpTable, TableMeta  # noqa: E402

CHECK = Path(__file__).parent / "fixtures" / "check"
CODES = ["97110", "97112", "97116", "97140", "97530", "97535", "97150", "97161"]


@pytest.fixture(scope="session")
def spark():
    from pyspark.sql import SparkSession

    os.environ["PYSPARK_PYTHON"] = sys.executable  # the Python workers need this environment's packages
    session = (SparkSession.builder.master("local[2]").appName("kb-tests")
               .config("spark.sql.shuffle.partitions", "2").config("spark.ui.enabled", "false")
               .config("spark.sql.execution.arrow.pyspark.enabled", "true").getOrCreate())
    yield session
    session.stop()


def claim_lines(n: int, seed: int = 11) -> pa.Table:
    """Claim lines in the documented input schema: some claims with several lines, a few bad ones."""
    rnd = random.Random(seed)
    rows = []
    for i in range(n):
        payer = rnd.choice(["checkpay", "checkpay-listed-cap"])
        day = f"2026-0{rnd.randint(1, 9)}-1{rnd.randint(0, 9)}"
        for number, code in enumerate(rnd.sample(CODES, rnd.randint(1, 4)), start=1):
            rows.append({"claim_id": f"C{i:04d}", "line": number, "payer": payer, "date": day, "plan_of_care": "PT",
                         "code": code, "minutes": rnd.choice([5, 8, 15, 20, 23, 38, None if i % 37 == 0 else 12]),
                         "units": rnd.choice([None, 0, 1, 2]), "modifiers": rnd.choice(["GP", "GP 59", "", "GO"])})
    return pa.Table.from_pylist(rows)


def ordered(rows: list[dict]) -> list[tuple]:
    return sorted((r["claim_id"], r["rule"], tuple(r["lines"]), r["message"], tuple(r["source_ids"])) for r in rows)


def test_spark_local_mode_agrees_with_the_single_process_checker(spark, tmp_path):
    k = kb.load(CHECK)
    table = claim_lines(150)
    table_path = tmp_path / "checkpay.ptp"
    PtpTable.from_rows(TableMeta(payer="checkpay", source={"title": "Synthetic bulk rows"}),
                       [("97530", "97535", 20250101, 99991231, 1, "Synthetic")]).save(table_path)
    k.attach_tables([table_path])
    expected = [r for b in arrow.check_batches(k, table.to_batches(max_chunksize=64)) for r in b.to_pylist()]
    assert expected and any(r["source_ids"] and r["source_ids"][0].startswith("source#") for r in expected)
    # the claims arrive shuffled over partitions; each claim's lines are put back together and in order
    shuffled = table.take(pa.array(random.Random(3).sample(range(table.num_rows), table.num_rows)))
    lines = spark.createDataFrame(shuffled).repartition(2)
    found = kbspark.check(lines, kb.load(CHECK), tables=[table_path]).toArrow().to_pylist()
    assert ordered(found) == ordered(expected)
    ids = {r[0] for r in kbspark.sources(spark, k).collect()}
    assert {sid for r in found for sid in r["source_ids"]} <= ids


def test_a_model_that_does_not_match_its_hash_is_refused():
    k = kb.load(CHECK)
    payload = artifact.dumps({**k.model, "codes": {}})  # what check() broadcasts: the packed model (kb/packing.py)
    with pytest.raises(KBError, match="content hash"):
        kbspark.executor_kb((payload, k.content_hash))
    good = artifact.dumps(k.model)
    assert kbspark.executor_kb((good, k.content_hash)).content_hash == k.content_hash
