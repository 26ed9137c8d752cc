"""The answers the MCP server gives, as plain data: every one dated, sourced and with a status.

`status` tells apart what a tool user must never confuse:

- `found`: the knowledge base has a rule for the question (it is in `answer`, with its dates and `sources`);
- `clean`: the knowledge base has data of this kind for the payer on the date, and nothing applies (no bundling
  edit for the pair, no MUE for the code, no finding for the visit);
- `findings`: the visit has findings (check);
- `no-data`: the knowledge base holds no data of this kind for this payer on this date (an unknown payer, a date
  outside every policy period, a payer with no bundling or MUE data) — not a sign that all is well;
- `invalid`: the question itself is malformed (`problems` lists every problem at once).

These functions need only the core package; kb/mcp_server.py exposes them over MCP.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterable, Mapping
from datetime import date
from pathlib import Path
from typing import Any

from kb import __version__
from kb.check import contracts
from kb.check.result import source_dict
from kb.knowledge import KnowledgeBase
from kb.model import Rule, Source, plain
from kb.payer import PayerView
from kb.problems import InputError, KBError, QueryError

NOT_ADVICE = ("Not billing advice: every rule names its source; when the source and this answer disagree, the source "
              "wins.")


def envelope(k: KnowledgeBase, status: str, summary: str, *, payer: str | None = None, as_of: date | str | None = None,
             state: str | None = None, answer: Any = None, sources: Iterable[Source] = (),
             problems: Iterable[str] = ()) -> dict[str, Any]:
    """One answer: status, a sentence, the payer and date it is for, the knowledge base it comes from, the
    answer, and the sources (each once)."""
    seen: dict[tuple[Any, ...], dict[str, Any]] = {}
    for s in sources:
        seen.setdefault((s.title, s.url, s.document, s.section), source_dict(s))
    out: dict[str, Any] = {
        "status": status,
        "summary": summary,
        "payer": payer,
        "as_of": as_of.isoformat() if isinstance(as_of, date) else as_of,
        "state": state,
        "knowledge_base": {"content_hash": k.content_hash, "kb_version": __version__},
        "answer": answer,
        "sources": list(seen.values()),
        "note": NOT_ADVICE,
    }
    if problems:
        out["problems"] = list(problems)
    return out


def _day(value: Any) -> date:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise InputError(f"{value!r} is not a date (YYYY-MM-DD)", "date") from None


def _view(k: KnowledgeBase, payer: str, day: Any, state: str | None) -> tuple[PayerView | None, dict[str, Any] | None]:
    """The payer's view on the date, or the answer to give instead (no-data for an unknown payer or a date outside
    every policy period, invalid for a malformed date or state)."""
    try:
        as_of = _day(day)
    except InputError as err:
        return None, envelope(k, "invalid", str(err), payer=payer, as_of=str(day), state=state, problems=[str(err)])
    if k.payer_rules(payer) is None:
        return None, envelope(k, "no-data", f"The knowledge base has no payer {payer!r}; known payers: "
                              f"{', '.join(k.payers())}.", payer=payer, as_of=as_of, state=state)
    try:
        view = k.payer(payer, as_of=as_of, state=state)
        view.unit_method()
    except InputError as err:
        return None, envelope(k, "invalid", str(err), payer=payer, as_of=as_of, state=state, problems=[str(err)])
    except QueryError:
        return None, envelope(k, "no-data", f"{payer} has no rules in force on {as_of.isoformat()} in the knowledge "
                              "base: it cannot say anything about that date.", payer=payer, as_of=as_of, state=state)
    return view, None


def _rule(rule: Rule) -> dict[str, Any]:
    data = rule.to_dict()
    data["inherited"] = rule.inherited
    return data


def _code(k: KnowledgeBase, code: str) -> str | None:
    """The code normalised, or None when the catalogue does not know it."""
    code = str(code).strip().upper()
    return code if code in k.catalogue.codes else None


def units(k: KnowledgeBase, payer: str, day: str, minutes: Mapping[str, int],
          state: str | None = None) -> dict[str, Any]:
    """The units a payer's method gives a visit's minutes per code, every step, and the rule with its source."""
    view, refusal = _view(k, payer, day, state)
    if view is None:
        return refusal  # type: ignore[return-value]
    try:
        explained = view.explain_units({str(c).strip().upper(): m for c, m in minutes.items()})
    except KBError as err:
        return envelope(k, "invalid", str(err), payer=payer, as_of=view.as_of, state=state, problems=[str(err)])
    rule = explained.rule
    return envelope(k, "found", f"{view.name} counts {', '.join(f'{c} x{u}' for c, u in explained.units.items())} "
                    f"by the {rule.method} method.", payer=payer, as_of=view.as_of, state=state,
                    answer={"units": explained.units, "steps": list(explained.steps),
                            "tie_broken": explained.tie_broken, "method": rule.method, "rule": _rule(rule)},
                    sources=rule.sources)


def ptp(k: KnowledgeBase, payer: str, day: str, code_a: str, code_b: str, state: str | None = None) -> dict[str, Any]:
    """The NCCI procedure-to-procedure edit in force between two codes for a payer on a date."""
    view, refusal = _view(k, payer, day, state)
    if view is None:
        return refusal  # type: ignore[return-value]
    a, b = _code(k, code_a), _code(k, code_b)
    unknown = [str(c) for c, n in ((code_a, a), (code_b, b)) if n is None]
    if unknown:
        return envelope(k, "no-data", f"The code catalogue does not hold {' or '.join(unknown)}: no bundling data.",
                        payer=payer, as_of=view.as_of, state=state)
    assert a is not None and b is not None
    edit = view.ptp(a, b)
    if edit is not None:
        return envelope(k, "found", f"{edit.column1} bundles {edit.column2} for {view.name} on "
                        f"{view.as_of.isoformat()} (modifier indicator {edit.modifier_indicator}).", payer=payer,
                        as_of=view.as_of, state=state, answer=_rule(edit), sources=edit.sources)
    rules = k.payer_rules(payer)
    if not view.rules("ptp_edits") and (rules is None or rules.bulk_ptp is None):
        return envelope(k, "no-data", f"The knowledge base holds no bundling (PTP) edits for {view.name} on "
                        f"{view.as_of.isoformat()}: it cannot say whether {a} and {b} are bundled.", payer=payer,
                        as_of=view.as_of, state=state)
    return envelope(k, "clean", f"No bundling edit between {a} and {b} is in force for {view.name} on "
                    f"{view.as_of.isoformat()} in the knowledge base's PTP data.", payer=payer, as_of=view.as_of,
                    state=state)


def mue(k: KnowledgeBase, payer: str, day: str, code: str, state: str | None = None) -> dict[str, Any]:
    """The medically unlikely edit (MUE) in force for a code."""
    view, refusal = _view(k, payer, day, state)
    if view is None:
        return refusal  # type: ignore[return-value]
    c = _code(k, code)
    if c is None:
        return envelope(k, "no-data", f"The code catalogue does not hold {code}: no MUE data.", payer=payer,
                        as_of=view.as_of, state=state)
    edit = view.mue(c)
    if edit is not None:
        return envelope(k, "found", f"MUE for {c}: {edit.value} (MAI {edit.mai}) for {view.name} on "
                        f"{view.as_of.isoformat()}.", payer=payer, as_of=view.as_of, state=state,
                        answer=_rule(edit), sources=edit.sources)
    rules = k.payer_rules(payer)
    tables = [t for t in (rules.bulk_mue if rules else []) if t.effective_from <= view.as_of]
    if not view.rules("mues") and not tables:
        return envelope(k, "no-data", f"The knowledge base holds no MUE data for {view.name} on "
                        f"{view.as_of.isoformat()}.", payer=payer, as_of=view.as_of, state=state)
    return envelope(k, "clean", f"No MUE for {c} is in force for {view.name} on {view.as_of.isoformat()} in the "
                    "knowledge base's MUE data.", payer=payer, as_of=view.as_of, state=state)


def code_rules(k: KnowledgeBase, payer: str, day: str, code: str, state: str | None = None) -> dict[str, Any]:
    """Everything a payer's rules say about a code on a date: timed or not, coverage, its code rule (daily cap,
    documentation), MUE, the modifier rules for a line of it and the bundling edits naming it."""
    view, refusal = _view(k, payer, day, state)
    if view is None:
        return refusal  # type: ignore[return-value]
    c = _code(k, code)
    if c is None:
        return envelope(k, "no-data", f"The code catalogue does not hold {code}.", payer=payer, as_of=view.as_of,
                        state=state)
    info = view.code(c)
    partners = view.ptp_partners(c)
    rules: list[Rule] = [r for r in (info.rule, info.mue, *info.modifier_rules, *partners) if r is not None]
    answer = {
        "code": c, "summary": info.summary, "timed": info.timed, "unit_minutes": info.unit_minutes,
        "family": info.family, "covered": info.covered, "one_on_one": info.one_on_one,
        "code_rule": _rule(info.rule) if info.rule else None, "mue": _rule(info.mue) if info.mue else None,
        "modifier_rules": [_rule(r) for r in info.modifier_rules], "ptp_edits": [_rule(e) for e in partners],
        "catalogue_sources": [source_dict(s) for s in info.sources],
    }
    sources = [s for r in rules for s in r.sources] + list(info.sources)
    return envelope(k, "found", f"{c} under {view.name} on {view.as_of.isoformat()}: "
                    f"{'timed' if info.timed else 'untimed'}, {'covered' if info.covered else 'not covered'}, "
                    f"{len(info.modifier_rules)} modifier rule(s), {len(partners)} bundling edit(s).",
                    payer=payer, as_of=view.as_of, state=state, answer=answer, sources=sources)


def check(k: KnowledgeBase, visit: Any) -> dict[str, Any]:
    """Check one visit (schema/visit.schema.json): every problem of the input at once, else the result."""
    payer = visit.get("payer") if isinstance(visit, Mapping) else None
    day = visit.get("date") if isinstance(visit, Mapping) else None
    state = visit.get("state") if isinstance(visit, Mapping) else None
    problems = contracts.problems(contracts.VISIT_FILE, visit)
    if problems:
        return envelope(k, "invalid", f"The visit does not match schema/visit.schema.json ({len(problems)} "
                        "problem(s)).", payer=payer if isinstance(payer, str) else None,
                        as_of=day if isinstance(day, str) else None, problems=problems)
    view, refusal = _view(k, payer, day, state)  # type: ignore[arg-type]
    if view is None:
        return refusal  # type: ignore[return-value]
    try:
        result = k.check(visit)
    except InputError as err:
        return envelope(k, "invalid", str(err), payer=payer, as_of=view.as_of, state=state, problems=[str(err)])
    sources = [*view.unit_method().sources, *(s for f in result.findings for s in f.sources)]
    counts = {s: len(result.by_severity(s)) for s in ("error", "warning", "info")}
    if result.findings:
        summary = (f"{'Will be denied or rejected' if not result.ok else 'Payable'}: "
                   + ", ".join(f"{n} {s}(s)" for s, n in counts.items() if n) + ".")
    else:
        summary = "No findings: the visit follows every rule the knowledge base holds for the payer on this date."
    if result.skipped:
        summary += f" Not checked without minutes: {', '.join(result.skipped)}."
    return envelope(k, "findings" if result.findings else "clean", summary, payer=payer, as_of=view.as_of,
                    state=state, answer=result.to_dict(), sources=sources)


def finding_kinds(k: KnowledgeBase, payer: str | None = None) -> dict[str, Any]:
    """Every finding id the checker can raise (the registry): severities, meaning, the check that raises it and
    whether it needs minutes; with a payer, the remittance codes that payer is expected to answer each with."""
    from kb.check.registry import findings

    if payer is not None and k.payer_rules(payer) is None:
        return envelope(k, "no-data", f"The knowledge base has no payer {payer!r}; known payers: "
                        f"{', '.join(k.payers())}.", payer=payer)
    kinds, sources = [], []
    for kind in findings().values():
        item: dict[str, Any] = {"id": kind.id, "severities": list(kind.severities), "summary": kind.summary,
                                "check": kind.check, "needs_minutes": kind.needs_minutes}
        if payer is not None:
            predicted = k.remittance(kind.id, payer)
            item["remittance"] = predicted.to_dict() if predicted is not None else None
            sources += list(predicted.sources) if predicted is not None else []
        kinds.append(item)
    return envelope(k, "found", f"{len(kinds)} finding ids" + (f", with {payer}'s expected remittance codes." if payer
                                                               else "."),
                    payer=payer, answer=kinds, sources=sources)


MAX_X12 = 5_000_000  # characters of 835 or 837 text one call may send


def explain_remittance(k: KnowledgeBase, era: str, payer: str | None = None,
                       claims: str | None = None) -> dict[str, Any]:
    """An X12 835 explained (kb/remit/explain.py): for every adjusted or denied line, the rules whose predicted
    codes match what the payer sent (confirmed by re-checking the claim: from the 837 text when given, else from
    the 835's lines), with fixes and sources; codes the knowledge base cannot explain are listed as such."""
    from kb.remit.explain import explain_remittance as explain

    too_long = [name for name, text in (("era", era), ("claims", claims)) if text is not None and len(text) > MAX_X12]
    if too_long or not isinstance(era, str) or "~" not in era:
        why = (f"{', '.join(too_long)}: more than {MAX_X12} characters" if too_long
               else "era: give the X12 835 text itself (segments end with ~)")
        return envelope(k, "invalid", why, payer=payer, problems=[why])
    if payer is not None and k.payer_rules(payer) is None:
        return envelope(k, "no-data", f"The knowledge base has no payer {payer!r}; known payers: "
                        f"{', '.join(k.payers())}.", payer=payer)
    try:
        if claims is None:
            explained = explain(k, era, payer=payer)
        else:
            with tempfile.TemporaryDirectory(prefix="kb-mcp-") as folder:
                sent = Path(folder) / "claims.837"
                sent.write_text(claims, encoding="utf-8")
                explained = explain(k, era, claims=sent, payer=payer)
    except KBError as err:
        return envelope(k, "invalid", str(err), payer=payer, problems=[str(err)])
    answer = explained.to_dict()
    days = sorted(ln.line.date for ln in explained.lines if ln.line.date is not None)
    sources = [s for ln in explained.lines for a in ln.adjustments for r in a.reasons for s in r.sources]
    unexplained = len(explained.unexplained)
    if explained.payer is None:
        status, summary = "no-data", ("The 835's payer is not mapped to a knowledge-base payer (give `payer`): no "
                                      "rule can be confirmed for it.")
    elif not explained.lines:
        status, summary = "clean", "The 835 has no adjusted or denied service line."
    else:
        status = "found"
        summary = (f"{len(explained.lines)} adjusted or denied line(s); "
                   + (f"{unexplained} adjustment(s) the knowledge base cannot explain." if unexplained
                      else "every adjustment explained."))
    return envelope(k, status, summary, payer=explained.payer, as_of=days[0] if days else None, answer=answer,
                    sources=sources, problems=explained.problems)


def payer_summary(k: KnowledgeBase) -> list[dict[str, Any]]:
    """Every payer with its name, kind and what it extends (for the server's instructions and tests)."""
    out = []
    for pid in k.payers():
        rules = k.payer_rules(pid)
        assert rules is not None
        out.append(plain({"id": pid, "name": rules.data["name"], "kind": rules.data["kind"],
                          "extends": rules.data.get("extends")}))
    return out

