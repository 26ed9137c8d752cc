"""The engine: one visit in, the units per line and every finding out.

Each registered check (kb/check/checks/, declared in kb/check/registry.py) reads the payer's rules through a
`Context` (kb/check/context.py) and the visit's `Run` (kb/check/run.py) and reports under a declared finding id
with the sources of the rule that fired. Which codes, modifiers, amounts and findings are involved comes from
the policies; the code only knows the rule *types* of the policy format.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

from kb.check.context import Contexts, RuleBase
from kb.check.inputs import Visit, as_visit_data, iter_visit_data, to_visit
from kb.check.registry import checks
from kb.check.result import CheckResult, Finding, LineResult, VisitError, sort_findings
from kb.check.run import Run
from kb.problems import KBError

if TYPE_CHECKING:
    from kb.remit.codes import RemittanceTable


class Checker:
    """Checks visits against one knowledge base; keeps the per-period contexts between calls."""

    def __init__(self, kb: RuleBase):
        self.kb = kb
        self.contexts = Contexts(kb)
        self.checks = checks()
        # predicted remittance codes per finding (policies/remittance.yaml), when the knowledge base has them
        self.remittance: RemittanceTable | None = getattr(kb, "remittance_table", None)

    def check(self, visit: Any) -> CheckResult:
        """Check one visit (mapping, Visit, YAML/JSON text, or a file path). Raises InputError on bad input.

        A visit whose timed lines carry billed units but no minutes is checked without minutes: the checks that
        need them are skipped and named in the result's `skipped`.
        """
        v = to_visit(as_visit_data(visit))
        return self._run(Run(self.contexts.get(v.payer, v.date, v.state), v, self.remittance))

    def check_many(self, visits: Any) -> Iterator[CheckResult | VisitError]:
        """Check visits one by one; a visit that cannot be checked yields a VisitError and the rest go on."""
        for index, item in enumerate(iter_visit_data(visits)):
            if isinstance(item, VisitError):
                yield VisitError(item.message, item.field, item.claim_id, index)
                continue
            claim = _claim_of(item)
            try:
                yield self.check(item)
            except KBError as err:
                yield VisitError(str(err), getattr(err, "field", None), claim, index)

    def _run(self, run: Run) -> CheckResult:
        skipped = []
        for c in self.checks:
            if c.needs_minutes and not run.has_minutes:
                skipped.append(c.id)
            else:
                c.fn(run)
        ctx, visit = run.ctx, run.visit
        lines = tuple(
            LineResult(i, ln.code, ln.minutes, run.line_units[i], ln.units, ln.modifiers, run.payment_factor(i))
            for i, ln in enumerate(run.lines))
        first = (f"Under {ctx.name}, units are counted by the {ctx.method_name} (in force since "
                 f"{ctx.unit_rule.effective_from}).")
        if skipped:
            first += (" The visit gives billed units but no minutes for its timed lines, so the units are not "
                      f"counted and these checks are skipped: {', '.join(skipped)}.")
        return CheckResult(payer=ctx.payer, date=visit.date, lines=lines, findings=sort_findings(_unique(run.findings)),
                           plan_of_care=visit.plan_of_care, state=visit.state, claim_id=visit.claim_id,
                           method=ctx.method, explanation=(first, *run.counted.steps), skipped=tuple(skipped))


def _unique(findings: list[Finding]) -> list[Finding]:
    """The findings without repeats (same rule, lines and message), first kept."""
    seen: set[tuple[str, tuple[int, ...], str]] = set()
    unique = []
    for f in findings:
        key = (f.rule, f.lines, f.message)
        if key not in seen:
            seen.add(key)
            unique.append(f)
    return unique


def _claim_of(item: Any) -> str | None:
    """The claim id of a visit not yet validated, when it has a usable one (for its error result)."""
    claim = item.claim_id if isinstance(item, Visit) else item.get("claim_id") if isinstance(item, Mapping) else None
    return None if claim is None or isinstance(claim, bool) or not isinstance(claim, str | int) else str(claim)


def checker_for(kb: RuleBase) -> Checker:
    """The checker of a knowledge base (one per knowledge base, kept with it)."""
    found = kb.__dict__.get("_checker")
    if found is None:
        found = kb.__dict__["_checker"] = Checker(kb)
    return found  # type: ignore[no-any-return]
