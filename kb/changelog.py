"""The knowledge's changelog, generated from the data: every rule a payer states, by the date it took effect or
ended, newest first. CHANGELOG.md is this text (`kb changelog -o CHANGELOG.md`); release notes come from `kb diff`."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from typing import Any

from kb.rules import SECTIONS, parse_date
from kb.ruletext import describe

HEADER = """# Changelog of the knowledge

Generated from the policies by `kb changelog -o CHANGELOG.md` (do not edit by hand): every rule a payer file states,
by the date it took effect or ended, newest first. A start marked *or earlier* is the earliest date our sources show;
*assumed* is a date chosen by convention (the rule's notes say why). What each release changed is in its release
notes (`kb diff` between the two tags).
"""


def changelog(model: dict[str, Any]) -> str:
    """The changelog as Markdown."""
    events: dict[date, list[str]] = defaultdict(list)
    for payer_id in sorted(model["payers"]):
        payer = model["payers"][payer_id]
        for section in SECTIONS:
            for rule in payer["rules"][section]:
                if rule.get("inherited"):
                    continue
                where = f" in {', '.join(rule['jurisdiction'])}" if rule.get("jurisdiction") else ""
                what = f"**{payer_id}**: {describe(section, rule)}{where} [{rule.get('evidence')}]"
                start, end = parse_date(rule.get("effective_from")), parse_date(rule.get("effective_to"))
                if section == "thresholds":
                    if start:
                        events[start].append(f"{what}")
                    continue
                basis = {"earliest-evidence": " (or earlier)", "assumed": " (assumed)"}.get(
                    rule.get("effective_from_basis", "stated"), "")
                if start:
                    events[start].append(f"{what} — in force{basis}")
                if end:
                    events[end + timedelta(days=1)].append(f"{what} — ended (last day {end.isoformat()})")
    out = [HEADER]
    year = None
    for day in sorted(events, reverse=True):
        if day.year != year:
            year = day.year
            out.append(f"\n## {year}\n")
        out.append(f"### {day.isoformat()}\n")
        out += [f"- {line}" for line in sorted(events[day])]
        out.append("")
    return "\n".join(out).rstrip("\n") + "\n"
