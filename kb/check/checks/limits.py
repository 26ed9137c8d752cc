"""Unit limits per date of service: medically unlikely edits (MUE) and the payer's daily caps."""

from __future__ import annotations

from kb.check.registry import check, finding
from kb.check.run import Run, basis, listing, plural

MAI = {
    1: "a claim-line edit: each line is held to it",
    2: "an absolute date-of-service edit based on policy: units above it are never paid",
    3: "a date-of-service edit based on clinical data: units above it are denied, payable only on appeal",
}


@check("mue", findings=(
    finding("mue.exceeded", "error", "A code's units on one date (or one line, MAI 1) are over its MUE."),
))
def mue(run: Run) -> None:
    """The units of each code (billed, or computed from the minutes) within its MUE, per line or per date by its
    MUE adjudication indicator (MAI)."""
    ctx = run.ctx
    for code, ix in run.by_code.items():
        edit = run.code_facts[code].mue
        if edit is None:
            continue
        given = code in run.billed_given
        groups = [[i] for i in ix] if edit.mai == 1 else [ix]
        for lines in groups:
            n = sum(run.effective[i] or 0 for i in lines)
            if n > edit.value:
                how = f"{code} is billed for {plural(n)}" if given else f"the minutes give {code} {plural(n)}"
                run.add("mue.exceeded", "error", lines,
                        f"{how} on one date, over its medically unlikely edit (MUE) of {edit.value} "
                        f"(MAI {edit.mai}: {MAI.get(edit.mai, 'see the NCCI manual')}).",
                        f"Bill at most {edit.value} {'on the line' if edit.mai == 1 else 'for the date'}"
                        + ("; units above it can be paid only on appeal with documentation of medical necessity."
                           if edit.mai == 3 else "."),
                        edit.sources, basis(ctx, edit, "mues"))


@check("caps", findings=(
    finding("cap.daily-units", ("error", "info"),
            "More units are billed than the payer's daily cap allows (error), or the minutes support more than the "
            "cap and the units shown are already cut to it (info)."),
))
def caps(run: Run) -> None:
    """Units within the payer's daily cap over its timed (or listed) codes and within per-code daily limits."""
    ctx = run.ctx
    rule = ctx.unit_rule
    capped = run.capped_codes()
    counted = run.counted.units
    if rule.daily_cap is not None and capped:
        cap_lines = [i for c in capped for i in run.by_code[c]]
        scope = f" ({rule.cap_scope.replace('-', ' ')})" if rule.cap_scope else ""
        where = basis(ctx, rule, "unit_methods", rule.method)
        what = ctx.cap_counts if ctx.cap_codes is None else f"units of {listing(capped)} together"
        if any(run.lines[i].units is not None for i in cap_lines):
            n = sum(run.effective[i] or 0 for i in cap_lines)
            if n > rule.daily_cap:
                run.add("cap.daily-units", "error", cap_lines,
                        f"{n} {what} are billed; under {ctx.name} at most {rule.daily_cap} {ctx.cap_counts} "
                        f"may be paid per date of service{scope}.",
                        f"Bill at most {rule.daily_cap}: " + ", ".join(f"{c} × {counted[c]}" for c in capped) + "."
                        if run.has_minutes else f"Bill at most {rule.daily_cap} {what}.",
                        rule.sources, where)
        elif run.has_minutes:
            full = sum(run.uncapped()[c] for c in capped)
            if full > rule.daily_cap:
                dropped = [f"{c} -{run.uncapped()[c] - counted[c]}" for c in capped
                           if run.uncapped()[c] > counted[c]]
                run.add("cap.daily-units", "info", cap_lines,
                        f"the minutes support {full} {what}, but under {ctx.name} at most {rule.daily_cap} "
                        f"{ctx.cap_counts} may be paid per date of service{scope}; the units shown already drop "
                        f"{full - rule.daily_cap} ({', '.join(dropped)}).",
                        "Bill the units shown; the rest is not payable.", rule.sources, where)
    for code, cap in run.caps.items():
        r = run.code_facts[code].rule
        assert r is not None
        ix = run.by_code[code]
        where = basis(ctx, r, "code_rules")
        if code in run.billed_given:
            if run.billed[code] > cap:
                fix = min(cap, counted[code]) if code in counted else cap
                run.add("cap.daily-units", "error", ix,
                        f"{code} is billed for {plural(run.billed[code])}; under {ctx.name} at most {plural(cap)} of "
                        "it may be paid per date of service.", f"Bill {code} × {fix}.", r.sources, where)
        elif run.has_minutes and run.uncapped().get(code, 0) > cap:
            run.add("cap.daily-units", "info", ix,
                    f"the minutes of {code} support {plural(run.uncapped()[code])}, but under {ctx.name} at most "
                    f"{plural(cap)} of it may be paid per date of service; the units shown are capped.",
                    "Bill the units shown.", r.sources, where)
