"""The checks: one visit in, the units per line and every finding out.

Each check reads the payer's rules through a `Context` (kb/check/context.py) and reports under a stable rule id
with the sources of the rule that fired. Which codes, modifiers, amounts and findings are involved comes from
the policies; the code here only knows the rule *types* of the policy format.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from kb.check.context import CodeFacts, Context, Contexts
from kb.check.inputs import Line, Visit, as_visit_data, iter_visit_data, to_visit
from kb.check.notes import PreparedNote
from kb.check.result import CheckResult, Finding, LineResult, VisitError, sort_findings
from kb.model import Rule, Source, Threshold
from kb.problems import InputError, KBError

if TYPE_CHECKING:
    from kb.knowledge import KnowledgeBase

MAI = {
    1: "a claim-line edit: each line is held to it",
    2: "an absolute date-of-service edit based on policy: units above it are never paid",
    3: "a date-of-service edit based on clinical data: units above it are denied, payable only on appeal",
}


class Checker:
    """Checks visits against one knowledge base; keeps the per-period contexts between calls."""

    def __init__(self, kb: KnowledgeBase):
        self.kb = kb
        self.contexts = Contexts(kb)

    def check(self, visit: Any) -> CheckResult:
        """Check one visit (mapping, Visit, YAML/JSON text, or a file path). Raises InputError on bad input."""
        v = to_visit(as_visit_data(visit))
        return _Run(self.contexts.get(v.payer, v.date, v.state), v).result()

    def check_many(self, visits: Any) -> Iterator[CheckResult | VisitError]:
        """Check visits one by one; a visit that cannot be checked yields a VisitError and the rest go on."""
        for index, item in enumerate(iter_visit_data(visits)):
            if isinstance(item, VisitError):
                yield VisitError(item.message, item.field, item.claim_id, index)
                continue
            claim = _claim_of(item)
            try:
                yield self.check(item)
            except KBError as err:
                yield VisitError(str(err), getattr(err, "field", None), claim, index)


def _claim_of(item: Any) -> str | None:
    """The claim id of a visit not yet validated, when it has a usable one (for its error result)."""
    claim = item.claim_id if isinstance(item, Visit) else item.get("claim_id") if isinstance(item, Mapping) else None
    return None if claim is None or isinstance(claim, bool) or not isinstance(claim, str | int) else str(claim)


def _basis(ctx: Context, rule: Rule, section: str, key: str | None = None) -> str:
    """Which policy rule fired: 'payer section key', and the payer it is inherited from."""
    text = f"{ctx.payer} {section} {key or rule.key}"
    return text + (f" (from {rule.declared_by})" if rule.inherited else "")


def _group(t: Threshold) -> str:
    """'PT-SLP' -> 'PT and SLP'."""
    return t.group.replace("-", " and ")


def _s(n: int, word: str = "unit") -> str:
    return f"{n} {word}{'s' if n != 1 else ''}"


def _clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _listing(items: Iterable[str]) -> str:
    items = list(items)
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1] if items else ""


def share(total: int, minutes: Sequence[int], unit: int = 15) -> list[int]:
    """Split a code's units over its lines: full units by each line's minutes, the rest to the largest leftovers."""
    if len(minutes) == 1:
        return [total]
    out = [min(m // unit, total) for m in minutes]
    while sum(out) > total:  # more full units than the code has (a cap took some): take from the smallest
        k = min((k for k in range(len(out)) if out[k]), key=lambda k: (minutes[k], -k))
        out[k] -= 1
    left = total - sum(out)
    order = sorted(range(len(minutes)), key=lambda k: (-(minutes[k] - out[k] * unit), k))
    for k in itertools.islice(itertools.cycle(order), left):
        out[k] += 1
    return out


class _Run:
    """The check of one visit."""

    def __init__(self, ctx: Context, visit: Visit):
        self.ctx = ctx
        self.visit = visit
        self.lines = visit.lines
        self.facts: list[CodeFacts | None] = [ctx.code(ln.code) for ln in visit.lines]
        self.findings: list[Finding] = []
        self.by_code: dict[str, list[int]] = {}
        for i, (ln, f) in enumerate(zip(self.lines, self.facts, strict=True)):
            if f is not None:
                self.by_code.setdefault(ln.code, []).append(i)
                if f.timed and ln.minutes is None:
                    raise InputError(f"missing: {ln.code} is a timed code, so its minutes are needed to count units",
                                     f"lines[{i}].minutes")
        self.code_facts: dict[str, CodeFacts] = {c: self.facts[ix[0]] for c, ix in self.by_code.items()}  # type: ignore[misc]
        self.plans = [visit.plan_of_care or self._plan_from_modifiers(ln) for ln in self.lines]

    def _plan_from_modifiers(self, line: Line) -> str | None:
        for m in line.modifiers:
            plan = self.ctx.plan_of_modifier.get(m)
            if plan is not None:
                return plan
        return None

    def add(self, rule: str, severity: str, lines: Iterable[int], message: str, fix: str,
            sources: tuple[Source, ...] = (), basis: str = "") -> None:
        self.findings.append(Finding(rule, severity, tuple(sorted(set(lines))), message[:1].upper() + message[1:],
                                     fix, sources, basis))

    # -- the whole check -----------------------------------------------------------------------------

    def result(self) -> CheckResult:
        ctx = self.ctx
        self.count_units()
        self.check_codes()
        self.check_units()
        self.check_modifiers()
        self.check_thresholds()
        self.check_bundling()
        self.check_mue()
        self.check_caps()
        self.check_visit_rules()
        self.check_documentation()
        seen: set[tuple[str, tuple[int, ...], str]] = set()
        unique = []
        for f in self.findings:
            key = (f.rule, f.lines, f.message)
            if key not in seen:
                seen.add(key)
                unique.append(f)
        lines = tuple(
            LineResult(i, ln.code, ln.minutes, self.line_units[i], ln.units, ln.modifiers, self.payment_factor(i))
            for i, ln in enumerate(self.lines))
        first = (f"Under {ctx.name}, units are counted by the {ctx.method_name} (in force since "
                 f"{ctx.unit_rule.effective_from}).")
        return CheckResult(payer=ctx.payer, date=self.visit.date, lines=lines, findings=sort_findings(unique),
                           plan_of_care=self.visit.plan_of_care, state=self.visit.state,
                           claim_id=self.visit.claim_id, method=ctx.method,
                           explanation=(first, *self.counted.steps))

    # -- units ---------------------------------------------------------------------------------------

    def count_units(self) -> None:
        ctx = self.ctx
        self.minutes: dict[str, int] = {c: sum(self.lines[i].minutes or 0 for i in ix)
                                        for c, ix in self.by_code.items()}
        self.timed = {c for c, f in self.code_facts.items() if f.timed}
        self.caps = {c: f.rule.daily_cap for c, f in self.code_facts.items()
                     if f.rule is not None and f.rule.daily_cap is not None}
        self.counted = ctx.count(self.minutes, self.timed, self.caps)
        units = self.counted.units
        self.line_units: list[int | None] = [None] * len(self.lines)
        for code, ix in self.by_code.items():
            for i, u in zip(ix, share(units[code], [self.lines[i].minutes or 0 for i in ix]), strict=True):
                self.line_units[i] = u
        # what each code is billed for: the biller's units where given, the computed share elsewhere
        self.billed_given = {c for c, ix in self.by_code.items() if any(self.lines[i].units is not None for i in ix)}
        self.effective = [ln.units if ln.units is not None else self.line_units[i] for i, ln in enumerate(self.lines)]
        self.billed: dict[str, int] = {c: sum(self.effective[i] or 0 for i in ix) for c, ix in self.by_code.items()}
        self._uncapped: dict[str, int] | None = None

    def uncapped(self) -> dict[str, int]:
        """Units before any daily cap (only worked out when a cap is in play)."""
        if self._uncapped is None:
            self._uncapped = self.ctx.count(self.minutes, self.timed, {}, capped=False).units
        return self._uncapped

    def check_units(self) -> None:
        ctx = self.ctx
        units = self.counted.units
        rule = ctx.unit_rule
        basis = _basis(ctx, rule, "unit_methods", rule.method)
        total = sum(self.minutes[c] for c in self.timed)
        below = self.check_minimum(total, basis)
        wrong = [c for c in self.billed_given if c not in below and self.billed[c] != units[c]]
        if wrong and self.counted.tie_broken and all(c in self.timed for c in wrong):
            # the method lists every allocation the tie allows (caps applied): any of them is right
            given = [c for c in self.billed_given if c in self.timed]
            if any(all(alt[c] == self.billed[c] for c in given) for alt in self.counted.alternatives):
                return
        timed_units = sum(units[c] for c in self.timed)
        for c in wrong:
            b, u = self.billed[c], units[c]
            if c not in self.timed:
                why = f"{c} is untimed under {ctx.name}: one unit per date of service whatever the minutes"
            elif ctx.shape.pools and len(self.timed) > 1:
                why = (f"under {ctx.name}, counted by the {ctx.method_name}, the visit's {total} timed minutes give "
                       f"{_s(timed_units, 'timed unit')}, of which {c} ({self.minutes[c]} min) gets {u}")
            else:
                why = f"under {ctx.name}, counted by the {ctx.method_name}, {c}'s {self.minutes[c]} minutes give {u}"
            if c in self.caps and self.uncapped().get(c, 0) > u:
                why += f" after the payer's daily limit of {self.caps[c]} for the code"
            elif rule.daily_cap is not None and sum(self.uncapped()[t] for t in self.capped_codes()) > sum(
                    units[t] for t in self.capped_codes()):
                why += f" after the payer's daily cap of {rule.daily_cap} {ctx.cap_counts}"
            if self.counted.tie_broken:
                why += " (a tie between codes was broken; any allocation the tie allows is accepted)"
            lines = self.by_code[c]
            if b > u:
                self.add("units.mismatch", "error", lines,
                         f"{c} is billed for {_s(b)} but the minutes support {u}: {why}. Over-billing by {_s(b - u)}.",
                         f"Bill {c} × {u}.", rule.sources, basis)
            else:
                self.add("units.mismatch", "warning", lines,
                         f"{c} is billed for {_s(b)} but the minutes support {u}: {why}. {_s(u - b)} left unbilled.",
                         f"Bill {c} × {u}.", rule.sources, basis)

    def check_minimum(self, total: int, basis: str) -> set[str]:
        """time.below-minimum: a timed service the payer's method gives no unit because it is under the minimum
        minutes (alone in the visit, or counted on its own minutes by a per-code method)."""
        ctx = self.ctx
        least = ctx.shape.min_alone
        flagged: set[str] = set()
        if ctx.shape.pools and total >= least:
            return flagged
        for c in self.timed:
            m = self.minutes[c]
            if not 0 < m < least or self.counted.units[c] != 0:
                continue
            billed = [self.lines[i].units for i in self.by_code[c] if self.lines[i].units is not None]
            if billed and not any(billed):
                continue  # billed as 0 units already
            severity = "error" if any(billed) else "warning"
            if len(self.timed) == 1:
                what = f"{c} ({m} min) is the only timed service of the visit"
            elif ctx.shape.pools:
                what = f"the visit's timed services add up to {total} minutes"
            else:
                what = f"under {ctx.name} each timed code is counted on its own minutes, and {c} has {m}"
            self.add("time.below-minimum", severity, self.by_code[c],
                     f"{what}, under the {least}-minute minimum of the {ctx.method_name}: no unit can be billed.",
                     f"Do not bill {c} (keep the minutes in the note); bill it only if at least {least} minutes "
                     "were actually provided.", ctx.unit_rule.sources, basis)
            flagged.add(c)
        return flagged

    # -- codes ---------------------------------------------------------------------------------------

    def check_codes(self) -> None:
        ctx = self.ctx
        for i, (ln, f) in enumerate(zip(self.lines, self.facts, strict=True)):
            if f is None:
                self.add("code.unknown", "error", [i],
                         f"{ln.code} is not in the knowledge base's code catalogue: no rule can be checked for it and "
                         "its minutes are not counted.",
                         "Check the code for a typo; if it is right, the code catalogue (codes.yaml) needs an entry "
                         "for it before it can be checked.")
            elif not f.covered:
                rule = f.rule
                assert rule is not None
                why = f" {rule.notes.split('. ')[0].rstrip('.')}." if rule.notes else ""
                self.add("code.not-covered", "error", [i], f"{ln.code} is not paid under {ctx.name}.{why}",
                         f"Do not bill {ln.code} to {ctx.name} (the time may still be documented).",
                         rule.sources, _basis(ctx, rule, "code_rules"))
            unknown = [m for m in ln.modifiers if m not in ctx.known_modifiers]
            if unknown:
                self.add("modifier.unknown", "info", [i],
                         f"the knowledge base has no rules for modifier{'s' if len(unknown) > 1 else ''} "
                         f"{_listing(unknown)} on {ln.code}; not checked.", "")

    # -- modifiers -----------------------------------------------------------------------------------

    def assistant_share(self, ln: Line, percent: float | None) -> bool | None:
        """Whether the assistant furnished the line 'in part' (more than the de minimis share); None if unknown."""
        if ln.assistant_minutes is None:
            return None
        if not ln.minutes:
            return ln.assistant_minutes > 0
        return ln.assistant_minutes * 100 > (percent or 0) * ln.minutes

    def check_modifiers(self) -> None:
        ctx = self.ctx
        for i, (ln, f) in enumerate(zip(self.lines, self.facts, strict=True)):
            if f is None:
                continue
            plan = self.plans[i]
            mods = ln.modifiers
            for r in f.discipline:
                self.check_discipline(i, ln, plan, r)
            for r in f.assistant:
                self.check_assistant(i, ln, plan, r)
            for r in f.pairs:
                for mod, needed in r.pairs.items():
                    if mod in mods and needed not in mods:
                        rule = ("modifier.assistant-mismatch" if mod in ctx.assistant_modifiers
                                else "modifier.pair-missing")
                        self.add(rule, "error", [i],
                                 f"{ln.code} carries {mod} without {needed}: under {ctx.name}, {mod} is accepted only "
                                 f"together with {needed} on the same line (returned as unprocessable otherwise).",
                                 f"Put {needed} beside {mod}, or correct {mod} to the modifier of the line's plan "
                                 "of care.",
                                 r.sources, _basis(ctx, r, "modifier_rules"))
            for r in f.required:
                if not any(m in mods for m in r.modifiers):
                    self.add("modifier.required", "error", [i],
                             f"{ln.code} needs {_listing(r.modifiers)}"
                             f"{' (one of them)' if len(r.modifiers) > 1 else ''} under {ctx.name}; the line has none.",
                             f"Add {' or '.join(r.modifiers)} to the line.", r.sources,
                             _basis(ctx, r, "modifier_rules"))
            for r in f.forbidden:
                bad = [m for m in mods if m in r.modifiers]
                if bad:
                    self.add("modifier.forbidden", "error", [i],
                             f"{_listing(bad)} may not be billed on {ln.code} under {ctx.name}.",
                             f"Remove {_listing(bad)} from the line"
                             + (f" ({r.notes.split('. ')[0].rstrip('.')})." if r.notes else "."),
                             r.sources, _basis(ctx, r, "modifier_rules"))

    def check_discipline(self, i: int, ln: Line, plan: str | None, r: Any) -> None:
        ctx = self.ctx
        present = [m for m in ln.modifiers if m in r.modifiers]
        expected = r.by_plan_of_care.get(plan) if plan else None
        if len(present) == 1 and (plan is None or present[0] == expected):
            return
        basis = _basis(ctx, r, "modifier_rules")
        choices = " / ".join(f"{m} ({p})" for p, m in r.by_plan_of_care.items())
        if not present:
            need = expected or choices
            self.add("modifier.discipline-missing", "error", [i],
                     f"{ln.code} has no therapy discipline modifier; under {ctx.name} every line of it needs {need} "
                     "to name the plan of care (lines without one are returned as unprocessable).",
                     f"Add {expected} (the {plan} plan of care)." if expected
                     else f"Add the plan of care's modifier: {choices}.",
                     r.sources, basis)
        elif len(present) > 1:
            self.add("modifier.discipline-mismatch", "error", [i],
                     f"{ln.code} carries {_listing(present)}: one line takes exactly one discipline modifier.",
                     f"Keep only {expected}." if expected
                     else "Keep only the modifier of the plan of care it was furnished under.",
                     r.sources, basis)
        elif plan is not None and present[0] != expected:
            named = ctx.plan_of_modifier.get(present[0])
            self.add("modifier.discipline-mismatch", "error", [i],
                     f"{ln.code} carries {present[0]}" + (f" ({named} plan of care)" if named else "")
                     + f" but the visit is under a {plan} plan of care"
                     + (f", which takes {expected}." if expected
                        else f"; the payer's rule names no modifier for {plan}."),
                     f"Replace {present[0]} with {expected}." if expected else f"Check the plan of care; {present[0]} "
                     f"is for {named or 'another'} plan of care.", r.sources, basis)

    def check_assistant(self, i: int, ln: Line, plan: str | None, r: Any) -> None:
        ctx = self.ctx
        present = [m for m in ln.modifiers if m in r.modifiers]
        furnished = self.assistant_share(ln, r.de_minimis_percent)
        if not present and not furnished:
            return
        expected = r.by_plan_of_care.get(plan) if plan else None
        basis = _basis(ctx, r, "modifier_rules")
        pct = r.de_minimis_percent or 0
        share = (f"the assistant furnished {ln.assistant_minutes} of its {ln.minutes} minutes"
                 if ln.minutes else f"the assistant furnished {ln.assistant_minutes} minutes of it")
        if furnished and not present:
            if plan is not None and expected is None:
                return  # the payer names no assistant modifier for this plan of care
            need = expected or " / ".join(f"{m} ({p})" for p, m in r.by_plan_of_care.items())
            self.add("modifier.assistant-missing", "error", [i],
                     f"{ln.code}: {share}, more than the {pct:g} % de minimis share, so under {ctx.name} the line "
                     f"needs {need} (service furnished in whole or in part by an assistant).",
                     f"Add {need} to the line.", r.sources, basis)
        elif present and expected and expected not in present:
            self.add("modifier.assistant-mismatch", "error", [i],
                     f"{ln.code} carries {_listing(present)}, but an assistant's work under a {plan} plan of care "
                     f"takes {expected}.", f"Replace {_listing(present)} with {expected}.", r.sources, basis)
        elif furnished is False and present:
            self.add("modifier.assistant-unneeded", "warning", [i],
                     f"{ln.code} carries {_listing(present)} but {share}, within the {pct:g} % de minimis share: "
                     "the service counts as the therapist's" + (" and the modifier lowers the payment." if any(
                         set(a.modifiers) & set(present) for a in self.facts[i].percent) else "."),  # type: ignore[union-attr]
                     f"Remove {_listing(present)} (or correct the assistant minutes).", r.sources, basis)

    def payment_factor(self, i: int) -> float:
        """1.0, or the product of the percent-of-payment adjustments that apply to the line as it should be billed
        (an assistant modifier counts when the assistant furnished the line in part, or when the line carries it
        and the assistant minutes are not given)."""
        f = self.facts[i]
        if f is None or not f.percent:
            return 1.0
        ln = self.lines[i]
        mods = set(ln.modifiers)
        for r in f.assistant:
            furnished = self.assistant_share(ln, r.de_minimis_percent)
            if furnished is None:
                continue
            mods -= set(r.modifiers)
            expected = r.by_plan_of_care.get(self.plans[i]) if self.plans[i] else None
            if furnished and expected:
                mods.add(expected)
        factor = 1.0
        for a in f.percent:
            if mods & set(a.modifiers):
                factor *= a.percent / 100
        return round(factor, 6)

    # -- dollar thresholds ---------------------------------------------------------------------------

    def check_thresholds(self) -> None:
        """A threshold-type modifier rule (KX) against the year's amount for the line's discipline group: reported
        as modifier.<modifier>-missing / -unneeded (modifier.kx-missing for KX); any other threshold passed is
        information (threshold.<name>)."""
        ctx = self.ctx
        ytd = self.visit.ytd_allowed
        if ytd is None:
            return
        after: list[float] = []  # the year's allowed amount once each line is added (lines without one add 0)
        running = ytd
        for ln in self.lines:
            running += ln.allowed or 0
            after.append(running)
        total = running
        own = any(ln.allowed is not None for ln in self.lines)
        missing: dict[tuple[str, str], tuple[Any, Threshold, list[int]]] = {}
        unneeded: dict[tuple[str, str], tuple[Any, Threshold, list[int]]] = {}
        for i, (ln, f) in enumerate(zip(self.lines, self.facts, strict=True)):
            plan = self.plans[i]
            if f is None or plan is None:
                continue
            for r in f.threshold:
                t = ctx.threshold(r.threshold, plan)
                if t is None:
                    continue
                has = any(m in ln.modifiers for m in r.modifiers)
                if after[i] > t.amount and not has:
                    missing.setdefault((r.id, t.key), (r, t, []))[2].append(i)
                elif has and total <= t.amount:
                    unneeded.setdefault((r.id, t.key), (r, t, []))[2].append(i)
        for r, t, lines in missing.values():
            when = "with this visit's allowed amounts" if own else "before this visit"
            amount = f"${after[lines[-1]]:,.2f} {when}"
            codes, mods, one = _listing([self.lines[k].code for k in lines]), _listing(r.modifiers), len(lines) == 1
            self.add(f"modifier.{r.modifiers[0].lower()}-missing", "error", lines,
                     f"the year's allowed amount for {_group(t)} therapy ({amount}) is over the {t.year} {t.name} "
                     f"threshold of ${t.amount:,.2f}: {codes} need{'s' if one else ''} {mods} or "
                     f"{'it is' if one else 'they are'} denied.",
                     f"Add {mods} to {'the line' if one else 'each line'}, and make sure the record documents the "
                     "medical necessity it attests.", r.sources + t.sources, _basis(ctx, r, "modifier_rules"))
        for r, t, lines in unneeded.values():
            unknown = "" if all(ln.allowed is not None for ln in self.lines) else (
                " (this visit's own allowed amount is not given: if it takes the year past the threshold, keep it)")
            mods = _listing(r.modifiers)
            self.add(f"modifier.{r.modifiers[0].lower()}-unneeded", "warning", lines,
                     f"{mods} is on {_listing([self.lines[k].code for k in lines])} but the year's allowed amount for "
                     f"{_group(t)} therapy (${total:,.2f}) is not over the {t.year} {t.name} threshold of "
                     f"${t.amount:,.2f}{unknown}; using it with no sign the threshold will be reached is treated as "
                     "abusive.", f"Remove {mods} until the threshold is passed.",
                     r.sources + t.sources, _basis(ctx, r, "modifier_rules"))
        for name in ctx.plain_thresholds:
            passed: dict[str, tuple[Threshold, list[int]]] = {}
            for i, plan in enumerate(self.plans):
                t = ctx.threshold(name, plan) if plan else None
                if t is not None and total > t.amount:
                    passed.setdefault(t.key, (t, []))[1].append(i)
            for t, lines in passed.values():
                self.add(f"threshold.{name.lower()}", "info", lines,
                         f"the year's allowed amount for {_group(t)} therapy (${total:,.2f}) is over the {t.year} "
                         f"{name} threshold of ${t.amount:,.2f}"
                         + (f": {t.notes.split('. ')[0].rstrip('.')}." if t.notes else "."),
                         "Make sure the record supports medical necessity for every service.",
                         t.sources, _basis(ctx, t, "thresholds"))

    # -- bundling ------------------------------------------------------------------------------------

    def check_bundling(self) -> None:
        ctx = self.ctx
        codes = list(self.by_code)
        edited: set[str] = set()
        for a, b in itertools.combinations(codes, 2):
            edit = ctx.ptp(a, b)
            if edit is None or edit.modifier_indicator == 9:
                continue
            edited.update((a, b))
            c1, c2 = edit.column1, edit.column2
            col1, col2 = self.by_code[c1], self.by_code[c2]
            basis = _basis(ctx, edit, "ptp_edits")
            why = f" ({edit.rationale})" if edit.rationale else ""
            if edit.modifier_indicator == 1:
                f2 = self.code_facts[c2]
                lacking = [k for k in col2 if not any(m in f2.distinct for m in self.lines[k].modifiers)]
                if lacking:
                    mods = " / ".join(f2.distinct) or "a distinct-service modifier"
                    self.add("ptp.modifier-required", "error", lacking + col1,
                             f"{c1} and {c2} are bundled{why}: billed together on one date, {c2} (column 2) is denied "
                             f"unless it carries {mods} to show a distinct service.",
                             f"If {c2} was a separate service (for therapy: done in its own time period), add "
                             f"{mods.split(' / ')[0] if f2.distinct else 'the distinct-service modifier'} (or the "
                             f"fitting X modifier) to the {c2} line; if not, do not bill {c2}.",
                             edit.sources, basis)
            else:
                self.add("ptp.not-allowed", "error", col1 + col2,
                         f"{c1} and {c2} are never paid together on one date{why}: {c2} (column 2) is denied and no "
                         "modifier bypasses the edit.",
                         f"Bill {c1} only; {c2} is not payable with it on this date.", edit.sources, basis)
        for i, (ln, f) in enumerate(zip(self.lines, self.facts, strict=True)):
            if f is None or ln.code in edited:
                continue
            used = [m for m in ln.modifiers if m in f.distinct]
            if used:
                r = f.distinct[used[0]]
                others = [c for c in codes if c != ln.code]
                with_what = (f"no bundling edit in force between {ln.code} and the visit's other codes "
                             f"({_listing(others)})" if others else f"no other code on the visit for {ln.code} to be "
                             "distinct from")
                self.add("modifier.distinct-unsupported", "warning", [i],
                         f"{ln.code} carries {_listing(used)}, but under {ctx.name} there is {with_what}: nothing to "
                         "bypass, and an unneeded distinct-service modifier is an audit flag.",
                         f"Remove {_listing(used)} from the {ln.code} line.", r.sources,
                         _basis(ctx, r, "modifier_rules"))

    # -- unit limits ---------------------------------------------------------------------------------

    def check_mue(self) -> None:
        ctx = self.ctx
        for code, ix in self.by_code.items():
            mue = self.code_facts[code].mue
            if mue is None:
                continue
            given = code in self.billed_given
            groups = [[i] for i in ix] if mue.mai == 1 else [ix]
            for group in groups:
                n = sum(self.effective[i] or 0 for i in group)
                if n > mue.value:
                    how = f"{code} is billed for {_s(n)}" if given else f"the minutes give {code} {_s(n)}"
                    self.add("mue.exceeded", "error", group,
                             f"{how} on one date, over its medically unlikely edit (MUE) of {mue.value} "
                             f"(MAI {mue.mai}: {MAI.get(mue.mai, 'see the NCCI manual')}).",
                             f"Bill at most {mue.value} {'on the line' if mue.mai == 1 else 'for the date'}"
                             + ("; units above it can be paid only on appeal with documentation of medical necessity."
                                if mue.mai == 3 else "."),
                             mue.sources, _basis(ctx, mue, "mues"))

    def capped_codes(self) -> list[str]:
        """The visit's codes the payer's daily cap counts (its timed codes, or those the cap lists), in line order."""
        cap_codes = self.ctx.cap_codes
        return [c for c in self.minutes if c in self.timed and (cap_codes is None or c in cap_codes)]

    def check_caps(self) -> None:
        ctx = self.ctx
        rule = ctx.unit_rule
        capped = self.capped_codes()
        if rule.daily_cap is not None and capped:
            cap_lines = [i for c in capped for i in self.by_code[c]]
            scope = f" ({rule.cap_scope.replace('-', ' ')})" if rule.cap_scope else ""
            basis = _basis(ctx, rule, "unit_methods", rule.method)
            what = ctx.cap_counts if ctx.cap_codes is None else f"units of {_listing(capped)} together"
            if any(self.lines[i].units is not None for i in cap_lines):
                n = sum(self.effective[i] or 0 for i in cap_lines)
                if n > rule.daily_cap:
                    self.add("cap.daily-units", "error", cap_lines,
                             f"{n} {what} are billed; under {ctx.name} at most {rule.daily_cap} {ctx.cap_counts} "
                             f"may be paid per date of service{scope}.",
                             f"Bill at most {rule.daily_cap}: "
                             + ", ".join(f"{c} × {self.counted.units[c]}" for c in capped) + ".",
                             rule.sources, basis)
            else:
                full = sum(self.uncapped()[c] for c in capped)
                if full > rule.daily_cap:
                    dropped = [f"{c} -{self.uncapped()[c] - self.counted.units[c]}" for c in capped
                               if self.uncapped()[c] > self.counted.units[c]]
                    self.add("cap.daily-units", "info", cap_lines,
                             f"the minutes support {full} {what}, but under {ctx.name} at most {rule.daily_cap} "
                             f"{ctx.cap_counts} may be paid per date of service{scope}; the units shown already drop "
                             f"{full - rule.daily_cap} ({', '.join(dropped)}).",
                             "Bill the units shown; the rest is not payable.", rule.sources, basis)
        for code, cap in self.caps.items():
            r = self.code_facts[code].rule
            assert r is not None
            ix = self.by_code[code]
            basis = _basis(ctx, r, "code_rules")
            if code in self.billed_given:
                if self.billed[code] > cap:
                    self.add("cap.daily-units", "error", ix,
                             f"{code} is billed for {_s(self.billed[code])}; under {ctx.name} at most {_s(cap)} of it "
                             "may be paid per date of service.", f"Bill {code} × {min(cap, self.counted.units[code])}.",
                             r.sources, basis)
            elif self.uncapped().get(code, 0) > cap:
                self.add("cap.daily-units", "info", ix,
                         f"the minutes of {code} support {_s(self.uncapped()[code])}, but under {ctx.name} at most "
                         f"{_s(cap)} of it may be paid per date of service; the units shown are capped.",
                         "Bill the units shown.", r.sources, basis)

    # -- visit rules ---------------------------------------------------------------------------------

    def check_visit_rules(self) -> None:
        ctx = self.ctx
        for r, codes in ctx.max_per_date:
            hits = [i for i, ln in enumerate(self.lines) if ln.code in codes]
            if len(hits) > (r.max or 0):
                billed = _listing([self.lines[i].code for i in hits])
                self.add(r.finding, "error", hits,
                         f"{billed} on one date: under {ctx.name} at most {r.max} of "
                         f"{_listing(sorted(codes)) if len(codes) <= 6 else 'these codes'} may be paid per date "
                         "of service.",
                         f"Bill {'one' if r.max == 1 else f'at most {r.max}'} of them on this date"
                         + (f" ({r.notes.split('. ')[0].rstrip('.')})." if r.notes else "."),
                         r.sources, _basis(ctx, r, "visit_rules"))
        clocked = [i for i, ln in enumerate(self.lines) if ln.start is not None and self.facts[i] is not None]
        if len(clocked) < 2:
            return
        reported: set[tuple[int, int]] = set()
        for r, group, others in ctx.no_shared:
            for a, b in itertools.permutations(clocked, 2):
                la, lb = self.lines[a], self.lines[b]
                if la.code not in group or lb.code not in others or lb.code in ctx.shares_time or la.code == lb.code:
                    continue
                if lb.code in group and b < a:
                    continue  # both lines are group codes: report the pair once
                overlap = self.overlap(a, b)
                if overlap > 0:
                    reported.add((min(a, b), max(a, b)))
                    self.add(r.finding, "error", [a, b],
                             f"{self.when(a)} and {self.when(b)} overlap by {_s(overlap, 'minute')}: under "
                             f"{ctx.name}, {la.code} and {lb.code} may not be billed for the same minutes.",
                             "Bill each service only for its own, separate time; minutes in which they overlap belong "
                             "to one of them.", r.sources, _basis(ctx, r, "visit_rules"))
        for r, codes in ctx.may_share:
            for a in clocked:
                if self.lines[a].code not in codes:
                    continue
                shared = [b for b in clocked if b != a and self.overlap(a, b) > 0]
                if shared:
                    code = self.lines[a].code
                    self.add(r.finding, "info", [a, *shared],
                             f"{code} shares time with {_listing([self.lines[b].code for b in shared])}; "
                             f"under {ctx.name}, {code} may be billed for minutes shared with other therapy.", "",
                             r.sources, _basis(ctx, r, "visit_rules"))
        # two services that each need the clinician one-on-one cannot both be billed for the same minutes
        for a, b in itertools.combinations(clocked, 2):
            fa, fb = self.facts[a], self.facts[b]
            if (a, b) in reported or not (fa and fb and fa.one_on_one and fb.one_on_one):  # type: ignore[union-attr]
                continue
            if self.lines[a].code in ctx.shares_time or self.lines[b].code in ctx.shares_time:
                continue
            overlap = self.overlap(a, b)
            if overlap > 0:
                source = fa if fa.one_on_one_rule is not None else fb  # type: ignore[union-attr]
                rule = source.one_on_one_rule  # type: ignore[union-attr]
                self.add("time.one-on-one-overlap", "warning", [a, b],
                         f"{self.when(a)} and {self.when(b)} overlap by {_s(overlap, 'minute')}, but both need the "
                         "clinician's one-on-one time: the same minutes cannot count for both.",
                         "Record the real, separate times of each service; minutes of the overlap count for one "
                         "service only (and the units follow the minutes).",
                         rule.sources if rule is not None else source.sources,  # type: ignore[union-attr]
                         _basis(ctx, rule, "code_rules") if rule is not None
                         else f"codes.yaml {source.code} one_on_one")  # type: ignore[union-attr]

    def overlap(self, a: int, b: int) -> int:
        """Minutes two lines with clock times share (0 or less when they do not)."""
        la, lb = self.lines[a], self.lines[b]
        return min(la.end, lb.end) - max(la.start, lb.start)  # type: ignore[type-var,operator]

    def when(self, i: int) -> str:
        ln = self.lines[i]
        return f"{ln.code} ({_clock(ln.start)}-{_clock(ln.end)})"  # type: ignore[arg-type]

    # -- documentation -------------------------------------------------------------------------------

    def check_documentation(self) -> None:
        note = self.visit.note
        if note is None:
            return
        ctx = self.ctx
        prepared: PreparedNote | None = None
        for code, ix in self.by_code.items():
            f = self.code_facts[code]
            if not f.docs:
                continue
            rule = f.rule
            assert rule is not None
            if prepared is None:
                prepared = PreparedNote(note)
            for element in f.docs:
                if not element.found_in(prepared):
                    self.add("documentation.missing-element", "warning", ix,
                             f"the note does not show, for {code}: {element.element}.", element.fix, rule.sources,
                             _basis(ctx, rule, "code_rules", f"{code} documentation.{element.id}"))


# -- module API ----------------------------------------------------------------------------------


def checker_for(kb: KnowledgeBase) -> Checker:
    """The checker of a knowledge base (one per knowledge base, kept with it)."""
    found = kb.__dict__.get("_checker")
    if found is None:
        found = kb.__dict__["_checker"] = Checker(kb)
    return found
