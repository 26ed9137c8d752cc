"""Which sources have not been checked for a while: documents whose `last_verified` is older than a cut-off."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from kb.rules import parse_date


@dataclass(frozen=True)
class StaleDocument:
    """A document not checked since `checked` (its last_verified, else the date it was read)."""

    id: str
    title: str
    url: str | None
    checked: date | None
    days: int | None  # since it was checked; None when no date is known
    cited_by: int

    def __str__(self) -> str:
        when = f"checked {self.checked.isoformat()} ({self.days} days ago)" if self.checked else "never checked"
        return f"{self.id}: {when}, cited by {self.cited_by} rule(s) — {self.title}" + (f" <{self.url}>" if self.url
                                                                                     else "")


def citations(model: dict[str, Any]) -> dict[str, int]:
    """How many rules, catalogue entries and examples cite each document."""
    counts: dict[str, int] = {}

    def walk(value: Any) -> None:
        if isinstance(value, dict) and value.get("inherited") is True:
            return  # a payer's copy of an inherited rule: counted once, where it is stated
        if isinstance(value, dict):
            for key, item in value.items():
                if key in ("sources", "fact_sources") and isinstance(item, list):
                    for src in item:
                        if isinstance(src, dict) and isinstance(src.get("doc"), str):
                            counts[src["doc"]] = counts.get(src["doc"], 0) + 1
                else:
                    walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    walk({k: v for k, v in model.items() if k != "documents"})
    return counts


def stale_documents(model: dict[str, Any], today: date, older_than_days: int) -> list[StaleDocument]:
    """Documents last checked more than `older_than_days` before `today`, the longest unchecked first."""
    cited = citations(model)
    limit = today - timedelta(days=older_than_days)
    out = []
    for ident, doc in model["documents"].items():
        checked = parse_date(doc.get("last_verified")) or parse_date(doc.get("read"))
        if checked is None or checked < limit:
            out.append(StaleDocument(ident, str(doc.get("title", ident)), doc.get("url"), checked,
                                     (today - checked).days if checked else None, cited.get(ident, 0)))
    return sorted(out, key=lambda d: (d.checked or date.min, d.id))
