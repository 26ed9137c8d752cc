"""The date of service against the knowledge base's data: a visit on a date some rules do not reach yet.

The knowledge base holds each payer's rules from the dates its sources show; before the first rule of a section
(unit counting, bundling edits, MUEs, visit rules, thresholds) it has no data. Such a visit is still checked
against everything in force, and this check says, as a finding, which rules could not be checked: never an
error, never a silent clean.
"""

from __future__ import annotations

from kb.check.registry import check, finding
from kb.check.run import Run, listing


@check("dates", findings=(
    finding("date.no-data", "warning",
            "The knowledge base has no data for some of the payer's rules on the date of service (its data start "
            "later), so those rules are not checked for the visit."),
))
def no_data(run: Run) -> None:
    """Name the sections of the payer's rules the knowledge base has no data for on the visit's date."""
    ctx = run.ctx
    known = list(run.by_code)
    relevant = {section: gap for section, gap in ctx.gaps.items()
                if not (section == "ptp_edits" and len(known) < 2) and not (section == "mues" and not known)
                and not (section == "thresholds" and run.visit.ytd_allowed is None and run.visit.episode is None)}
    if not relevant:
        return
    sources = tuple(dict.fromkeys(s for section in relevant for s in ctx.gap_sources.get(section, ())))
    run.add("date.no-data", "warning", range(len(run.lines)),
            f"no data for this date: for {ctx.name} on {run.visit.date.isoformat()} the knowledge base has "
            f"{listing(list(relevant.values()))}, so those rules are not checked for this visit (the visit may still "
            "break them).",
            "Check those rules against the payer's manuals in force on the date of service.", sources,
            f"{ctx.payer} data coverage")
