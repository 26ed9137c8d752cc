"""Units billed against the units the payer's method gives for the minutes, and the minimum minutes for a unit."""

from __future__ import annotations

from kb.check.registry import check, finding
from kb.check.run import Run, basis, plural


@check("units", needs_minutes=True, findings=(
    finding("units.mismatch", ("error", "warning"),
            "A code is billed for more units than the minutes support (error) or fewer (warning)."),
    finding("time.below-minimum", ("error", "warning"),
            "A timed service is under the minimum minutes for one unit under the payer's method."),
))
def units(run: Run) -> None:
    """Units billed for each code equal the units the payer's method gives for the minutes."""
    ctx = run.ctx
    units = run.counted.units
    rule = ctx.unit_rule
    where = basis(ctx, rule, "unit_methods", rule.method)
    total = sum(run.minutes[c] for c in run.timed)
    below = _minimum(run, total, where)
    wrong = [c for c in run.billed_given if c not in below and run.billed[c] != units[c]]
    # any allocation a tie allows (caps applied) is right; tested against the tie's constraints, in polynomial
    # time, never by listing the allocations (kb.units.Allocations)
    if (wrong and run.counted.tie_broken and all(c in run.timed for c in wrong)
            and run.counted.allows({c: run.billed[c] for c in run.billed_given if c in run.timed})):
        return
    timed_units = sum(units[c] for c in run.timed)
    for c in wrong:
        b, u = run.billed[c], units[c]
        if c not in run.timed:
            why = f"{c} is untimed under {ctx.name}: one unit per date of service whatever the minutes"
        elif ctx.shape.pools and len(run.timed) > 1:
            why = (f"under {ctx.name}, counted by the {ctx.method_name}, the visit's {total} timed minutes give "
                   f"{plural(timed_units, 'timed unit')}, of which {c} ({run.minutes[c]} min) gets {u}")
        else:
            why = f"under {ctx.name}, counted by the {ctx.method_name}, {c}'s {run.minutes[c]} minutes give {u}"
        if c in run.caps and run.uncapped().get(c, 0) > u:
            why += f" after the payer's daily limit of {run.caps[c]} for the code"
        elif rule.daily_cap is not None and sum(run.uncapped()[t] for t in run.capped_codes()) > sum(
                units[t] for t in run.capped_codes()):
            why += f" after the payer's daily cap of {rule.daily_cap} {ctx.cap_counts}"
        if run.counted.tie_broken:
            why += " (a tie between codes was broken; any allocation the tie allows is accepted)"
        lines = run.by_code[c]
        if b > u:
            run.add("units.mismatch", "error", lines,
                    f"{c} is billed for {plural(b)} but the minutes support {u}: {why}. Over-billing by "
                    f"{plural(b - u)}.", f"Bill {c} × {u}.", rule.sources, where)
        else:
            run.add("units.mismatch", "warning", lines,
                    f"{c} is billed for {plural(b)} but the minutes support {u}: {why}. {plural(u - b)} left "
                    "unbilled.", f"Bill {c} × {u}.", rule.sources, where)


def _minimum(run: Run, total: int, where: str) -> set[str]:
    """time.below-minimum: a timed service the payer's method gives no unit because it is under the minimum
    minutes (alone in the visit, or counted on its own minutes by a per-code method). The codes flagged."""
    ctx = run.ctx
    least = ctx.shape.min_alone
    flagged: set[str] = set()
    if ctx.shape.pools and total >= least:
        return flagged
    for c in run.timed:
        m = run.minutes[c]
        if not 0 < m < least or run.counted.units[c] != 0:
            continue
        billed = [run.lines[i].units for i in run.by_code[c] if run.lines[i].units is not None]
        if billed and not any(billed):
            continue  # billed as 0 units already
        severity = "error" if any(billed) else "warning"
        if len(run.timed) == 1:
            what = f"{c} ({m} min) is the only timed service of the visit"
        elif ctx.shape.pools:
            what = f"the visit's timed services add up to {total} minutes"
        else:
            what = f"under {ctx.name} each timed code is counted on its own minutes, and {c} has {m}"
        run.add("time.below-minimum", severity, run.by_code[c],
                f"{what}, under the {least}-minute minimum of the {ctx.method_name}: no unit can be billed.",
                f"Do not bill {c} (keep the minutes in the note); bill it only if at least {least} minutes "
                "were actually provided.", ctx.unit_rule.sources, where)
        flagged.add(c)
    return flagged
