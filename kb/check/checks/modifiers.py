"""Modifiers a line needs or may not carry: the discipline of its plan of care, an assistant's share, modifiers
that only go in pairs, and modifiers a payer requires or forbids on a code."""

from __future__ import annotations

from kb.check.registry import check, finding
from kb.check.run import Run, basis, first_sentence, listing
from kb.model import ModifierRule


@check("modifiers.discipline", findings=(
    finding("modifier.discipline-missing", "error",
            "A line has no therapy discipline modifier (GP/GO/GN) naming its plan of care."),
    finding("modifier.discipline-mismatch", "error",
            "A line carries more than one discipline modifier, or one that does not match the plan of care."),
))
def discipline(run: Run) -> None:
    """Every line of a code the payer's discipline rule covers carries exactly the plan of care's modifier."""
    for i, f in enumerate(run.facts):
        if f is None:
            continue
        for r in f.discipline:
            _discipline(run, i, r)


def _discipline(run: Run, i: int, r: ModifierRule) -> None:
    ctx = run.ctx
    ln, plan = run.lines[i], run.plans[i]
    present = [m for m in ln.modifiers if m in r.modifiers]
    expected = r.by_plan_of_care.get(plan) if plan else None
    if len(present) == 1 and (plan is None or present[0] == expected):
        return
    where = basis(ctx, r, "modifier_rules")
    choices = " / ".join(f"{m} ({p})" for p, m in r.by_plan_of_care.items())
    if not present:
        need = expected or choices
        run.add("modifier.discipline-missing", "error", [i],
                f"{ln.code} has no therapy discipline modifier; under {ctx.name} every line of it needs {need} "
                "to name the plan of care (lines without one are returned as unprocessable).",
                f"Add {expected} (the {plan} plan of care)." if expected
                else f"Add the plan of care's modifier: {choices}.",
                r.sources, where)
    elif len(present) > 1:
        run.add("modifier.discipline-mismatch", "error", [i],
                f"{ln.code} carries {listing(present)}: one line takes exactly one discipline modifier.",
                f"Keep only {expected}." if expected
                else "Keep only the modifier of the plan of care it was furnished under.",
                r.sources, where)
    elif plan is not None and present[0] != expected:
        named = ctx.plan_of_modifier.get(present[0])
        run.add("modifier.discipline-mismatch", "error", [i],
                f"{ln.code} carries {present[0]}" + (f" ({named} plan of care)" if named else "")
                + f" but the visit is under a {plan} plan of care"
                + (f", which takes {expected}." if expected
                   else f"; the payer's rule names no modifier for {plan}."),
                f"Replace {present[0]} with {expected}." if expected else f"Check the plan of care; {present[0]} "
                f"is for {named or 'another'} plan of care.", r.sources, where)


@check("modifiers.assistant", findings=(
    finding("modifier.assistant-missing", "error",
            "An assistant furnished more than the de minimis share of a line that lacks the assistant modifier."),
    finding("modifier.assistant-mismatch", "error",
            "A line's assistant modifier does not match its plan of care, or lacks the modifier it must pair with."),
    finding("modifier.assistant-unneeded", "warning",
            "A line carries an assistant modifier although the assistant's share is within the de minimis share."),
    finding("modifier.pair-missing", "error",
            "A line carries a modifier the payer accepts only together with another modifier, without it."),
))
def assistant(run: Run) -> None:
    """Assistant modifiers (CQ/CO) follow the assistant's share of the line; paired modifiers come together."""
    ctx = run.ctx
    for i, (ln, f) in enumerate(zip(run.lines, run.facts, strict=True)):
        if f is None:
            continue
        for r in f.assistant:
            _assistant(run, i, r)
        for r in f.pairs:
            for mod, needed in r.pairs.items():
                if mod in ln.modifiers and needed not in ln.modifiers:
                    rule = ("modifier.assistant-mismatch" if mod in ctx.assistant_modifiers
                            else "modifier.pair-missing")
                    run.add(rule, "error", [i],
                            f"{ln.code} carries {mod} without {needed}: under {ctx.name}, {mod} is accepted only "
                            f"together with {needed} on the same line (returned as unprocessable otherwise).",
                            f"Put {needed} beside {mod}, or correct {mod} to the modifier of the line's plan "
                            "of care.",
                            r.sources, basis(ctx, r, "modifier_rules"))


def _assistant(run: Run, i: int, r: ModifierRule) -> None:
    ctx = run.ctx
    ln, plan = run.lines[i], run.plans[i]
    present = [m for m in ln.modifiers if m in r.modifiers]
    furnished = run.assistant_share(ln, r.de_minimis_percent)
    if not present and not furnished:
        return
    expected = r.by_plan_of_care.get(plan) if plan else None
    where = basis(ctx, r, "modifier_rules")
    pct = r.de_minimis_percent or 0
    share = (f"the assistant furnished {ln.assistant_minutes} of its {ln.minutes} minutes"
             if ln.minutes else f"the assistant furnished {ln.assistant_minutes} minutes of it")
    if furnished and not present:
        if plan is not None and expected is None:
            return  # the payer names no assistant modifier for this plan of care
        need = expected or " / ".join(f"{m} ({p})" for p, m in r.by_plan_of_care.items())
        run.add("modifier.assistant-missing", "error", [i],
                f"{ln.code}: {share}, more than the {pct:g} % de minimis share, so under {ctx.name} the line "
                f"needs {need} (service furnished in whole or in part by an assistant).",
                f"Add {need} to the line.", r.sources, where)
    elif present and expected and expected not in present:
        run.add("modifier.assistant-mismatch", "error", [i],
                f"{ln.code} carries {listing(present)}, but an assistant's work under a {plan} plan of care "
                f"takes {expected}.", f"Replace {listing(present)} with {expected}.", r.sources, where)
    elif furnished is False and present:
        facts = run.facts[i]
        lowers = facts is not None and any(set(a.modifiers) & set(present) for a in facts.percent)
        run.add("modifier.assistant-unneeded", "warning", [i],
                f"{ln.code} carries {listing(present)} but {share}, within the {pct:g} % de minimis share: "
                "the service counts as the therapist's" + (" and the modifier lowers the payment." if lowers
                                                           else "."),
                f"Remove {listing(present)} (or correct the assistant minutes).", r.sources, where)


@check("modifiers.required", findings=(
    finding("modifier.required", "error", "A line lacks a modifier the payer requires on the code."),
    finding("modifier.forbidden", "error", "A line carries a modifier the payer does not accept on the code."),
))
def required(run: Run) -> None:
    """Modifiers the payer requires on a code are there, and those it forbids are not."""
    ctx = run.ctx
    for i, (ln, f) in enumerate(zip(run.lines, run.facts, strict=True)):
        if f is None:
            continue
        mods = ln.modifiers
        for r in f.required:
            if not any(m in mods for m in r.modifiers):
                run.add("modifier.required", "error", [i],
                        f"{ln.code} needs {listing(r.modifiers)}"
                        f"{' (one of them)' if len(r.modifiers) > 1 else ''} under {ctx.name}; the line has none.",
                        f"Add {' or '.join(r.modifiers)} to the line.", r.sources,
                        basis(ctx, r, "modifier_rules"))
        for r in f.forbidden:
            bad = [m for m in mods if m in r.modifiers]
            if bad:
                run.add("modifier.forbidden", "error", [i],
                        f"{listing(bad)} may not be billed on {ln.code} under {ctx.name}.",
                        f"Remove {listing(bad)} from the line"
                        + (f" ({first_sentence(r.notes)})." if r.notes else "."),
                        r.sources, basis(ctx, r, "modifier_rules"))
