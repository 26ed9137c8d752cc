"""Unit-counting methods: minutes per code in, units per code out, with the steps in words.

Each method is a pure function registered under the id payers use in their YAML
(`unit_methods[].method`) and described in policies/methods.yaml. Untimed codes are handled
here once for every method: one unit each, and their minutes never join the timed total.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from itertools import chain, combinations, permutations, product


@dataclass(frozen=True)
class Tie:
    """A tie a method broke that the source lets the clinician break another way: from the `base` units, any
    `k` of the `tied` codes get one more unit (before caps). Stated in this compact form, never enumerated."""

    base: dict[str, int]
    tied: tuple[str, ...]
    k: int


# A method returns units per code, its steps, and the tie it broke (None when the answer is the only one).
Method = Callable[[dict[str, int], "Params"], tuple[dict[str, int], list[str], "Tie | None"]]
METHODS: dict[str, Method] = {}


@dataclass(frozen=True)
class Params:
    """A method's parameters as a payer states them."""

    unit_minutes: int = 15
    minimum_minutes: int = 8
    daily_cap: int | None = None
    cap_codes: frozenset[str] | None = None  # the codes the cap counts; None = every timed code


class Allocations:
    """Every allocation a broken tie allows, caps applied, held as constraints rather than a list.

    `allows(billed)` answers whether some allowed allocation agrees with the billed units of the codes given, in
    O(n·k²) for n codes and k contested units (a dynamic programme over the daily cap's cut order), whatever the
    number of tied codes; iterating lists the allocations one by one (there can be C(n, k) of them).
    """

    def __init__(self, tie: Tie, order: tuple[str, ...], timed: Mapping[str, int], untimed: tuple[str, ...],
                 params: Params, code_caps: Mapping[str, int] | None, in_cap: Mapping[str, int] | None = None,
                 fixed: Mapping[str, int] | None = None):
        # in_cap: untimed codes the daily cap counts (one unit each, cut like timed units; code -> minutes);
        # fixed: timed codes counted in their own unit length (code -> units), outside the tie
        self.in_cap = dict(in_cap or {})
        self.fixed = dict(fixed or {})
        self.tie, self.order, self.timed = tie, order, {**timed, **self.in_cap}
        self.untimed = tuple(c for c in untimed if c not in self.in_cap)
        self.params, self.code_caps = params, dict(code_caps or {})
        self.base = {**tie.base, **self.fixed, **{c: 1 for c in self.in_cap}}
        counts = params.daily_cap is not None
        self.cut = sorted((c for c in self.base if counts and (params.cap_codes is None or c in params.cap_codes)),
                          key=lambda c: (self.timed[c], c))  # the codes the daily cap counts, in its cut order
        cut = set(self.cut)
        self.free = tuple(c for c in self.base if c not in cut)  # codes the daily cap leaves alone

    def __repr__(self) -> str:
        return f"Allocations(tied={self.tie.tied}, k={self.tie.k})"

    def _ccap(self, code: str, units: int) -> int:
        cap = self.code_caps.get(code)
        return units if cap is None or units <= cap else cap

    def allows(self, billed: Mapping[str, int]) -> bool:
        """Whether some allowed allocation gives every code in `billed` exactly its billed units."""
        for c in self.untimed:
            if c in billed and billed[c] != 1:
                return False
        tie, tied = self.tie, set(self.tie.tied)
        n_cut_tied = sum(1 for c in self.cut if c in tied)
        # codes outside the daily cap: each tied one takes +0 or +1 independently; count what the bill forces
        forced = optional = 0
        for c in self.free:
            options = [d for d in ((0, 1) if c in tied else (0,))
                       if c not in billed or self._ccap(c, self.base[c] + d) == billed[c]]
            if not options:
                return False
            forced += options == [1]
            optional += 1 in options
        for j in range(max(0, tie.k - (len(tied) - n_cut_tied)), min(tie.k, n_cut_tied) + 1):
            if forced <= tie.k - j <= optional and self._cut_allows(j, billed, tied):
                return True
        return False

    def _cut_allows(self, j: int, billed: Mapping[str, int], tied: set[str]) -> bool:
        """Whether j contested units among the capped codes can leave the billed units after the daily cap.

        The cap cuts the codes with the fewest minutes first; among codes with the same minutes the order is the
        clinician's choice (no source ranks them), so a group of equal minutes may be cut in any order."""
        if not self.cut:
            return j == 0
        base = self.base
        cap = self.params.daily_cap
        assert cap is not None
        over = max(0, sum(base[c] for c in self.cut) + j - cap)
        states = {0}  # how many contested units the codes so far took
        before = 0  # their base units
        for group in self._cut_groups():
            nxt: set[int] = set()
            for s in states:
                left = max(0, over - before - s)  # units the cut still removes when it reaches this group
                nxt.update(s + t for t in self._group_takes(group, left, j - s, billed, tied))
            if not nxt:
                return False
            states = nxt
            before += sum(base[c] for c in group)
        return j in states

    def _cut_groups(self) -> list[tuple[str, ...]]:
        """The cut order as groups of codes with the same minutes."""
        groups: list[list[str]] = []
        for c in self.cut:
            if groups and self.timed[groups[-1][0]] == self.timed[c]:
                groups[-1].append(c)
            else:
                groups.append([c])
        return [tuple(g) for g in groups]

    def _group_takes(self, group: tuple[str, ...], left: int, most: int, billed: Mapping[str, int],
                     tied: set[str]) -> set[int]:
        """The numbers t <= most of contested units the group can take so that cutting `left` units from it, in
        some order of its codes, leaves the billed units. In some order, the cut empties some codes, takes part of
        at most one, and leaves the rest whole: a DP over (contested taken, units removed, partial used)."""
        base = self.base
        states = {(0, 0, False)}
        for c in group:
            nxt = set()
            for t, removed, partial in states:
                for d in ((0, 1) if c in tied else (0,)):
                    if t + d > most:
                        continue
                    units = base[c] + d
                    options = [(0, units, False), (units, 0, False)]  # emptied; left whole
                    options += [(units - r, r, True) for r in range(1, units) if not partial]
                    for final, r, part in options:
                        if removed + r > left or (c in billed and self._ccap(c, final) != billed[c]):
                            continue
                        nxt.add((t + d, removed + r, partial or part))
            states = nxt
        total = {t: sum(base[c] for c in group) + t for t, _, _ in states}
        return {t for t, removed, _ in states if removed == min(left, total[t])}

    def __contains__(self, allocation: object) -> bool:
        return (isinstance(allocation, Mapping) and set(allocation) == set(self.order)
                and self.allows(allocation))

    def __iter__(self) -> Iterator[dict[str, int]]:
        """Each allowed allocation once (exponential in the number of tied codes and in the sizes of the cut's
        groups of equal minutes: for tests and small ties)."""
        seen: set[tuple[int, ...]] = set()
        orders = [list(chain.from_iterable(groups)) for groups in product(*map(permutations, self._cut_groups()))]
        for pick in combinations(self.tie.tied, self.tie.k):
            for cut_order in orders or [[]]:
                choice = {**self.tie.base, **self.fixed}
                for c in pick:
                    choice[c] += 1
                _apply_caps(choice, {c: m for c, m in self.timed.items() if c not in self.in_cap}, self.params,
                            self.code_caps, self.in_cap, cut_order)
                choice.update({c: 1 for c in self.untimed})
                row = tuple(choice[c] for c in self.order)
                if row not in seen:
                    seen.add(row)
                    yield dict(zip(self.order, row, strict=True))


@dataclass(frozen=True)
class Counted:
    """Units per code, the steps that produced them, and every allocation the source allows."""

    units: dict[str, int]
    steps: list[str] = field(default_factory=list)
    tie_broken: bool = False
    alternatives: Allocations | tuple[()] = ()  # with a broken tie: every allowed answer (caps applied), compactly

    def allows(self, billed: Mapping[str, int]) -> bool:
        """Whether billing these units (for some or all of the codes) is an allocation the source allows."""
        if isinstance(self.alternatives, Allocations):
            return self.alternatives.allows(billed)
        return all(self.units.get(c) == u for c, u in billed.items())


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
def cms_total_time(timed: dict[str, int], p: Params) -> tuple[dict[str, int], list[str], Tie | None]:
    """Units from the total timed minutes, then allocated: full units first, then largest leftovers."""
    total = sum(timed.values())
    allowed = units_for_minutes(total, p)
    listing = " + ".join(f"{c} {m}" for c, m in timed.items())
    if allowed == 0:
        none = {c: 0 for c in timed}
        return none, [
            f"Total timed minutes: {listing} = {total}; under {p.minimum_minutes} minutes, no timed unit can be billed."
        ], None
    steps = [f"Total timed minutes: {listing} = {total} minutes, which allows {allowed} "
             f"unit{'s' if allowed != 1 else ''} ({_band(allowed, p)})."]
    units = {c: m // p.unit_minutes for c, m in timed.items()}
    left = {c: m % p.unit_minutes for c, m in timed.items()}
    full = sum(units.values())
    if full:
        steps.append("Full units first: " + ", ".join(
            f"{c} {units[c]} (leftover {left[c]} min)" for c in timed) + f" = {full}.")
    remaining = allowed - full
    tie: Tie | None = None
    if remaining:
        # With a daily cap that counts only some codes, a tied unit goes to a code the cap does not count:
        # CMS lets the clinician choose, and that choice is never cut back by the cap.
        capped = p.cap_codes if p.daily_cap is not None and p.cap_codes is not None else frozenset()
        ranked = sorted((c for c in timed if left[c] > 0), key=lambda c: (-left[c], c in capped, -timed[c], c))
        winners = ranked[:remaining]
        base = dict(units)
        for c in winners:
            units[c] += 1
        steps.append(
            f"{remaining} unit{'s' if remaining != 1 else ''} left: to the largest leftover minutes: "
            + ", ".join(f"{c} ({left[c]} min)" for c in winners) + "."
        )
        if len(ranked) > remaining:
            cut = ranked[remaining - 1]
            rivals = [c for c in ranked[remaining:] if left[c] == left[cut]]
            if rivals:
                # the clinician may give the contested units to any of the tied codes
                tied = tuple(c for c in ranked if left[c] == left[cut])
                sure = [c for c in winners if left[c] > left[cut]]
                for c in sure:
                    base[c] += 1
                tie = Tie(base, tied, remaining - len(sure))
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
    return units, steps, tie


@method("cpt-per-code-midpoint")
def cpt_per_code_midpoint(timed: dict[str, int], p: Params) -> tuple[dict[str, int], list[str], Tie | None]:
    """Each code on its own minutes: a unit once the midpoint of a unit is passed."""
    units = {c: units_for_minutes(m, p) for c, m in timed.items()}
    steps = ["Each timed code is counted on its own minutes (a unit from "
             f"{p.minimum_minutes} minutes, then every {p.unit_minutes}): "
             + ", ".join(f"{c} {m} min -> {units[c]}" for c, m in timed.items()) + "."]
    return units, steps, None


@method("whole-units")
def whole_units(timed: dict[str, int], p: Params) -> tuple[dict[str, int], list[str], Tie | None]:
    """Only whole units: each code gets its minutes divided by the unit length, rounded down."""
    units = {c: m // p.unit_minutes for c, m in timed.items()}
    steps = [f"Only whole {p.unit_minutes}-minute units count, code by code: "
             + ", ".join(f"{c} {m} min -> {units[c]}" for c, m in timed.items()) + "."]
    return units, steps, None


@method("per-visit")
def per_visit(timed: dict[str, int], p: Params) -> tuple[dict[str, int], list[str], Tie | None]:
    """One unit for the whole visit's timed services, on the code with the most minutes."""
    units = {c: 0 for c in timed}
    total = sum(timed.values())
    if total < p.minimum_minutes or not timed:
        return units, [f"Timed minutes total {total}: under {p.minimum_minutes}, no visit unit."], None
    top = sorted(timed, key=lambda c: (-timed[c], c))[0]
    units[top] = 1
    tied = tuple(c for c in timed if timed[c] == timed[top])
    tie = Tie({c: 0 for c in timed}, tied, 1) if len(tied) > 1 else None
    return units, [f"One unit per visit whatever the minutes ({total} timed minutes): reported on {top}, "
                   "the service with the most minutes."], tie


def own_length_units(minutes: int, length: int) -> int:
    """Units of a timed code whose unit is not the method's (an hour, 30 minutes): counted on its own minutes, a
    unit billed when at least 51 % of its time was spent (CMS's rule for such codes, as ASHA states it)."""
    full, rest = divmod(minutes, length)
    return full + (1 if rest * 100 >= 51 * length else 0)


def count(
    name: str,
    minutes: Mapping[str, int],
    timed_codes: set[str],
    params: Params,
    code_caps: Mapping[str, int] | None = None,
    lengths: Mapping[str, int] | None = None,
) -> Counted:
    """Count units for one visit with the named method, then apply untimed codes and caps. `lengths`: the unit
    length of timed codes whose unit is not the method's 15 minutes (counted code by code, never pooled)."""
    timed = {c: m for c, m in minutes.items() if c in timed_codes}
    own = {c: lengths[c] for c in timed if lengths and lengths.get(c, params.unit_minutes) != params.unit_minutes}
    untimed = [c for c in minutes if c not in timed_codes]
    # a daily cap that lists untimed codes ("modalities/procedures and/or units in any combination") counts
    # their one unit each too, and may cut them (fewest minutes first, like timed units)
    in_cap = {c: minutes[c] for c in untimed
              if params.daily_cap is not None and params.cap_codes is not None and c in params.cap_codes}
    pool = {c: m for c, m in timed.items() if c not in own}
    units, steps, tie = METHODS[name](pool, params) if pool else ({}, [], None)
    for c, length in own.items():
        units[c] = own_length_units(timed[c], length)
        steps.append(f"{c} is counted in {length}-minute units on its own minutes (not with the 15-minute codes): "
                     f"{timed[c]} minutes = {units[c]} unit{'s' if units[c] != 1 else ''} (a unit needs at least 51 % "
                     f"of its {length} minutes).")
    steps += _apply_caps(units, timed, params, code_caps, in_cap)
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
    if tie is None or not 0 < tie.k < len(tie.tied):
        return Counted(ordered, steps)
    return Counted(ordered, steps, True,
                   Allocations(tie, tuple(minutes), timed, tuple(untimed), params, code_caps, in_cap,
                               {c: own_length_units(timed[c], n) for c, n in own.items()}))


def _apply_caps(units: dict[str, int], timed: dict[str, int], params: Params,
                code_caps: Mapping[str, int] | None, in_cap: Mapping[str, int] | None = None,
                cut_order: list[str] | None = None) -> list[str]:
    """Cut units to the daily cap (fewest minutes first) and to per-code caps, in place; the steps. `in_cap`:
    untimed codes the cap counts (code -> minutes), one unit each, put into `units` here. `cut_order`: another
    order of equal-minute codes for the cut (default: the lower code first)."""
    steps = []
    for c in in_cap or {}:
        units[c] = 1
    minutes = {**timed, **(in_cap or {})}
    capped = [c for c in units if params.cap_codes is None or c in params.cap_codes]
    if params.daily_cap is not None and sum(units[c] for c in capped) > params.daily_cap:
        over = sum(units[c] for c in capped) - params.daily_cap
        cut_steps = []
        rank = {c: i for i, c in enumerate(cut_order or ())}
        for c in sorted(capped, key=lambda c: (minutes[c], rank.get(c, -1), c)):
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
