"""Sources cited by id: a batch of results lists each source once, and findings name them by id.

An id is the source's document id (from documents.yaml) and a short hash of everything the citation says
(section, quote, ...), e.g. `cms-pub100-04-ch5#1f3a9c02`: stable across runs and machines, distinct for distinct
citations, readable enough to tell the document at a glance.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from kb.check.result import CheckResult, VisitError, source_dict
from kb.model import Source

if TYPE_CHECKING:
    from kb.check.context import RuleBase


@lru_cache(maxsize=8192)
def source_id(source: Source) -> str:
    """The stable id of a citation."""
    data = source_dict(source)
    digest = hashlib.sha256(json.dumps(data, sort_keys=True, ensure_ascii=False).encode("utf-8")).hexdigest()[:8]
    return f"{source.doc or 'source'}#{digest}"


def result_by_id(result: CheckResult | VisitError, cited: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """A result as JSON-ready data whose findings name their sources by id; the sources go into `cited`."""
    data = result.to_dict()
    if isinstance(result, CheckResult):
        for finding, out in zip(result.findings, data["findings"], strict=True):
            ids = []
            for source in finding.sources:
                sid = source_id(source)
                if sid not in cited:
                    cited[sid] = source_dict(source)
                ids.append(sid)
            out["sources"] = ids
    return data


def all_sources(kb: RuleBase) -> Iterator[Source]:
    """Every source the knowledge base can cite in a finding: its payers' rules (every period), their bulk tables,
    and the code catalogue."""
    for payer in kb.payers():
        rules = kb.payer_rules(payer)
        if rules is None:
            continue
        for section in rules.sections.values():
            for rule in section:
                yield from rule.sources
        if rules.bulk_ptp is not None:
            yield from rules.bulk_ptp.sources
        for table in rules.bulk_mue:
            yield from table.sources
    for entry in kb.model["codes"].values():
        for data in entry.get("sources", ()):
            yield Source.from_dict(data)
