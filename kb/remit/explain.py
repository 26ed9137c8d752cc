"""An 835 explained: for every adjusted or denied service line, the knowledge-base rules that explain the codes
the payer sent, with the fix and the sources; codes the knowledge base cannot explain are listed as such.

The codes are matched against the predicted remittance codes of every finding (policies/remittance.yaml, for the
payer the 835 names). The claim is then re-checked: from the 837 when one is given (`claims`, with its minutes
sidecar), otherwise from the 835's own lines (codes, modifiers and units submitted, without minutes). A finding
that fires on the line is *confirmed*, with its message, fix and the sources of the rule behind it; matching
findings that do not fire are kept as *possible* explanations only when none is confirmed.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kb.check.result import CheckResult, Finding, source_dict
from kb.claims import Claim, ClaimSource
from kb.model import Source
from kb.remit.codes import Prediction, RemitCodes
from kb.remit.era import Adjustment, RemitClaim, RemitLine, read_remittance

if TYPE_CHECKING:
    from kb.knowledge import KnowledgeBase


@dataclass(frozen=True)
class Reason:
    """A knowledge-base rule that explains an adjustment."""

    finding: str
    confirmed: bool  # the re-checked claim raises this finding on the line
    codes: RemitCodes  # the predicted code set that matches what the payer sent
    prediction: Prediction
    summary: str  # what the finding means (the checker's registry)
    message: str = ""  # the finding as raised on this line (confirmed only)
    fix: str = ""
    sources: tuple[Source, ...] = ()  # the rule's sources (confirmed), else the prediction's
    basis: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"finding": self.finding, "confirmed": self.confirmed, "matched_codes": self.codes.to_dict(),
                "summary": self.summary, "message": self.message, "fix": self.fix,
                "sources": [source_dict(s) for s in self.sources], "basis": self.basis,
                "remittance": self.prediction.to_dict()}


@dataclass(frozen=True)
class AdjustmentExplained:
    """One adjustment of a line (CAS), the line's remark codes, and the rules that explain it (none: unexplained)."""

    adjustment: Adjustment
    remarks: tuple[str, ...]
    reasons: tuple[Reason, ...]

    @property
    def explained(self) -> bool:
        return bool(self.reasons)

    def to_dict(self) -> dict[str, Any]:
        a = self.adjustment
        return {"group": a.group, "carc": a.carc, "amount": a.amount, "rarc": list(self.remarks),
                "explained": self.explained, "reasons": [r.to_dict() for r in self.reasons]}


@dataclass(frozen=True)
class LineExplained:
    """One adjusted or denied service line of the 835 and its adjustments explained."""

    claim_id: str
    line: RemitLine
    adjustments: tuple[AdjustmentExplained, ...]
    checked_from: str  # '837' or '835': what the claim was re-checked from

    def to_dict(self) -> dict[str, Any]:
        ln = self.line
        return {"claim_id": self.claim_id, "code": ln.code, "modifiers": list(ln.modifiers),
                "date": ln.date.isoformat() if ln.date else None, "charge": ln.charge, "paid": ln.paid,
                "units_paid": ln.units, "units_billed": ln.billed_units, "control_number": ln.control_number,
                "segment": ln.position, "checked_from": self.checked_from,
                "adjustments": [a.to_dict() for a in self.adjustments]}


@dataclass
class RemitExplanation:
    """The explanation of one 835."""

    payer: str | None
    payer_name: str | None
    lines: list[LineExplained] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def unexplained(self) -> list[tuple[LineExplained, AdjustmentExplained]]:
        """Every adjustment the knowledge base cannot explain, with its line."""
        return [(ln, a) for ln in self.lines for a in ln.adjustments if not a.explained]

    def __str__(self) -> str:
        who = self.payer or "payer not mapped"
        out = [f"835 from {self.payer_name or '?'} ({who}): {len(self.lines)} adjusted or denied line"
               f"{'s' if len(self.lines) != 1 else ''}"]
        out += [f"  PROBLEM {p}" for p in self.problems]
        for ln in self.lines:
            r = ln.line
            day = r.date.isoformat() if r.date else "?"
            out.append(f"claim {ln.claim_id} · {r.code}{''.join(' ' + m for m in r.modifiers)} · {day} · "
                       f"billed ${r.charge:,.2f}, paid ${r.paid:,.2f}"
                       + (f" · line {r.control_number}" if r.control_number else ""))
            for a in ln.adjustments:
                codes = str(a.adjustment) + "".join(f" {x}" for x in a.remarks)
                if not a.reasons:
                    out.append(f"  {codes}: NOT EXPLAINED by the knowledge base")
                    continue
                for reason in a.reasons:
                    state = "confirmed" if reason.confirmed else "possible"
                    out.append(f"  {codes}: {reason.finding} ({state}; re-checked from the {ln.checked_from})")
                    out.append(f"      {reason.message or reason.summary}")
                    if reason.fix:
                        out.append(f"      fix: {reason.fix}")
                    out += [f"      source: {s}" for s in reason.sources]
                    pred = reason.prediction
                    if reason.confirmed:  # the rule's sources above; say where the code mapping comes from
                        out.append(f"      codes {reason.codes} predicted ({pred.declared_for} entry, {pred.evidence}"
                                   f"{', inferred' if pred.inferred else ''}) by: "
                                   + "; ".join(s.title for s in pred.sources))
        n = len(self.unexplained)
        out.append(f"=> {n} adjustment{'s' if n != 1 else ''} the knowledge base cannot explain" if n
                   else "=> every adjustment explained")
        return "\n".join(out)

    def to_dict(self) -> dict[str, Any]:
        return {"payer": self.payer, "payer_name": self.payer_name, "problems": list(self.problems),
                "lines": [ln.to_dict() for ln in self.lines], "unexplained": len(self.unexplained)}


def explain_remittance(k: KnowledgeBase, era: str | Path, claims: Any = None, payer_map: Any = None,
                       payer: str | None = None) -> RemitExplanation:
    """Explain every adjusted or denied service line of an 835 (a path or X12 text); see the module docstring.
    `claims` is the 837 the 835 answers (a path or a ClaimSource); `payer_map`/`payer` map the 835's payer."""
    remit = read_remittance(Path(era) if isinstance(era, str | Path) and _is_path(era) else era)
    source = claims if isinstance(claims, ClaimSource) or claims is None else ClaimSource(claims, payer_map=payer_map,
                                                                                        payer=payer)
    mapper = ClaimSource(Path("."), payer_map=payer_map, payer=payer)._payers(k)
    out = RemitExplanation(mapper.resolve(remit.payer_id, remit.payer_name, None), remit.payer_name,
                           problems=[str(p) for p in remit.problems])
    claimed = {c.claim_id: c for c in source.claims(k) if isinstance(c, Claim)} if source is not None else {}
    table = k.remittance_table
    from kb.check.registry import findings

    declared = findings()
    for claim in remit.claims:
        adjusted = [ln for ln in claim.lines if ln.adjusted or (claim.adjustments and not ln.paid)]
        if not claim.lines and claim.adjustments:  # adjusted at the claim level only (no service lines sent back)
            adjusted = [RemitLine("", (), claim.charge, claim.paid, None, None, None, (), (), claim.position)]
        if not adjusted:
            continue
        sent = claimed.get(claim.claim_id)
        # the claim's payer: as the 837 mapped it, else the 835's payer (and the claim's filing indicator, CLP06)
        mapped = sent.payer if sent is not None and sent.payer else mapper.resolve(
            remit.payer_id, remit.payer_name, claim.filing_indicator)
        if mapped is None:
            out.problems.append(f"claim {claim.claim_id}: payer {remit.payer_name!r} (id {remit.payer_id}) is not "
                                "mapped to a knowledge-base payer (give --payer-map or --payer): explained by the "
                                "default predictions, not re-checked")
        elif out.payer is None:
            out.payer = mapped
        results, checked_from = _recheck(k, claim, sent, mapped, out.problems)
        for ln in adjusted:
            found = _findings_on(results, ln)
            explained = []
            for adj in ln.adjustments or claim.adjustments:
                remarks = (*ln.remarks, *claim.remarks)
                matches = table.explaining(adj.carc, remarks, mapped or "")
                matches = [m for m in matches if m[1].group == adj.group] or matches
                reasons = [_reason(pred, codes, found.get(pred.finding), declared) for pred, codes, _ in matches]
                confirmed = [r for r in reasons if r.confirmed]
                explained.append(AdjustmentExplained(adj, remarks, tuple(confirmed or reasons)))
            out.lines.append(LineExplained(claim.claim_id, ln, tuple(explained), checked_from))
    return out


def _is_path(value: Any) -> bool:
    return isinstance(value, Path) or (isinstance(value, str) and "~" not in value[:200] and len(value) < 4096)


def _reason(pred: Prediction, codes: RemitCodes, finding: Finding | None, declared: dict[str, Any]) -> Reason:
    summary = declared[pred.finding].summary if pred.finding in declared else ""
    if finding is None:
        return Reason(pred.finding, False, codes, pred, summary, sources=pred.sources)
    return Reason(pred.finding, True, codes, pred, summary, finding.message, finding.fix,
                  finding.sources or pred.sources, finding.basis)


def _recheck(k: KnowledgeBase, claim: RemitClaim, sent: Claim | None, payer: str | None,
             problems: list[str]) -> tuple[list[tuple[CheckResult, list[tuple[str | None, str, date | None]]]], str]:
    """Check the claim's visits: from the 837 claim when given, else from the 835 lines. Each result comes with the
    (control number, code, date) of its lines, to find the 835 line in it."""
    if payer is None:
        return [], "835"
    Key = list[tuple[str | None, str, date | None]]
    visits: list[dict[str, Any]]
    keyed: list[Key]
    if sent is not None:
        visits = [v for v in sent.visits() if isinstance(v, dict)]
        keyed = [[(ln.control_number, ln.code, ln.date) for ln in sent.lines if ln.date == v["date"]]
                 for v in visits]
        origin = "837"
    else:
        by_day: dict[date | None, list[RemitLine]] = {}
        for ln in claim.lines:
            by_day.setdefault(ln.date, []).append(ln)
        visits = [{"claim_id": claim.claim_id, "payer": payer, "date": day, "lines": [
            {"code": ln.code, "modifiers": list(ln.modifiers), "units": ln.billed_units} for ln in lines]}
            for day, lines in by_day.items() if day is not None]
        keyed = [[(ln.control_number, ln.code, ln.date) for ln in by_day[v["date"]]] for v in visits]
        origin = "835"
    out: list[tuple[CheckResult, Key]] = []
    for visit, keys in zip(visits, keyed, strict=True):
        try:
            out.append((k.check(visit), keys))
        except Exception as err:  # a claim the checker cannot read: its lines stay unconfirmed
            from kb.problems import KBError

            if not isinstance(err, KBError):
                raise
            problems.append(f"claim {claim.claim_id}: not re-checked: {err}")
    return out, origin


def _findings_on(results: Iterable[tuple[CheckResult, list[tuple[str | None, str, date | None]]]],
                 ln: RemitLine) -> dict[str, Finding]:
    """The findings the re-check raised on the 835 line (matched by line control number, else code and date)."""
    out: dict[str, Finding] = {}
    for result, keys in results:
        index = next((i for i, (ctl, _, _) in enumerate(keys) if ctl and ctl == ln.control_number), None)
        if index is None:
            index = next((i for i, (_, code, day) in enumerate(keys) if code == ln.code and day == ln.date), None)
        if index is None:
            continue
        for f in result.findings:
            if index in f.lines:
                out.setdefault(f.rule, f)
    return out
