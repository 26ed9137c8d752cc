"""Checking claim lines on Spark: a DataFrame of claim lines in, a DataFrame of findings out (the optional extra
`[spark]`). The checking itself is the engine-neutral Arrow core (`kb.arrow.check_batches`) run by `mapInArrow`.

    from kb import spark as kbspark
    findings = kbspark.check(lines_df, k)          # k = kb.load(...); lines_df as kb/arrow.py documents
    kbspark.sources(spark, k)                      # id -> source, for the findings' source_ids

How the work is laid out:
- each claim's lines stay together and in order: the lines are repartitioned by `claim_id` and sorted within
  each partition by `claim_id`, then `line` (or, without a `line` column, the input order, captured before the
  shuffle with `monotonically_increasing_id`);
- the knowledge base reaches each executor once: the compiled model is broadcast packed, as build/kb.json holds it
  (kb/packing.py), with its content hash, which every Python worker recomputes on arrival (a corrupted or
  mismatched model is refused, not used) before expanding it; bulk
  tables travel as files (`SparkContext.addFile`) and are attached on arrival. Each Python worker builds the
  knowledge base once and keeps it for every later task of the same model.
The result equals `kb.arrow.check_batches` (and so `k.check_many`) on the same lines.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from kb import artifact
from kb.arrow import FINDINGS_SCHEMA, check_batches, check_columns
from kb.problems import KBError

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

    from kb.knowledge import KnowledgeBase

_ORDER = "_kb_input_order"
_ON_EXECUTOR: dict[tuple[str, tuple[str, ...]], KnowledgeBase] = {}  # one knowledge base per model and tables


def findings_schema() -> Any:
    """FINDINGS_SCHEMA as a Spark StructType."""
    from pyspark.sql.pandas.types import from_arrow_schema

    return from_arrow_schema(FINDINGS_SCHEMA)


def check(lines: DataFrame, kb: KnowledgeBase, tables: Iterable[str | Path] = (),
          partitions: int | None = None) -> DataFrame:
    """Check a DataFrame of claim lines against `kb` (and bulk tables, given as the files `kb ncci` wrote, so they
    can be shipped to executors); returns a DataFrame of findings (kb/arrow.py: FINDINGS_SCHEMA). `partitions`:
    how many groups of claims are checked in parallel (default: the input's partitions, and at least Spark's
    default parallelism)."""
    from pyspark.sql import functions as F

    check_columns(pa.schema([pa.field(n, pa.string()) for n in lines.columns]))
    spark = lines.sparkSession
    context = spark.sparkContext
    payload = artifact.dumps(kb.model)  # packed, as build/kb.json: each inherited rule once, key order kept
    model = context.broadcast((payload, kb.content_hash))
    names = []
    for table in map(Path, tables):
        if not table.is_file():
            raise KBError(f"no table file at {table}")
        context.addFile(str(table))
        names.append(table.name)
    columns = list(lines.columns)
    if "line" in columns:
        order = ["claim_id", "line"]
    else:
        lines = lines.withColumn(_ORDER, F.monotonically_increasing_id())
        order = ["claim_id", _ORDER]
    # checking is CPU work: at least one partition per core Spark has, even for a file read as one partition
    count = partitions or max(lines.rdd.getNumPartitions(), context.defaultParallelism)
    arranged = lines.repartition(count, "claim_id").sortWithinPartitions(*order).select(*columns)
    names_t = tuple(names)

    def run(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        yield from check_batches(executor_kb(model.value, names_t), batches)

    return arranged.mapInArrow(run, findings_schema())


def executor_kb(shipped: tuple[str, str], tables: tuple[str, ...] = ()) -> KnowledgeBase:
    """On an executor: the broadcast knowledge base, its content hash checked, built once per Python worker."""
    payload, expected = shipped
    key = (expected, tables)
    found = _ON_EXECUTOR.get(key)
    if found is not None:
        return found
    from kb.knowledge import KnowledgeBase
    from kb.packing import unpack

    packed = json.loads(payload)
    actual = artifact.packed_hash(packed)
    if actual != expected or packed.get("content_hash") != expected:
        raise KBError(f"the knowledge base arrived with content hash {actual}, not {expected}: refusing to use it")
    k = KnowledgeBase(unpack(packed), origin="artifact")
    if tables:
        from pyspark import SparkFiles

        k.attach_tables(SparkFiles.get(name) for name in tables)
    _ON_EXECUTOR.clear()  # a new model replaces the old one: one knowledge base per worker at a time
    _ON_EXECUTOR[key] = k
    return k


def sources(spark: SparkSession, kb: KnowledgeBase) -> DataFrame:
    """Every source the knowledge base's rules and catalogue cite, by id (what the findings' source_ids name)."""
    from kb.check.result import source_dict
    from kb.check.sources import all_sources, source_id

    seen: dict[str, str] = {}
    for s in all_sources(kb):
        sid = source_id(s)
        if sid not in seen:
            seen[sid] = json.dumps(source_dict(s), ensure_ascii=False, sort_keys=True)
    return spark.createDataFrame(sorted(seen.items()), "source_id string, source string")
