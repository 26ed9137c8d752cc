"""Rules over several visits (evaluation frequency, visits a year, progress reports, certification and
recertification of the plan of care), checked against the visit's `episode` (kb/check/episode.py).

The finding ids come from the rules' `finding` field in the policies; the ones the shipped policies use are
declared here (a test checks it). A visit without an episode is not checked against these rules.
"""

from __future__ import annotations

from kb.check.episode import INCOMPLETE, EpisodeCheck
from kb.check.registry import check, finding
from kb.check.run import Run, basis


@check("episode", findings=(
    finding("episode.evaluation-frequency", "error",
            "An evaluation (or re-evaluation) billed sooner after the last one than the payer pays."),
    finding("episode.visit-limit", "warning",
            "The visit is over the payer's number of visits a year (prior authorisation needed)."),
    finding("episode.progress-report", ("warning", "info"),
            "A progress report is overdue (warning) or due at this visit (info)."),
    finding("episode.certification", "warning",
            "The plan of care was not certified (signed) in the time the payer allows after the start of care."),
    finding("episode.recertification", "warning",
            "The visit falls after the certified plan of care's end: the plan needs recertification."),
    finding(INCOMPLETE, "info", "The visit's episode lacks facts some of the payer's episode rules need."),
))
def episode(run: Run) -> None:
    """The payer's rules over several visits against the visit's episode of care."""
    ctx = run.ctx
    plan = run.visit.plan_of_care or next((p for p in run.plans if p), None)
    EpisodeCheck(ctx.name, ctx.visit_rules, run.visit.date, run.visit.episode, run.by_code, plan,
                 lambda r: basis(ctx, r, "visit_rules")).run(run.add)
