"""Properties of the claim checker over generated visits (hypothesis)."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import kb
from kb.check import CheckResult

ROOT = Path(__file__).resolve().parent.parent
K = kb.load(Path(__file__).parent / "fixtures" / "check")
SHIPPED = kb.load(ROOT / "policies")
CODES = ["97035", "97110", "97112", "97116", "97140", "97150", "97161", "97164", "97530", "97535", "G0283", "97999"]
MODS = ["GP", "GO", "GN", "CQ", "CO", "KX", "59", "XU", "95", "GT"]
SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def lines(draw, codes=CODES):
    out = []
    for _ in range(draw(st.integers(1, 5))):
        line = {"code": draw(st.sampled_from(codes)), "minutes": draw(st.integers(0, 75)),
                "modifiers": draw(st.lists(st.sampled_from(MODS), max_size=3, unique=True))}
        if draw(st.booleans()):
            line["units"] = draw(st.integers(0, 6))
        if draw(st.booleans()):
            line["assistant_minutes"] = draw(st.integers(0, line["minutes"]))
        if draw(st.booleans()):
            line["allowed"] = draw(st.floats(0, 200, allow_nan=False))
        out.append(line)
    return out


@st.composite
def visits(draw, knowledge=K, codes=CODES):
    payer = draw(st.sampled_from(knowledge.payers()))
    day = date(2024, 1, 1) + timedelta(days=draw(st.integers(0, 3 * 365)))
    visit = {"payer": payer, "date": day.isoformat(), "lines": draw(lines(codes))}
    plan = draw(st.sampled_from([None, "PT", "OT", "SLP"]))
    if plan:
        visit["plan_of_care"] = plan
    if draw(st.booleans()):
        visit["ytd_allowed"] = draw(st.floats(0, 5000, allow_nan=False))
    if draw(st.booleans()):
        visit["note"] = draw(st.sampled_from(["", "PNF one-on-one 20 minutes", "exercises"]))
    return visit


def timed_totals(result: CheckResult, knowledge: kb.KnowledgeBase) -> tuple[int, int]:
    p = knowledge.payer(result.payer, as_of=result.date, state=result.state)
    timed = [ln for ln in result.lines if ln.units is not None and p.timed(ln.code)]
    return sum(ln.minutes or 0 for ln in timed), sum(ln.units or 0 for ln in timed)


@SETTINGS
@given(visits())
def test_units_never_exceed_what_the_minutes_allow(visit):
    r = K.check(visit)
    minutes, units = timed_totals(r, K)
    assert 8 * units <= minutes  # no method gives a unit for fewer than 8 minutes
    p = K.payer(r.payer, as_of=r.date)
    if p.unit_method().method == "cms-total-time" and p.unit_method().daily_cap is None:
        assert units <= (minutes + 7) // 15
    assert all(ln.units is None or ln.units >= 0 for ln in r.lines)


@SETTINGS
@given(visits())
def test_billing_the_computed_units_leaves_no_unit_error(visit):
    r = K.check(visit)
    corrected = {**visit, "lines": [{**line, "units": res.units if res.units is not None else 1}
                                    for line, res in zip(visit["lines"], r.lines, strict=True)]}
    again = K.check(corrected)
    assert "units.mismatch" not in again.rules
    assert not [f for f in again.findings if f.rule in ("time.below-minimum", "cap.daily-units")
                and f.severity == "error"]
    assert [ln.units for ln in again.lines] == [ln.units for ln in r.lines]


@SETTINGS
@given(visits(), st.data())
def test_one_more_unit_is_always_over_billing(visit, data):
    r = K.check(visit)
    known = [i for i, ln in enumerate(r.lines) if ln.units is not None]
    if not known:
        return
    if any(step.startswith("Tie") for step in r.explanation):
        # Where the source lets the clinician break a tie, one more unit on a line can be another allowed
        # allocation (here: the unit our tie-break gave a capped code, given to an uncapped one instead).
        return
    i = data.draw(st.sampled_from(known))
    changed = [{**line, "units": res.units} for line, res in zip(visit["lines"], r.lines, strict=True)
               if res.units is not None]
    code = r.lines[i].code
    target = next(j for j, line in enumerate(changed) if line["code"] == code)
    changed[target]["units"] += 1
    again = K.check({**visit, "lines": changed})
    assert any(f.rule in ("units.mismatch", "time.below-minimum") and f.severity == "error" for f in again.findings)


@SETTINGS
@given(visits(SHIPPED, ["97110", "97112", "97116", "97140", "97530", "97535", "97035", "G0283", "97150", "97161"]))
def test_units_agree_with_the_core_api_on_the_shipped_policies(visit):
    codes = [ln["code"] for ln in visit["lines"]]
    if len(set(codes)) != len(codes):
        return
    r = SHIPPED.check(visit)
    p = SHIPPED.payer(visit["payer"], as_of=r.date)
    assert r.units == p.units({ln["code"]: ln["minutes"] for ln in visit["lines"]})
    assert all(f.sources for f in r.findings if f.rule not in ("code.unknown", "modifier.unknown"))
    assert all(f.severity in ("error", "warning", "info") for f in r.findings)


JUNK = st.recursive(
    st.none() | st.booleans() | st.integers(-10, 3000) | st.floats(allow_nan=True) | st.text(max_size=12)
    | st.sampled_from(["97110", "GP", "2026-03-02", "checkpay", "09:00", "PT"]),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(
        st.sampled_from(["payer", "date", "lines", "code", "minutes", "units", "modifiers", "plan_of_care", "start",
                         "end", "assistant_minutes", "allowed", "ytd_allowed", "note", "state", "claim_id"]),
        inner, max_size=6),
    max_leaves=20)


@SETTINGS
@given(JUNK)
def test_junk_is_an_input_error_never_a_traceback(junk):
    try:
        K.check(junk)
    except kb.InputError as err:
        assert err.field
    results = list(K.check_many([junk, {"payer": "checkpay", "date": "2026-03-02", "lines": [{"code": "97161"}]}]))
    assert len(results) == 2 and isinstance(results[1], CheckResult)


@SETTINGS
@given(st.lists(st.tuples(st.sampled_from(["97110", "97112", "97116", "97140", "97530", "97535"]),
                          st.integers(1, 40)), min_size=2, max_size=4, unique_by=lambda t: t[0]),
       st.sampled_from(["checkpay", "checkpay-listed-cap"]))
def test_every_allocation_a_tie_allows_is_accepted(pairs, payer):
    """Brute force: rank the timed codes in every order, count, and bill each answer; none is a mismatch."""
    import itertools

    from kb import units as unit_methods

    p = K.payer(payer, as_of=date(2026, 3, 2))
    minutes = dict(pairs)
    if not p.explain_units(minutes).tie_broken:
        return
    params, codes = p.unit_params(), sorted(minutes)
    for order in itertools.permutations(codes):
        label = {c: f"{k:05d}" for k, c in enumerate(order)}
        back = {v: c for c, v in label.items()}
        params_for = params if params.cap_codes is None else \
            type(params)(params.unit_minutes, params.minimum_minutes, params.daily_cap,
                         frozenset(label[c] for c in params.cap_codes if c in label))
        got = unit_methods.count(p.unit_method().method, {label[c]: m for c, m in minutes.items()},
                                 set(label.values()), params_for, {label["97530"]: 2} if "97530" in label else None)
        billed = {back[c]: u for c, u in got.units.items()}
        r = K.check(visit_of(payer, [{"code": c, "minutes": m, "units": billed[c], "modifiers": ["GP"]}
                                     for c, m in minutes.items()]))
        assert "units.mismatch" not in r.rules, (billed, str(r))


def visit_of(payer: str, lines: list[dict]) -> dict:
    return {"payer": payer, "date": "2026-03-02", "plan_of_care": "PT", "lines": lines}


FRAGMENTS = ["PNF", "pnf", "Perturbation", "one-on-one", "1:1", "Tolerated", "goal", "POC", "Berg 45/56", "8 sec",
             "stroke", "I69.351", "cueing", "x", " ", ".", "20 min", "09:00-09:20", "Ther Ex", "ROM", "ÄÖ", "İ"]


@SETTINGS
@given(st.lists(st.sampled_from(FRAGMENTS), max_size=12).map(" ".join))
def test_documentation_lookup_matches_the_patterns(note):
    """The fast lookup (one search of the note with denied and planned words masked, kb/check/notes.py) finds
    exactly what the definition finds: some match of some pattern, tried one pattern at a time over the expanded
    note, that starts on a word neither denied nor (unless the element is a goal) planned, and lies inside no match
    of the element's exclude patterns. (Before the note matcher, the definition was a plain search of each pattern.)"""
    from kb.check.notes import PreparedNote, compile_any

    p = SHIPPED.payer("medicare", as_of=date(2026, 3, 2))
    prepared = PreparedNote(note)
    for code in ("97112", "97110", "97032"):
        rule = p.code_rule(code)
        checked = SHIPPED.check({"payer": "medicare", "date": "2026-03-02", "plan_of_care": "PT", "note": note,
                                 "lines": [{"code": code, "minutes": 20, "modifiers": ["GP"]}]})
        missing = {f.basis.rsplit(".", 1)[-1] for f in checked.findings if f.rule == "documentation.missing-element"}
        expected = set()
        for d in rule.documentation:
            excluded = [m.span() for x in d.get("exclude") or () for m in compile_any([x]).finditer(prepared.full)]
            shown = any(
                not prepared.negated[m.start()] and (d.get("future") or not prepared.planned[m.start()])
                and m.end() > m.start() and not any(a <= m.start() and m.end() <= b for a, b in excluded)
                for pattern in d["match"] for m in compile_any([pattern]).finditer(prepared.full))
            if not shown:
                expected.add(d["id"])
        assert missing == expected
