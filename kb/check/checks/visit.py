"""Rules over the whole visit: how many of a set of codes one date may carry, and which services may or may not
be billed for the same minutes (from lines with clock times).

The finding ids of `max-per-date`, `no-shared-time` and `may-share-time` rules come from the rule's `finding`
field in the policies; the ones the shipped policies use are declared here (a test checks it).
"""

from __future__ import annotations

import itertools

from kb.check.registry import check, finding
from kb.check.run import Run, basis, first_sentence, listing, plural


@check("visit.per-date", findings=(
    finding("eval.multiple", "error", "More evaluation or re-evaluation codes on one date than the payer pays."),
))
def per_date(run: Run) -> None:
    """At most the payer's number of the codes a max-per-date rule lists on one date of service."""
    ctx = run.ctx
    for r, codes in ctx.max_per_date:
        hits = [i for i, ln in enumerate(run.lines) if ln.code in codes]
        if len(hits) > (r.max or 0):
            billed = listing([run.lines[i].code for i in hits])
            run.add(r.finding, "error", hits,
                    f"{billed} on one date: under {ctx.name} at most {r.max} of "
                    f"{listing(sorted(codes)) if len(codes) <= 6 else 'these codes'} may be paid per date "
                    "of service.",
                    f"Bill {'one' if r.max == 1 else f'at most {r.max}'} of them on this date"
                    + (f" ({first_sentence(r.notes)})." if r.notes else "."),
                    r.sources, basis(ctx, r, "visit_rules"))


@check("visit.time", findings=(
    finding("time.group-overlap", "error",
            "A group service and another service are billed for the same minutes, which the payer does not allow."),
    finding("time.shared-ok", "info", "A service shares minutes with other therapy, which the payer allows for it."),
    finding("time.one-on-one-overlap", "warning",
            "Two services that each need the clinician one-on-one overlap in time."),
))
def shared_time(run: Run) -> None:
    """Lines with clock times: services the payer says may not share minutes do not overlap, one-on-one services
    do not overlap, and overlaps the payer allows are noted."""
    ctx = run.ctx
    clocked = [i for i, ln in enumerate(run.lines) if ln.start is not None and run.facts[i] is not None]
    if len(clocked) < 2:
        return
    reported: set[tuple[int, int]] = set()
    for r, group, others in ctx.no_shared:
        for a, b in itertools.permutations(clocked, 2):
            la, lb = run.lines[a], run.lines[b]
            if la.code not in group or lb.code not in others or lb.code in ctx.shares_time or la.code == lb.code:
                continue
            if lb.code in group and b < a:
                continue  # both lines are group codes: report the pair once
            overlap = run.overlap(a, b)
            if overlap > 0:
                reported.add((min(a, b), max(a, b)))
                run.add(r.finding, "error", [a, b],
                        f"{run.when(a)} and {run.when(b)} overlap by {plural(overlap, 'minute')}: under "
                        f"{ctx.name}, {la.code} and {lb.code} may not be billed for the same minutes.",
                        "Bill each service only for its own, separate time; minutes in which they overlap belong "
                        "to one of them.", r.sources, basis(ctx, r, "visit_rules"))
    for r, codes in ctx.may_share:
        for a in clocked:
            if run.lines[a].code not in codes:
                continue
            shared = [b for b in clocked if b != a and run.overlap(a, b) > 0]
            if shared:
                code = run.lines[a].code
                run.add(r.finding, "info", [a, *shared],
                        f"{code} shares time with {listing([run.lines[b].code for b in shared])}; "
                        f"under {ctx.name}, {code} may be billed for minutes shared with other therapy.", "",
                        r.sources, basis(ctx, r, "visit_rules"))
    # two services that each need the clinician one-on-one cannot both be billed for the same minutes
    for a, b in itertools.combinations(clocked, 2):
        fa, fb = run.facts[a], run.facts[b]
        if (a, b) in reported or fa is None or fb is None or not (fa.one_on_one and fb.one_on_one):
            continue
        if run.lines[a].code in ctx.shares_time or run.lines[b].code in ctx.shares_time:
            continue
        overlap = run.overlap(a, b)
        if overlap > 0:
            source = fa if fa.one_on_one_rule is not None else fb
            rule = source.one_on_one_rule
            run.add("time.one-on-one-overlap", "warning", [a, b],
                    f"{run.when(a)} and {run.when(b)} overlap by {plural(overlap, 'minute')}, but both need the "
                    "clinician's one-on-one time: the same minutes cannot count for both.",
                    "Record the real, separate times of each service; minutes of the overlap count for one "
                    "service only (and the units follow the minutes).",
                    rule.sources if rule is not None else source.sources,
                    basis(ctx, rule, "code_rules") if rule is not None else f"codes.yaml {source.code} one_on_one")
