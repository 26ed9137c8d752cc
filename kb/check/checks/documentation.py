"""What the visit note must show for a code (the payer's documentation checklist), when the note is given."""

from __future__ import annotations

from kb.check.notes import PreparedNote
from kb.check.registry import check, finding
from kb.check.run import Run, basis


@check("documentation", findings=(
    finding("documentation.missing-element", "warning",
            "The visit note does not show an element the payer's documentation checklist for the code asks for."),
))
def documentation(run: Run) -> None:
    """Each element of a code's documentation checklist is found in the note (runs only when a note is given)."""
    note = run.visit.note
    if note is None:
        return
    ctx = run.ctx
    prepared: PreparedNote | None = None  # prepared once, for the first code with a checklist
    for code, ix in run.by_code.items():
        f = run.code_facts[code]
        if not f.docs:
            continue
        rule = f.rule
        assert rule is not None
        if prepared is None:
            prepared = PreparedNote(note)
        for element in f.docs:
            if not element.found_in(prepared):
                run.add("documentation.missing-element", "warning", ix,
                        f"the note does not show, for {code}: {element.element}.", element.fix, rule.sources,
                        basis(ctx, rule, "code_rules", f"{code} documentation.{element.id}"))
