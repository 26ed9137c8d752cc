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
that cannot be checked, so one bad visit never stops the others. A visit whose timed lines give billed units
but no minutes is checked without them: the checks that need minutes are skipped and listed in `skipped`.

Every check and every finding id it can raise are declared once in kb/check/registry.py (`checks()`,
`findings()`); the checks live in kb/check/checks/, one module per family.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

# the check modules load first, so that `checks` below stays the function: a later first import of the subpackage
# kb.check.checks would otherwise rebind the name `kb.check.checks` to the module
import kb.check.checks  # noqa: F401
from kb.check.engine import Checker, checker_for
from kb.check.inputs import Line, Visit, read_csv, read_file, to_visit
from kb.check.registry import Check, FindingKind, checks, findings
from kb.check.result import CheckResult, Finding, LineResult, VisitError
from kb.problems import InputError

if TYPE_CHECKING:
    from kb.check.context import RuleBase

__all__ = [
    "Check", "CheckResult", "Checker", "Finding", "FindingKind", "Line", "LineResult", "Visit", "VisitError",
    "check_many", "check_visit", "checks", "findings", "read_csv", "read_file", "to_visit",
]


def check_visit(kb: RuleBase, visit: Any) -> CheckResult:
    """Check one visit: units per line, payment factors and every finding, each with its rule's sources.
    An X12 837 or FHIR Claim file holding one claim of one date of service is such a visit."""
    from kb.claims import claim_input

    source = claim_input(visit)
    if source is not None:
        items = list(source.visits(kb))
        if len(items) != 1:
            raise InputError(f"{source.path} holds {len(items)} visits (claims by date of service); use check_many",
                             "visit")
        if isinstance(items[0], VisitError):
            raise InputError(items[0].message, items[0].field)
        visit = items[0]
    return checker_for(kb).check(visit)


def check_many(kb: RuleBase, visits: Any, workers: int | None = 1) -> Iterator[CheckResult | VisitError]:
    """Check visits as they come, yielding a CheckResult, or a VisitError (with its claim id) for a bad visit, in
    input order. An X12 837 or FHIR Claim file (a path or a `kb.claims.ClaimSource`) is read claim by claim.
    `workers` > 1 checks chunks of the batch in that many processes, this one included (kb/parallel.py); None uses
    every core once the batch is long."""
    if type(workers) is int and workers == 1:
        from kb.claims import claim_input  # X12/FHIR claims: mapped to visits (kb/claims/)

        source = claim_input(visits)
        return checker_for(kb).check_many(source.visits(kb) if source is not None else visits)
    from kb.parallel import check_many as pooled

    return pooled(kb, visits, workers)
