"""Rules over several visits: the patient's episode of care, and the checks that need it.

A visit may carry an `episode`: the patient's earlier visits with the same payer (`visits`), or a summary of them
(start of care, certification dates, last progress report, visits and allowed amount this year). The payer's
visit rules of the episode types (`max-per-days`, `max-visits-per-year`, `progress-report`, `certification`,
`certification-by-order`, `recertification`) are checked against it and reported as `episode.*` findings (the
finding id is the rule's `finding`). A rule whose facts the episode does not give is not checked, and an info
finding (`episode.incomplete`) says which rules those were, so a missing fact is never a silent clean.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from kb.check.values import parse_day
from kb.model import Source, VisitRule
from kb.problems import InputError

EPISODE_TYPES = frozenset({"max-per-days", "max-visits-per-year", "progress-report", "certification",
                           "certification-by-order", "recertification"})
EPISODE_FIELDS = ("start_of_care", "certified_on", "certified_through", "order_on_file", "plan_sent_on",
                  "last_progress_report", "progress_report_today", "treatment_days_since_report", "visits_this_year",
                  "allowed_this_year", "visits")
EPISODE_VISIT_FIELDS = ("date", "codes", "plan_of_care", "allowed", "progress_report")
MAX_EARLIER_VISITS = 1000
INCOMPLETE = "episode.incomplete"

# what the checker reports through: add(finding, severity, lines, message, fix, sources, basis)
Report = Callable[[str, str, Iterable[int], str, str, tuple[Source, ...], str], None]


@dataclass(frozen=True)
class EarlierVisit:
    """One earlier date of service of the episode."""

    date: date
    codes: tuple[str, ...] = ()
    plan_of_care: str | None = None
    allowed: float | None = None
    progress_report: bool = False


@dataclass(frozen=True)
class Episode:
    """The facts of a patient's episode of care that rules over several visits need; every field optional."""

    start_of_care: date | None = None
    certified_on: date | None = None
    certified_through: date | None = None
    order_on_file: bool | None = None
    plan_sent_on: date | None = None
    last_progress_report: date | None = None
    progress_report_today: bool = False
    treatment_days_since_report: int | None = None
    visits_this_year: int | None = None
    allowed_this_year: float | None = None
    visits: tuple[EarlierVisit, ...] | None = None


# -- input -----------------------------------------------------------------------------------------

DATE = {"type": "string", "format": "date", "pattern": r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"}


def episode_schemas() -> dict[str, dict[str, Any]]:
    """The JSON Schemas of an episode and of one earlier visit (published in schema/visit.schema.json's $defs by
    kb/check/contracts.py; payer files' examples refer to them)."""
    def day(description: str) -> dict[str, Any]:
        return {**DATE, "description": description}

    earlier = {
        "title": "Earlier visit",
        "type": "object",
        "required": ["date"],
        "additionalProperties": False,
        "properties": {
            "date": day("Date of service, YYYY-MM-DD."),
            "codes": {"type": "array", "items": {"type": "string", "pattern": r"^([0-9]{4}[0-9A-Z]|[A-Z][0-9]{4})$"},
                      "description": "The codes billed that day."},
            "plan_of_care": {"enum": ["PT", "OT", "SLP"], "description": "The plan of care of that visit."},
            "allowed": {"type": "number", "minimum": 0, "maximum": 1e7, "description": "The day's allowed amount."},
            "progress_report": {"type": "boolean", "description": "A progress report was written that day."},
        },
    }
    episode = {
        "title": "Episode of care",
        "description": "The patient's earlier visits with the same payer, or a summary of them, for the rules over "
                       "several visits (evaluation frequency, visits a year, progress reports, certification and "
                       "recertification of the plan of care, the year's allowed amount). Every field is optional; "
                       "a rule whose facts are missing is not checked and the result says so (episode.incomplete).",
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "start_of_care": day("First day of treatment under the plan of care (the evaluation counts)."),
            "certified_on": day("Date the physician or NPP signed (certified or recertified) the plan in force."),
            "certified_through": day("Last day of the certified plan's duration."),
            "order_on_file": {"type": "boolean",
                              "description": "A signed and dated order or referral from a physician or NPP is in "
                                             "the record."},
            "plan_sent_on": day("Date the plan of care was sent to the ordering physician or NPP."),
            "last_progress_report": day("Date of the last progress report (the evaluation counts as the first)."),
            "progress_report_today": {"type": "boolean",
                                      "description": "This visit's note is, or includes, a progress report."},
            "treatment_days_since_report": {"type": "integer", "minimum": 0, "maximum": 366,
                                            "description": "Treatment days since the last progress report, not "
                                                           "counting this visit (when `visits` is not given)."},
            "visits_this_year": {"type": "integer", "minimum": 0, "maximum": 366,
                                 "description": "Visits of the plan's discipline already made this calendar year "
                                                "(when `visits` is not given)."},
            "allowed_this_year": {"type": "number", "minimum": 0, "maximum": 1e7,
                                  "description": "Allowed amount already incurred this calendar year for the visit's "
                                                 "threshold group (PT and SLP together, or OT)."},
            "visits": {"type": "array", "maxItems": MAX_EARLIER_VISITS, "items": {"$ref": "#/$defs/episode_visit"},
                       "description": "Earlier visits of the episode, any order."},
        },
    }
    return {"episode": episode, "episode_visit": earlier}


def parse_episode(data: Any, field: str = "episode") -> Episode | None:
    """Validate an episode given as a mapping; InputError names the first bad field."""
    if data is None or isinstance(data, Episode):
        return data
    if not isinstance(data, Mapping):
        raise InputError("an episode is a mapping (start_of_care, certified_on, visits, ...), not "
                         f"{type(data).__name__}", field)
    unknown = [k for k in data if k not in EPISODE_FIELDS]
    if unknown:
        raise InputError(f"unknown field {unknown[0]!r}; an episode has {', '.join(EPISODE_FIELDS)}",
                         f"{field}.{unknown[0]}")
    get = data.get
    visits = get("visits")
    earlier: tuple[EarlierVisit, ...] | None = None
    if visits is not None:
        if not isinstance(visits, list | tuple):
            raise InputError("must be a list of earlier visits (date, codes, ...)", f"{field}.visits")
        if len(visits) > MAX_EARLIER_VISITS:
            raise InputError(f"{len(visits)} earlier visits: at most {MAX_EARLIER_VISITS} (summarise older ones with "
                             "visits_this_year and allowed_this_year)", f"{field}.visits")
        earlier = tuple(_earlier(v, f"{field}.visits[{i}]") for i, v in enumerate(visits))
    return Episode(
        start_of_care=parse_day(get("start_of_care"), f"{field}.start_of_care"),
        certified_on=parse_day(get("certified_on"), f"{field}.certified_on"),
        certified_through=parse_day(get("certified_through"), f"{field}.certified_through"),
        order_on_file=_flag(get("order_on_file"), f"{field}.order_on_file"),
        plan_sent_on=parse_day(get("plan_sent_on"), f"{field}.plan_sent_on"),
        last_progress_report=parse_day(get("last_progress_report"), f"{field}.last_progress_report"),
        progress_report_today=bool(_flag(get("progress_report_today"), f"{field}.progress_report_today")),
        treatment_days_since_report=_count(get("treatment_days_since_report"),
                                           f"{field}.treatment_days_since_report"),
        visits_this_year=_count(get("visits_this_year"), f"{field}.visits_this_year"),
        allowed_this_year=_amount(get("allowed_this_year"), f"{field}.allowed_this_year"),
        visits=earlier)


def _earlier(raw: Any, where: str) -> EarlierVisit:
    if not isinstance(raw, Mapping):
        raise InputError("an earlier visit is a mapping with at least a date", where)
    unknown = [k for k in raw if k not in EPISODE_VISIT_FIELDS]
    if unknown:
        raise InputError(f"unknown field {unknown[0]!r}; an earlier visit has {', '.join(EPISODE_VISIT_FIELDS)}",
                         f"{where}.{unknown[0]}")
    day = parse_day(raw.get("date"), f"{where}.date")
    if day is None:
        raise InputError("missing: the earlier visit's date (YYYY-MM-DD)", f"{where}.date")
    codes = raw.get("codes") or []
    if not isinstance(codes, list | tuple):
        raise InputError("must be a list of codes such as [97110, 97112]", f"{where}.codes")
    out: list[str] = []
    for j, c in enumerate(codes):
        if isinstance(c, int) and not isinstance(c, bool):
            c = f"{c:05d}"
        if not isinstance(c, str) or len(c.strip()) != 5:
            raise InputError(f"{c!r} is not a CPT or HCPCS code", f"{where}.codes[{j}]")
        out.append(c.strip().upper())
    plan = raw.get("plan_of_care")
    if plan is not None and plan not in ("PT", "OT", "SLP"):
        raise InputError(f"must be PT, OT or SLP, not {plan!r}", f"{where}.plan_of_care")
    return EarlierVisit(date=day, codes=tuple(out), plan_of_care=plan,
                        allowed=_amount(raw.get("allowed"), f"{where}.allowed"),
                        progress_report=bool(_flag(raw.get("progress_report"), f"{where}.progress_report")))


def _flag(value: Any, field: str) -> bool | None:
    if value is None or isinstance(value, bool):
        return value
    raise InputError(f"must be true or false, not {value!r}", field)


def _count(value: Any, field: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 366:
        raise InputError(f"must be a whole number from 0 to 366, not {value!r}", field)
    return value


def _amount(value: Any, field: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or value != value or not 0 <= value <= 1e7:
        raise InputError(f"must be a dollar amount such as 1250.00, not {value!r}", field)
    return float(value)


# -- derived facts ---------------------------------------------------------------------------------


def allowed_this_year(episode: Episode | None, day: date, plans: Sequence[str]) -> float | None:
    """The year's allowed amount before this visit for the threshold group of `plans` (PT and SLP share one
    group, OT has its own), from the episode's summary or its earlier visits; None when it does not say."""
    if episode is None:
        return None
    if episode.allowed_this_year is not None:
        return episode.allowed_this_year
    if not episode.visits:
        return None
    groups = {_group(p) for p in plans}
    amounts = [v.allowed for v in episode.visits
               if v.date.year == day.year and v.date < day and v.allowed is not None
               and (v.plan_of_care is None or _group(v.plan_of_care) in groups)]
    return round(sum(amounts), 2) if amounts else None  # type: ignore[arg-type]


def _group(plan: str) -> str:
    return "OT" if plan == "OT" else "PT-SLP"


def _days(n: int) -> str:
    return f"{n} day{'s' if n != 1 else ''}"


# -- the checks ------------------------------------------------------------------------------------


class EpisodeCheck:
    """The episode rules of one payer period against one visit. `lines_of` maps a code to the visit's line
    indexes; `plan` is the visit's plan of care (or None)."""

    def __init__(self, payer_name: str, rules: Sequence[VisitRule], day: date, episode: Episode | None,
                 lines_of: Mapping[str, Sequence[int]], plan: str | None, basis: Callable[[VisitRule], str]):
        self.name = payer_name
        self.rules = [r for r in rules if r.type in EPISODE_TYPES]
        self.day = day
        self.episode = episode
        self.lines_of = lines_of
        self.all_lines = sorted(i for ix in lines_of.values() for i in ix)
        self.plan = plan
        self.basis = basis
        self.unchecked: list[str] = []

    def run(self, report: Report) -> None:
        if self.episode is None or not self.rules:
            return  # no episode given: these rules need one (documented; the visit's own rules still run)
        by_type: dict[str, list[VisitRule]] = {}
        for r in self.rules:
            by_type.setdefault(r.type, []).append(r)
        for r in by_type.get("max-per-days", []):
            self.max_per_days(r, report)
        for r in by_type.get("max-visits-per-year", []):
            self.visits_per_year(r, report)
        for r in by_type.get("progress-report", []):
            self.progress_report(r, report)
        for r in by_type.get("certification", []):
            self.certification(r, by_type.get("certification-by-order", []), report)
        for r in by_type.get("recertification", []):
            self.recertification(r, report)
        if self.unchecked:
            first = self.rules[0]
            report(INCOMPLETE, "info", self.all_lines,
                   f"the episode does not give what {', '.join(self.unchecked)} need"
                   f"{'s' if len(self.unchecked) == 1 else ''}; not checked.",
                   "Add the missing facts to the visit's episode (earlier visits, start of care, certification "
                   "dates, last progress report).", (), f"{first.payer} visit_rules")

    # -- one rule type each --------------------------------------------------------------------------

    def max_per_days(self, r: VisitRule, report: Report) -> None:
        codes = set(r.applies_to)
        today = [i for c in sorted(codes & set(self.lines_of)) for i in self.lines_of[c]]
        if not today:
            return
        ep = self.episode
        assert ep is not None
        if ep.visits is None:
            self.unchecked.append(f"{r.id} (earlier visits)")
            return
        days = r.days or 1
        earlier = sorted({v.date for v in ep.visits
                          if codes & set(v.codes) and v.date < self.day and (self.day - v.date).days < days})
        allowed = r.max or 1
        if len(earlier) + 1 > allowed:
            last = earlier[-1]
            what = ", ".join(sorted(codes & set(self.lines_of)))
            report(r.finding, "error", today,
                   f"{what} on {self.day.isoformat()}: under {self.name} at most {allowed} of these may be paid in "
                   f"{_days(days)}, and the episode already has {len(earlier)} (the last on {last.isoformat()}, "
                   f"{_days((self.day - last).days)} earlier).",
                   f"Do not bill {what} again before {(earlier[-allowed] + timedelta(days=days)).isoformat()}"
                   + (f" ({r.notes.split('. ')[0].rstrip('.')})." if r.notes else "."),
                   r.sources, self.basis(r))

    def visits_per_year(self, r: VisitRule, report: Report) -> None:
        codes = set(r.applies_to)
        if codes and not codes & set(self.lines_of):
            return
        ep = self.episode
        assert ep is not None
        if ep.visits is not None:
            dates = {v.date for v in ep.visits
                     if v.date.year == self.day.year and v.date < self.day
                     and (self.plan is None or v.plan_of_care in (None, self.plan))
                     and (not codes or codes & set(v.codes))}
            count = len(dates)
        elif ep.visits_this_year is not None:
            count = ep.visits_this_year
        else:
            self.unchecked.append(f"{r.id} (visits this year)")
            return
        allowed = r.max or 0
        if count + 1 > allowed:
            whose = f"{self.plan} " if self.plan else ""
            report(r.finding, "warning", self.all_lines,
                   f"this is {whose}visit {count + 1} of {self.day.year}: under {self.name} at most {allowed} "
                   f"{whose}visits a year are paid"
                   + (f" ({r.notes.split('. ')[0].rstrip('.')})." if r.notes else "."),
                   "Make sure the payer's authorisation for more visits is on file before billing.",
                   r.sources, self.basis(r))

    def progress_report(self, r: VisitRule, report: Report) -> None:
        ep = self.episode
        assert ep is not None
        if ep.progress_report_today:
            return
        limit = r.treatment_days or 10
        if ep.visits is not None:
            reports = [v.date for v in ep.visits if v.progress_report and v.date < self.day]
            last = max([d for d in (ep.last_progress_report, ep.start_of_care, *reports) if d is not None],
                       default=None)
            if last is None:
                self.unchecked.append(f"{r.id} (last progress report or start of care)")
                return
            since = len({v.date for v in ep.visits if last < v.date < self.day})
        elif ep.treatment_days_since_report is not None:
            since, last = ep.treatment_days_since_report, ep.last_progress_report
        else:
            self.unchecked.append(f"{r.id} (treatment days since the last progress report)")
            return
        nth = since + 1
        when = f" (last on {last.isoformat()})" if last else ""
        if nth > limit:
            report(r.finding, "warning", self.all_lines,
                   f"this visit is treatment day {nth} since the last progress report{when}: under {self.name} a "
                   f"progress report is due at least every {limit} treatment days, so it is overdue and the services "
                   "since it was due can be denied on review.",
                   "Write the progress report at this visit (a clinician's report: progress toward each goal, plan "
                   "for continuing) and mark progress_report_today.", r.sources, self.basis(r))
        elif nth == limit:
            report(r.finding, "info", self.all_lines,
                   f"this visit is treatment day {nth} since the last progress report{when}: under {self.name} the "
                   "progress report is due today.", "Write the progress report at this visit.", r.sources,
                   self.basis(r))

    def certification(self, r: VisitRule, by_order: Sequence[VisitRule], report: Report) -> None:
        ep = self.episode
        assert ep is not None
        start = ep.start_of_care
        if start is None:
            self.unchecked.append(f"{r.id} (start of care)")
            return
        days = r.days or 30
        due = start + timedelta(days=days)
        if ep.certified_on is not None:
            if ep.certified_on > due and ep.certified_on <= self.day:
                report(r.finding, "warning", self.all_lines,
                       f"the plan of care was certified on {ep.certified_on.isoformat()}, "
                       f"{_days((ep.certified_on - start).days)} after the start of care ({start.isoformat()}); under "
                       f"{self.name} timely certification is within {_days(days)}. A delayed certification is "
                       "accepted only with the reason for the delay.",
                       "Keep the physician's or NPP's reason for the delay with the certification.", r.sources,
                       self.basis(r))
            if ep.certified_on <= self.day:
                return
        for o in by_order:
            sent = ep.plan_sent_on
            if ep.order_on_file and sent is not None and (sent - start).days <= (o.days or 30):
                return  # the signed order stands for the signature (the exception's own rule says since when)
        if self.day <= due:
            return  # still within the time allowed for the signature
        how = ""
        if by_order:
            o = by_order[0]
            how = (f" From {o.effective_from.isoformat() if o.effective_from else 'its start'} a signed order or "
                   f"referral on file, with the plan sent to its author within {_days(o.days or 30)}, is enough.")
        report(r.finding, "warning", self.all_lines,
               f"no certification of the plan of care is on record {_days((self.day - start).days)} after the start "
               f"of care ({start.isoformat()}); under {self.name} the physician or NPP certifies it within "
               f"{_days(days)}.{how}",
               "Get the plan signed and dated (or record the signed order and the date the plan was sent).",
               r.sources + tuple(s for o in by_order for s in o.sources), self.basis(r))

    def recertification(self, r: VisitRule, report: Report) -> None:
        ep = self.episode
        assert ep is not None
        base = ep.certified_on or ep.start_of_care
        if base is None and ep.certified_through is None:
            self.unchecked.append(f"{r.id} (certification dates)")
            return
        days = r.days or 90
        limits = [d for d in (ep.certified_through, base + timedelta(days=days - 1) if base else None) if d]
        through = min(limits)
        if self.day > through:
            report(r.finding, "warning", self.all_lines,
                   f"the plan of care is certified through {through.isoformat()}; this visit on "
                   f"{self.day.isoformat()} is {_days((self.day - through).days)} past it. Under {self.name} a plan "
                   f"is recertified at least every {_days(days)} (or when its certified duration ends).",
                   "Have the physician or NPP recertify the plan (signed and dated) for the new interval.",
                   r.sources, self.basis(r))
