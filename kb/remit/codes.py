"""Predicted remittance codes per finding id, read from the compiled model (policies/remittance.yaml).

A payer's prediction is its own entry under `payers`, else its nearest ancestor's (along `extends`), else the
finding's default entry. Every prediction carries its sources, evidence grade and notes, and says when it was
`inferred` from the X12 code definitions alone.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from kb.model import Source


@dataclass(frozen=True)
class RemitCodes:
    """One set of codes sent together on a line: group code, CARC, RARCs, and when this set applies."""

    group: str
    carc: str
    rarc: tuple[str, ...] = ()
    when: str = ""

    def __str__(self) -> str:
        text = f"{self.group}-{self.carc}" + "".join(f" {r}" for r in self.rarc)
        return text + (f" ({self.when})" if self.when else "")

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"group": self.group, "carc": self.carc, "rarc": list(self.rarc)}
        if self.when:
            out["when"] = self.when
        return out


@dataclass(frozen=True)
class Prediction:
    """What a payer is expected to send for one finding: code sets (expected first), or no adjustment."""

    finding: str
    payer: str  # the payer asked about
    declared_for: str  # 'default' or the payer whose entry applies (the payer itself or an ancestor)
    codes: tuple[RemitCodes, ...]
    sources: tuple[Source, ...]
    evidence: str
    notes: str = ""
    inferred: bool = False

    @property
    def no_adjustment(self) -> bool:
        return not self.codes

    def __str__(self) -> str:
        if not self.codes:
            return "no adjustment expected"
        return " or ".join(map(str, self.codes)) + (" (inferred)" if self.inferred else "")

    def to_dict(self) -> dict[str, Any]:
        from kb.check.result import source_dict

        return {"finding": self.finding, "payer": self.payer, "declared_for": self.declared_for,
                "codes": [c.to_dict() for c in self.codes], "no_adjustment": self.no_adjustment,
                "inferred": self.inferred, "evidence": self.evidence, "notes": self.notes,
                "sources": [source_dict(s) for s in self.sources]}


class RemittanceTable:
    """The compiled remittance entries, with each payer's lineage to resolve per-payer answers."""

    def __init__(self, entries: Mapping[str, dict[str, Any]], lineages: Mapping[str, Sequence[str]]):
        self.entries = entries
        self.lineages = lineages
        self._cache: dict[tuple[str, str], Prediction | None] = {}

    @classmethod
    def from_model(cls, model: Mapping[str, Any]) -> RemittanceTable:
        lineages = {pid: tuple(p.get("lineage") or (pid,)) for pid, p in model.get("payers", {}).items()}
        return cls(model.get("remittance") or {}, lineages)

    def findings(self) -> list[str]:
        """The finding ids that have an entry."""
        return sorted(self.entries)

    def predict(self, finding: str, payer: str) -> Prediction | None:
        """The prediction for a finding under a payer; None when the finding has no entry."""
        key = (finding, payer)
        if key not in self._cache:
            self._cache[key] = self._predict(finding, payer)
        return self._cache[key]

    def _predict(self, finding: str, payer: str) -> Prediction | None:
        entry = self.entries.get(finding)
        if entry is None:
            return None
        own = {p["payer"]: p for p in entry.get("payers", [])}
        for ancestor in self.lineages.get(payer, (payer,)):
            if ancestor in own:
                return _prediction(finding, payer, ancestor, own[ancestor])
        return _prediction(finding, payer, "default", entry)

    def explaining(self, carc: str, rarcs: Iterable[str], payer: str) -> list[tuple[Prediction, RemitCodes, int]]:
        """The findings whose predicted codes for this payer match a CARC (and RARCs) an 835 sent, best first:
        (prediction, matching code set, score) where the score counts the RARCs that match too."""
        rarc_set = set(rarcs)
        out = []
        for finding in self.entries:
            pred = self.predict(finding, payer)
            if pred is None:
                continue
            best: tuple[RemitCodes, int] | None = None
            for codes in pred.codes:
                if codes.carc != carc:
                    continue
                score = len(set(codes.rarc) & rarc_set)
                if best is None or score > best[1]:
                    best = (codes, score)
            if best is not None:
                out.append((pred, best[0], best[1]))
        out.sort(key=lambda t: (-t[2], t[1].when != "", t[0].inferred, t[0].finding))
        return out


def _prediction(finding: str, payer: str, declared_for: str, data: Mapping[str, Any]) -> Prediction:
    codes = tuple(RemitCodes(c["group"], c["carc"], tuple(c.get("rarc", ())), c.get("when", ""))
                  for c in data.get("codes", ()))
    return Prediction(finding, payer, declared_for, codes, tuple(Source.from_dict(s) for s in data["sources"]),
                      data["evidence"], " ".join(str(data.get("notes", "")).split()), bool(data.get("inferred")))
