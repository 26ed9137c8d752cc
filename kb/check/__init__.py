"""The claim checker: what a therapy visit should bill and what will get it denied.

    import kb
    k = kb.load()
    r = k.check({"payer": "medicare", "date": "2026-03-02", "plan_of_care": "PT",
                 "lines": [{"code": "97112", "minutes": 20, "units": 1, "modifiers": ["GP"]},
                           {"code": "97110", "minutes": 18, "modifiers": ["GP", "59"]}]})
    r.lines[0].units          # 2: 38 timed minutes are 3 units, 97112 gets the third
    r.rules                   # {'units.mismatch', 'modifier.distinct-unsupported'}
    print(r)                  # the report a billing specialist reads

`check_visit(kb, visit)` checks one visit (a mapping, YAML or JSON text, or a file path) and raises
`kb.InputError` naming the bad field; `check_many(kb, visits)` streams results for a batch (an iterable of
visits, YAML/JSON text holding a list, or a .yaml/.json/.csv file) and yields a `VisitError` in place of a visit
that cannot be checked, so one bad visit never stops the others.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from kb.check.engine import Checker, checker_for
from kb.check.inputs import Line, Visit, read_csv, read_file, to_visit
from kb.check.result import CheckResult, Finding, LineResult, VisitError

if TYPE_CHECKING:
    from kb.knowledge import KnowledgeBase

__all__ = [
    "CheckResult", "Checker", "Finding", "Line", "LineResult", "Visit", "VisitError",
    "check_many", "check_visit", "read_csv", "read_file", "to_visit",
]


def check_visit(kb: KnowledgeBase, visit: Any) -> CheckResult:
    """Check one visit: units per line, payment factors and every finding, each with its rule's sources."""
    return checker_for(kb).check(visit)


def check_many(kb: KnowledgeBase, visits: Any, workers: int | None = 1) -> Iterator[CheckResult | VisitError]:
    """Check visits as they come, yielding a CheckResult, or a VisitError (with its claim id) for a bad visit, in
    input order. `workers` > 1 checks chunks of the batch in that many processes (kb/parallel.py); None uses every
    core once the batch is long."""
    if type(workers) is int and workers == 1:
        return checker_for(kb).check_many(visits)
    from kb.parallel import check_many as pooled

    return pooled(kb, visits, workers)
