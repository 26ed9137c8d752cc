"""Claims in the formats billing systems speak, mapped to the checker's visits.

    import kb
    from kb.claims import ClaimSource
    k = kb.load()
    for result in k.check_many(Path("claims.837")):          # X12 837P/837I, detected by content
        ...
    k.check_many(ClaimSource("claims.837", minutes="claims.minutes.csv", payer_map="payers.csv"))
    k.check_many(Path("claim.fhir.json"))                      # a FHIR R4B Claim, or a Bundle of Claims

An 837 carries units, not minutes: minutes come from a sidecar file (CSV or JSON by claim id and line number; by
default `<file stem>.minutes.csv` or `.minutes.json` beside the claim file when one exists), from the line note
(`NTE*ADD*MINUTES 24`) or, for FHIR, from the line extension `MINUTES_EXTENSION`. The payer is mapped from the
payer id or name the claim names (see `PayerMap`).
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kb.claims.model import Claim, ClaimLine, Minutes, PayerMap, minutes_in_note
from kb.problems import InputError

if TYPE_CHECKING:
    from kb.check.context import RuleBase

__all__ = ["CLAIM_FORMATS", "Claim", "ClaimLine", "ClaimSource", "Minutes", "PayerMap", "minutes_in_note", "sniff",
           "sniff_text"]

SNIFF_BYTES = 4096


def sniff(path: str | os.PathLike[str]) -> str | None:
    """'x12' or 'fhir' when the file holds an X12 interchange or a FHIR Claim/Bundle; None otherwise."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(SNIFF_BYTES).decode("utf-8", errors="replace")
    except OSError:
        return None
    return sniff_text(head)


def sniff_text(text: str) -> str | None:
    """'x12' or 'fhir' when the text (its first SNIFF_BYTES are read) is an X12 interchange or a FHIR Claim/Bundle;
    None otherwise. What `sniff` reads from a file, for text from elsewhere (standard input)."""
    head = text[:SNIFF_BYTES].lstrip("\ufeff \r\n\t")
    if head[:3] == "ISA":
        return "x12"
    if head[:1] == "{" and '"resourceType"' in head:
        return "fhir"
    return None


CLAIM_FORMATS = ("x12", "fhir")


@dataclass(frozen=True)
class ClaimSource:
    """A claim file (X12 837P/837I or FHIR) with how to read it: the minutes sidecar, the payer map, or one payer
    for every claim. Give it to `k.check_many()`; a plain path of such a file works too (defaults).

    `text` holds the claims when they come from elsewhere than a file (standard input; `path` then only names
    them); `format` ('x12' or 'fhir') says what they are instead of their content."""

    path: Path
    minutes: Minutes | str | os.PathLike[str] | None = None
    payer_map: PayerMap | Mapping[str, str] | str | os.PathLike[str] | None = None
    payer: str | None = None
    text: str | None = None
    format: str | None = None

    def __init__(self, path: str | os.PathLike[str], minutes: Any = None, payer_map: Any = None,
                 payer: str | None = None, text: str | None = None, format: str | None = None):
        if format is not None and format not in CLAIM_FORMATS:
            raise InputError(f"a claim format is one of {', '.join(CLAIM_FORMATS)}, not {format!r}", "format")
        object.__setattr__(self, "path", Path(path))
        object.__setattr__(self, "minutes", minutes)
        object.__setattr__(self, "payer_map", payer_map)
        object.__setattr__(self, "payer", payer)
        object.__setattr__(self, "text", text)
        object.__setattr__(self, "format", format)

    def kind(self) -> str:
        kind = self.format or (sniff(self.path) if self.text is None else sniff_text(self.text))
        if kind is None:
            if self.text is None and not self.path.is_file():
                raise InputError(f"no such file: {self.path}", "file")
            raise InputError(f"{self.path} is neither an X12 837 (starts with ISA) nor a FHIR Claim (JSON with "
                             "resourceType)", "file")
        return kind

    def claims(self, kb: RuleBase | None = None) -> Iterator[Claim | Any]:
        """The mapped claims (and, for X12, a VisitError per problem outside any claim)."""
        from kb.check.result import VisitError

        payers = self._payers(kb)
        minutes = self._minutes()
        source: str | Path = self.path if self.text is None else self.text
        if self.kind() == "x12":
            from kb.claims.x12 import read_claims

            found = read_claims(source, payers, minutes)
            for p in found.problems:
                yield VisitError(str(p), "x12")
            yield from found.claims
        else:
            from kb.claims.fhir import read_claims as read_fhir  # type: ignore[import-untyped,import-not-found,unused-ignore]

            yield from read_fhir(source, payers, minutes)

    def visits(self, kb: RuleBase | None = None) -> Iterator[Any]:
        """The visits for the checker: one per claim and date of service, a VisitError per bad claim."""
        for item in self.claims(kb):
            yield from (item.visits() if isinstance(item, Claim) else [item])

    def _payers(self, kb: RuleBase | None) -> PayerMap:
        known = frozenset(kb.payers()) if kb is not None else frozenset()
        if self.payer is not None and known and self.payer not in known:
            raise InputError(f"unknown payer {self.payer!r}; known payers: {', '.join(sorted(known))}", "payer")
        given = self.payer_map
        if isinstance(given, PayerMap):
            base = given
        elif isinstance(given, Mapping):
            base = PayerMap({" ".join(str(k).upper().split()): v for k, v in given.items()}, None, known)
        elif given is not None:
            base = PayerMap.read(Path(given), known)
        else:
            base = PayerMap(known=known)
        return PayerMap(base.entries, self.payer or base.force, known or base.known)

    def _minutes(self) -> Minutes | None:
        given = self.minutes
        if isinstance(given, Minutes):
            return given
        if given is not None:
            return Minutes.read(Path(given))
        if self.text is not None:  # no file, so no sidecar beside it
            return None
        for suffix in (".minutes.csv", ".minutes.json"):
            beside = self.path.with_name(self.path.stem + suffix)
            if beside.is_file():
                return Minutes.read(beside)
        return None


def claim_input(visits: Any) -> ClaimSource | None:
    """The ClaimSource for what check_many() was given, when it is a claim file (X12 or FHIR); else None."""
    if isinstance(visits, ClaimSource):
        return visits
    if isinstance(visits, os.PathLike) and sniff(visits) is not None:
        return ClaimSource(visits)
    return None
