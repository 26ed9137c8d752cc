"""Telehealth: a therapy line furnished via telehealth on a date its payer pays it so, and not otherwise.

A line is furnished via telehealth when it carries a telehealth modifier (95: the modifier catalogue's kind
`telehealth` and every telehealth rule's `modifiers`) or the visit's `place_of_service` is a telehealth place of
service (02, 10). The payer's telehealth rules say, period by period, whether it pays such a line (`allowed`):
Medicare's state when physical and occupational therapists and speech-language pathologists may furnish Medicare
telehealth services, and when they may not.
"""

from __future__ import annotations

from kb.check.registry import check, finding
from kb.check.run import Run, basis, first_sentence, listing
from kb.model import ModifierRule


@check("telehealth", findings=(
    finding("telehealth.not-covered", "error",
            "A line is furnished via telehealth (modifier 95, or place of service 02/10) on a date the payer does "
            "not pay the service via telehealth."),
    finding("telehealth.no-data", "info",
            "A line is furnished via telehealth but none of the payer's telehealth rules covers its code on the "
            "date, so whether it is paid so is not checked."),
))
def telehealth(run: Run) -> None:
    """Each telehealth line against the payer's telehealth rule in force on the date of service."""
    ctx = run.ctx
    place = run.visit.place_of_service
    by_place = place is not None and place in ctx.telehealth_places
    refused: dict[str, tuple[ModifierRule, list[int], list[str]]] = {}
    unknown: list[int] = []
    for i, (ln, f) in enumerate(zip(run.lines, run.facts, strict=True)):
        marks = [m for m in ln.modifiers if m in ctx.telehealth_modifiers]
        if f is None or not (marks or by_place):
            continue
        how = (f"modifier {listing(marks)}" if marks else "") + (" and " if marks and by_place else "") + (
            f"place of service {place}" if by_place else "")
        rules = [r for r in f.telehealth
                 if not r.applies_to or ln.code in r.applies_to or any(m in ln.modifiers for m in r.lines_with)]
        if not rules:
            unknown.append(i)
        elif not any(r.allowed for r in rules):
            rule = rules[0]
            refused.setdefault(rule.key, (rule, [], []))[1].append(i)
            refused[rule.key][2].append(how)
    for rule, lines, hows in refused.values():
        one = len(lines) == 1
        why = first_sentence(rule.notes)
        run.add("telehealth.not-covered", "error", lines,
                f"{listing([run.lines[k].code for k in lines])} {'is' if one else 'are'} billed as furnished via "
                f"telehealth ({listing(list(dict.fromkeys(hows)))}), but {ctx.name} does not pay "
                f"{'it' if one else 'them'} so on {run.visit.date.isoformat()}" + (f": {why}." if why else "."),
                "If the service was furnished in person, bill it without the telehealth modifier and with the place "
                "of service where it was given; a service furnished via telehealth on this date is not paid by this "
                "payer.",
                rule.sources, basis(ctx, rule, "modifier_rules"))
    if unknown and ctx.telehealth_rules:  # a payer without telehealth rules at any date is not checked for them
        day = run.visit.date
        near = [r for r in ctx.telehealth_rules if r.effective_from is None or r.effective_from <= day] or \
            ctx.telehealth_rules[:1]
        sources = tuple(dict.fromkeys(s for s in near[-1].sources))
        run.add("telehealth.no-data", "info", unknown,
                f"{listing([run.lines[k].code for k in unknown])} {'is' if len(unknown) == 1 else 'are'} billed as "
                f"furnished via telehealth, but the knowledge base holds no telehealth rule of {ctx.name} for "
                f"{'it' if len(unknown) == 1 else 'them'} on {run.visit.date.isoformat()}: not checked.",
                "Check the payer's telehealth policy for the date of service.", sources,
                basis(ctx, near[-1], "modifier_rules"))
