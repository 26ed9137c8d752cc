"""Unit-counting methods: minutes per code in, units per code out, with the steps in words.

Each method is a pure function registered under the id payers use in their YAML
(`unit_methods[].method`) and described in policies/methods.yaml. Untimed codes are handled
here once for every method: one unit each, and their minutes never join the timed total.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from itertools import combinations

# A method returns units per code, its steps, and every allocation the source allows (more than one
# only when it broke a tie that the clinician may break another way).
Method = Callable[[dict[str, int], "Params"], tuple[dict[str, int], list[str], list[dict[str, int]]]]
METHODS: dict[str, Method] = {}


@dataclass(frozen=True)
class Params:
    """A method's parameters as a payer states them."""

    unit_minutes: int = 15
    minimum_minutes: int = 8
    daily_cap: int | None = None
    cap_codes: frozenset[str] | None = None  # the codes the cap counts; None = every timed code


@dataclass(frozen=True)
class Counted:
    """Units per code, the steps that produced them, and every allocation the source allows."""

    units: dict[str, int]
    steps: list[str] = field(default_factory=list)
    tie_broken: bool = False
    alternatives: tuple[dict[str, int], ...] = ()  # with a broken tie: each allowed answer, caps applied


def method(name: str) -> Callable[[Method], Method]:
    """Register a unit-counting method under its policy id."""

    def register(fn: Method) -> Method:
        METHODS[name] = fn
        return fn

    return register


def units_for_minutes(minutes: int, p: Params) -> int:
    """The CMS chart, generalised: 8-22 minutes = 1 unit, 23-37 = 2, ... (0 under the minimum)."""
    if minutes < p.minimum_minutes:
        return 0
    return (minutes + p.unit_minutes - p.minimum_minutes) // p.unit_minutes


def _band(units: int, p: Params) -> str:
    low = p.minimum_minutes + (units - 1) * p.unit_minutes
    return f"{low}-{low + p.unit_minutes - 1} minutes"


@method("cms-total-time")
def cms_total_time(timed: dict[str, int], p: Params) -> tuple[dict[str, int], list[str], list[dict[str, int]]]:
    """Units from the total timed minutes, then allocated: full units first, then largest leftovers."""
    total = sum(timed.values())
    allowed = units_for_minutes(total, p)
    listing = " + ".join(f"{c} {m}" for c, m in timed.items())
    if allowed == 0:
        none = {c: 0 for c in timed}
        return none, [
            f"Total timed minutes: {listing} = {total}; under {p.minimum_minutes} minutes, no timed unit can be billed."
        ], [none]
    steps = [f"Total timed minutes: {listing} = {total} minutes, which allows {allowed} "
             f"unit{'s' if allowed != 1 else ''} ({_band(allowed, p)})."]
    units = {c: m // p.unit_minutes for c, m in timed.items()}
    left = {c: m % p.unit_minutes for c, m in timed.items()}
    full = sum(units.values())
    if full:
        steps.append("Full units first: " + ", ".join(
            f"{c} {units[c]} (leftover {left[c]} min)" for c in timed) + f" = {full}.")
    remaining = allowed - full
    choices = [dict(units)]
    if remaining:
        # With a daily cap that counts only some codes, a tied unit goes to a code the cap does not count:
        # CMS lets the clinician choose, and that choice is never cut back by the cap.
        capped = p.cap_codes if p.daily_cap is not None and p.cap_codes is not None else frozenset()
        ranked = sorted((c for c in timed if left[c] > 0), key=lambda c: (-left[c], c in capped, -timed[c], c))
        winners = ranked[:remaining]
        base = dict(units)
        for c in winners:
            units[c] += 1
        choices = [dict(units)]
        steps.append(
            f"{remaining} unit{'s' if remaining != 1 else ''} left: to the largest leftover minutes: "
            + ", ".join(f"{c} ({left[c]} min)" for c in winners) + "."
        )
        if len(ranked) > remaining:
            cut = ranked[remaining - 1]
            rivals = [c for c in ranked[remaining:] if left[c] == left[cut]]
            if rivals:
                # the clinician may give the contested units to any of the tied codes
                tied = [c for c in ranked if left[c] == left[cut]]
                sure = [c for c in winners if left[c] > left[cut]]
                choices = []
                for pick in combinations(tied, remaining - len(sure)):
                    choice = dict(base)
                    for c in (*sure, *pick):
                        choice[c] += 1
                    choices.append(choice)
                rule = "more total minutes, then the lower code number"
                if capped:
                    rule = "codes the daily cap does not count, then " + rule
                steps.append(
                    f"Tie: {', '.join([cut, *rivals])} have the same leftover ({left[cut]} min); the source lets "
                    f"the clinician choose. Broken here by {rule}: {cut}."
                )
            losers = ranked[remaining:]
            if losers:
                steps.append("No unit for the leftover minutes of "
                             + ", ".join(f"{c} ({left[c]} min)" for c in losers)
                             + ": the total is used up (the minutes are still documented).")
    else:
        steps.append("No units left over for leftover minutes.")
    return units, steps, choices


@method("cpt-per-code-midpoint")
def cpt_per_code_midpoint(timed: dict[str, int], p: Params) -> tuple[dict[str, int], list[str], list[dict[str, int]]]:
    """Each code on its own minutes: a unit once the midpoint of a unit is passed."""
    units = {c: units_for_minutes(m, p) for c, m in timed.items()}
    steps = ["Each timed code is counted on its own minutes (a unit from "
             f"{p.minimum_minutes} minutes, then every {p.unit_minutes}): "
             + ", ".join(f"{c} {m} min -> {units[c]}" for c, m in timed.items()) + "."]
    return units, steps, [units]


@method("whole-units")
def whole_units(timed: dict[str, int], p: Params) -> tuple[dict[str, int], list[str], list[dict[str, int]]]:
    """Only whole units: each code gets its minutes divided by the unit length, rounded down."""
    units = {c: m // p.unit_minutes for c, m in timed.items()}
    steps = [f"Only whole {p.unit_minutes}-minute units count, code by code: "
             + ", ".join(f"{c} {m} min -> {units[c]}" for c, m in timed.items()) + "."]
    return units, steps, [units]


@method("per-visit")
def per_visit(timed: dict[str, int], p: Params) -> tuple[dict[str, int], list[str], list[dict[str, int]]]:
    """One unit for the whole visit's timed services, on the code with the most minutes."""
    units = {c: 0 for c in timed}
    total = sum(timed.values())
    if total < p.minimum_minutes or not timed:
        return units, [f"Timed minutes total {total}: under {p.minimum_minutes}, no visit unit."], [units]
    top = sorted(timed, key=lambda c: (-timed[c], c))[0]
    units[top] = 1
    choices = [{**{c: 0 for c in timed}, c: 1} for c in timed if timed[c] == timed[top]]
    return units, [f"One unit per visit whatever the minutes ({total} timed minutes): reported on {top}, "
                   "the service with the most minutes."], choices


def count(
    name: str,
    minutes: Mapping[str, int],
    timed_codes: set[str],
    params: Params,
    code_caps: Mapping[str, int] | None = None,
) -> Counted:
    """Count units for one visit with the named method, then apply untimed codes and caps."""
    timed = {c: m for c, m in minutes.items() if c in timed_codes}
    untimed = [c for c in minutes if c not in timed_codes]
    # a daily cap that lists untimed codes ("modalities/procedures and/or units in any combination") counts
    # their one unit each too, and may cut them (fewest minutes first, like timed units)
    in_cap = {c: minutes[c] for c in untimed
              if params.daily_cap is not None and params.cap_codes is not None and c in params.cap_codes}
    units, steps, choices = METHODS[name](timed, params) if timed else ({}, [], [{}])
    steps += _apply_caps(units, timed, params, code_caps, in_cap)
    tie = len(choices) > 1
    alternatives: list[dict[str, int]] = []
    if tie:
        for choice in choices:
            _apply_caps(choice, timed, params, code_caps, in_cap)
            choice.update({c: 1 for c in untimed if c not in in_cap})
            if choice not in alternatives:
                alternatives.append(choice)
    for c in untimed:
        if c not in in_cap:
            units[c] = 1
    if untimed:
        steps.append("Untimed: " + ", ".join(untimed) + " — one unit each"
                     + (" (the daily cap above counts them)" if in_cap else "")
                     + "; their minutes do not count toward the timed total.")
        for c in untimed:
            if code_caps and c in code_caps and code_caps[c] < units[c]:
                units[c] = code_caps[c]
    ordered = {c: units[c] for c in minutes}
    return Counted(ordered, steps, tie, tuple({c: alt.get(c, ordered[c]) for c in minutes} for alt in alternatives))


def _apply_caps(units: dict[str, int], timed: dict[str, int], params: Params,
                code_caps: Mapping[str, int] | None, in_cap: Mapping[str, int] | None = None) -> list[str]:
    """Cut units to the daily cap (fewest minutes first) and to per-code caps, in place; the steps. `in_cap`:
    untimed codes the cap counts (code -> minutes), one unit each, put into `units` here."""
    steps = []
    for c in in_cap or {}:
        units[c] = 1
    minutes = {**timed, **(in_cap or {})}
    capped = [c for c in units if params.cap_codes is None or c in params.cap_codes]
    if params.daily_cap is not None and sum(units[c] for c in capped) > params.daily_cap:
        over = sum(units[c] for c in capped) - params.daily_cap
        cut_steps = []
        for c in sorted(capped, key=lambda c: (minutes[c], c)):
            take = min(over, units[c])
            if take:
                units[c] -= take
                over -= take
                cut_steps.append(f"{c} -{take}")
        counted = "timed units" if params.cap_codes is None else (
            "units of the capped codes, untimed ones included" if in_cap else "units of the capped codes")
        steps.append(f"Daily cap of {params.daily_cap} {counted}: removed from the codes with the fewest "
                     f"minutes ({', '.join(cut_steps)}).")
    for c, cap in (code_caps or {}).items():
        if c in units and units[c] > cap:
            steps.append(f"{c} is limited to {cap} unit{'s' if cap != 1 else ''} a day: {units[c]} -> {cap}.")
            units[c] = cap
    return steps
