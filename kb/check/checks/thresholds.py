"""Dollar thresholds over the year's allowed amount: the KX modifier above the KX threshold, and other
thresholds (targeted medical review) as information.

The finding ids follow the policy data: a threshold-type modifier rule reports `modifier.<modifier>-missing` and
`-unneeded` (KX: `modifier.kx-missing`), any other threshold passed `threshold.<name>`; the test suite checks
that every id the shipped policies can produce is declared here.
"""

from __future__ import annotations

from typing import Any

from kb.check.registry import check, finding
from kb.check.run import Run, basis, first_sentence, group, listing
from kb.model import Threshold


@check("thresholds", findings=(
    finding("modifier.kx-missing", "error",
            "The year's allowed amount is over the KX threshold and a line of the discipline group lacks KX."),
    finding("modifier.kx-unneeded", "warning",
            "A line carries KX although the year's allowed amount is not over the KX threshold."),
    finding("threshold.targeted-review", "info",
            "The year's allowed amount is over the targeted medical review threshold."),
    finding("threshold.kx", "info",
            "The year's allowed amount is over the KX threshold (for a payer with no KX modifier rule)."),
))
def thresholds(run: Run) -> None:
    """A threshold-type modifier rule (KX) against the year's amount for the line's discipline group; any other
    threshold passed is information. Runs only when the visit gives the year-to-date allowed amount."""
    ctx = run.ctx
    ytd = run.visit.ytd_allowed
    if ytd is None:
        return
    after: list[float] = []  # the year's allowed amount once each line is added (lines without one add 0)
    running = ytd
    for ln in run.lines:
        running += ln.allowed or 0
        after.append(running)
    total = running
    own = any(ln.allowed is not None for ln in run.lines)
    missing: dict[tuple[str, str], tuple[Any, Threshold, list[int]]] = {}
    unneeded: dict[tuple[str, str], tuple[Any, Threshold, list[int]]] = {}
    for i, (ln, f) in enumerate(zip(run.lines, run.facts, strict=True)):
        plan = run.plans[i]
        if f is None or plan is None:
            continue
        for r in f.threshold:
            t = ctx.threshold(r.threshold, plan) if r.threshold else None
            if t is None:
                continue
            has = any(m in ln.modifiers for m in r.modifiers)
            if after[i] > t.amount and not has:
                missing.setdefault((r.id, t.key), (r, t, []))[2].append(i)
            elif has and total <= t.amount:
                unneeded.setdefault((r.id, t.key), (r, t, []))[2].append(i)
    for r, t, lines in missing.values():
        when = "with this visit's allowed amounts" if own else "before this visit"
        amount = f"${after[lines[-1]]:,.2f} {when}"
        codes, mods, one = listing([run.lines[k].code for k in lines]), listing(r.modifiers), len(lines) == 1
        run.add(f"modifier.{r.modifiers[0].lower()}-missing", "error", lines,
                f"the year's allowed amount for {group(t)} therapy ({amount}) is over the {t.year} {t.name} "
                f"threshold of ${t.amount:,.2f}: {codes} need{'s' if one else ''} {mods} or "
                f"{'it is' if one else 'they are'} denied.",
                f"Add {mods} to {'the line' if one else 'each line'}, and make sure the record documents the "
                "medical necessity it attests.", r.sources + t.sources, basis(ctx, r, "modifier_rules"))
    for r, t, lines in unneeded.values():
        unknown = "" if all(ln.allowed is not None for ln in run.lines) else (
            " (this visit's own allowed amount is not given: if it takes the year past the threshold, keep it)")
        mods = listing(r.modifiers)
        run.add(f"modifier.{r.modifiers[0].lower()}-unneeded", "warning", lines,
                f"{mods} is on {listing([run.lines[k].code for k in lines])} but the year's allowed amount for "
                f"{group(t)} therapy (${total:,.2f}) is not over the {t.year} {t.name} threshold of "
                f"${t.amount:,.2f}{unknown}; using it with no sign the threshold will be reached is treated as "
                "abusive.", f"Remove {mods} until the threshold is passed.",
                r.sources + t.sources, basis(ctx, r, "modifier_rules"))
    for name in ctx.plain_thresholds:
        passed: dict[str, tuple[Threshold, list[int]]] = {}
        for i, plan in enumerate(run.plans):
            t = ctx.threshold(name, plan) if plan else None
            if t is not None and total > t.amount:
                passed.setdefault(t.key, (t, []))[1].append(i)
        for t, lines in passed.values():
            run.add(f"threshold.{name.lower()}", "info", lines,
                    f"the year's allowed amount for {group(t)} therapy (${total:,.2f}) is over the {t.year} "
                    f"{name} threshold of ${t.amount:,.2f}"
                    + (f": {first_sentence(t.notes)}." if t.notes else "."),
                    "Make sure the record supports medical necessity for every service.",
                    t.sources, basis(ctx, t, "thresholds"))
