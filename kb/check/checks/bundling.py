"""NCCI procedure-to-procedure (PTP) edits between the visit's codes, and distinct-service modifiers (59, X{EPSU})
with nothing to bypass."""

from __future__ import annotations

import itertools

from kb.check.registry import check, finding
from kb.check.run import Run, basis, listing


@check("bundling", findings=(
    finding("ptp.modifier-required", "error",
            "Two codes are bundled by a PTP edit a modifier may bypass, and the column 2 line lacks a distinct-service "
            "modifier."),
    finding("ptp.not-allowed", "error",
            "Two codes are never paid together on one date: no modifier bypasses the edit."),
    finding("modifier.distinct-unsupported", "warning",
            "A line carries a distinct-service modifier (59, X{EPSU}) with no bundling edit for it to bypass."),
))
def bundling(run: Run) -> None:
    """Every pair of the visit's codes against the payer's PTP edits in force; distinct-service modifiers only
    where an edit needs them."""
    ctx = run.ctx
    codes = list(run.by_code)
    edited: set[str] = set()
    for a, b in itertools.combinations(codes, 2):
        edit = ctx.ptp(a, b)
        if edit is None or edit.modifier_indicator == 9:
            continue
        edited.update((a, b))
        c1, c2 = edit.column1, edit.column2
        col1, col2 = run.by_code[c1], run.by_code[c2]
        where = basis(ctx, edit, "ptp_edits")
        why = f" ({edit.rationale})" if edit.rationale else ""
        if edit.modifier_indicator == 1:
            f2 = run.code_facts[c2]
            lacking = [k for k in col2 if not any(m in f2.distinct for m in run.lines[k].modifiers)]
            if lacking:
                mods = " / ".join(f2.distinct) or "a distinct-service modifier"
                run.add("ptp.modifier-required", "error", lacking + col1,
                        f"{c1} and {c2} are bundled{why}: billed together on one date, {c2} (column 2) is denied "
                        f"unless it carries {mods} to show a distinct service.",
                        f"If {c2} was a separate service (for therapy: done in its own time period), add "
                        f"{mods.split(' / ')[0] if f2.distinct else 'the distinct-service modifier'} (or the "
                        f"fitting X modifier) to the {c2} line; if not, do not bill {c2}.",
                        edit.sources, where)
        else:
            run.add("ptp.not-allowed", "error", col1 + col2,
                    f"{c1} and {c2} are never paid together on one date{why}: {c2} (column 2) is denied and no "
                    "modifier bypasses the edit.",
                    f"Bill {c1} only; {c2} is not payable with it on this date.", edit.sources, where)
    for i, (ln, f) in enumerate(zip(run.lines, run.facts, strict=True)):
        if f is None or ln.code in edited:
            continue
        used = [m for m in ln.modifiers if m in f.distinct]
        if used:
            r = f.distinct[used[0]]
            others = [c for c in codes if c != ln.code]
            with_what = (f"no bundling edit in force between {ln.code} and the visit's other codes "
                         f"({listing(others)})" if others else f"no other code on the visit for {ln.code} to be "
                         "distinct from")
            run.add("modifier.distinct-unsupported", "warning", [i],
                    f"{ln.code} carries {listing(used)}, but under {ctx.name} there is {with_what}: nothing to "
                    "bypass, and an unneeded distinct-service modifier is an audit flag.",
                    f"Remove {listing(used)} from the {ln.code} line.", r.sources,
                    basis(ctx, r, "modifier_rules"))
