"""Codes and modifiers the knowledge base knows, and codes the payer does not pay."""

from __future__ import annotations

from kb.check.registry import check, finding
from kb.check.run import Run, basis, first_sentence, listing


@check("codes", findings=(
    finding("code.unknown", "error", "A line's code is not in the code catalogue, so nothing can be checked for it."),
    finding("code.not-covered", "error", "The payer does not pay the code."),
    finding("modifier.unknown", "info", "A line carries a modifier the knowledge base has no rules for."),
))
def codes(run: Run) -> None:
    """Every line's code is in the catalogue and paid by the payer; its modifiers are known."""
    ctx = run.ctx
    for i, (ln, f) in enumerate(zip(run.lines, run.facts, strict=True)):
        if f is None:
            run.add("code.unknown", "error", [i],
                    f"{ln.code} is not in the knowledge base's code catalogue: no rule can be checked for it and "
                    "its minutes are not counted.",
                    "Check the code for a typo; if it is right, the code catalogue (codes.yaml) needs an entry "
                    "for it before it can be checked.")
        elif not f.covered:
            rule = f.rule
            assert rule is not None
            why = f" {first_sentence(rule.notes)}." if rule.notes else ""
            run.add("code.not-covered", "error", [i], f"{ln.code} is not paid under {ctx.name}.{why}",
                    f"Do not bill {ln.code} to {ctx.name} (the time may still be documented).",
                    rule.sources, basis(ctx, rule, "code_rules"))
        unknown = [m for m in ln.modifiers if m not in ctx.known_modifiers]
        if unknown:
            run.add("modifier.unknown", "info", [i],
                    f"the knowledge base has no rules for modifier{'s' if len(unknown) > 1 else ''} "
                    f"{listing(unknown)} on {ln.code}; not checked.", "")
