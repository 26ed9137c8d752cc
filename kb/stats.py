"""What the knowledge base holds, counted from the compiled model: payers, codes, documents, rules by section and by
evidence grade (overall and without the bulk NCCI rows), and the rules still graded secondary — what to source next.

A rule is counted once, by the payer that states it (a child payer's inherited copy is not counted again).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from kb.rules import SECTIONS

GRADES = ("primary", "bulletin", "secondary")
# Sections that hold rows copied from CMS's bulk NCCI tables; they dwarf the hand-sourced rules.
BULK_SECTIONS = ("ptp_edits", "mues")
CHECKABLE = ("primary", "bulletin")  # grades that rest on the payer's or CMS's own text


@dataclass(frozen=True)
class SecondaryRule:
    """A rule graded secondary: where it is and what it cites now."""

    payer: str
    section: str
    key: str
    effective_from: str | None
    sources: tuple[str, ...]  # document ids (or titles of inline sources)

    def to_dict(self) -> dict[str, Any]:
        return {"payer": self.payer, "section": self.section, "id": self.key, "effective_from": self.effective_from,
                "sources": list(self.sources)}


@dataclass(frozen=True)
class Stats:
    """Counts over one compiled model; `grades` and `grades_without_bulk` map each grade to a number of rules."""

    payers: int
    codes: int
    documents: int
    rules: int
    by_section: dict[str, dict[str, int]]  # section -> grade -> rules
    removals: dict[str, int]  # grade -> `remove` entries (a payer dropping an inherited rule)
    secondary: tuple[SecondaryRule, ...] = field(default=())

    @property
    def grades(self) -> dict[str, int]:
        return _total(self.by_section.values())

    @property
    def grades_without_bulk(self) -> dict[str, int]:
        return _total(v for s, v in self.by_section.items() if s not in BULK_SECTIONS)

    def to_dict(self) -> dict[str, Any]:
        return {
            "payers": self.payers,
            "codes": self.codes,
            "documents": self.documents,
            "rules": self.rules,
            "grades": {**self.grades, "checkable_share": share(self.grades)},
            "grades_without_bulk": {**self.grades_without_bulk, "checkable_share": share(self.grades_without_bulk)},
            "bulk_sections": list(BULK_SECTIONS),
            "by_section": self.by_section,
            "removals": self.removals,
            "secondary": [r.to_dict() for r in self.secondary],
        }


def _total(groups: Any) -> dict[str, int]:
    out = dict.fromkeys(GRADES, 0)
    for grades in groups:
        for grade, n in grades.items():
            out[grade] = out.get(grade, 0) + n
    return out


def share(grades: dict[str, int]) -> float | None:
    """The fraction of rules graded primary or bulletin (None when there are no rules)."""
    total = sum(n for g, n in grades.items() if g in GRADES)
    return round(sum(grades.get(g, 0) for g in CHECKABLE) / total, 4) if total else None


def compute(model: dict[str, Any]) -> Stats:
    """Count a compiled model (as `kb compile` writes it)."""
    by_section: dict[str, Counter[str]] = {s: Counter() for s in SECTIONS}
    removals: Counter[str] = Counter()
    secondary = []
    for payer_id, payer in model["payers"].items():
        for section, rules in payer["rules"].items():
            for rule in rules:
                if rule.get("inherited"):
                    continue
                grade = str(rule.get("evidence"))
                by_section.setdefault(section, Counter())[grade] += 1
                if grade == "secondary":
                    secondary.append(SecondaryRule(payer_id, section, str(rule["key"]), rule.get("effective_from"),
                                                   tuple(_source_name(s) for s in rule.get("sources", []))))
        for entry in payer.get("removed", []):
            if entry.get("declared_by") == payer_id:
                removals[str(entry.get("evidence"))] += 1
    counted = {s: {g: c.get(g, 0) for g in (*GRADES, *sorted(set(c) - set(GRADES)))} for s, c in by_section.items()}
    return Stats(
        payers=len(model["payers"]),
        codes=len(model["codes"]),
        documents=len(model["documents"]),
        rules=sum(sum(c.values()) for c in by_section.values()),
        by_section=counted,
        removals={g: removals.get(g, 0) for g in GRADES},
        secondary=tuple(sorted(secondary, key=lambda r: (r.payer, SECTIONS.index(r.section)
                                                         if r.section in SECTIONS else len(SECTIONS), r.key,
                                                         r.effective_from or ""))),
    )


def _source_name(src: dict[str, Any]) -> str:
    return str(src.get("doc") or src.get("title") or "?")


def _grade_cells(grades: dict[str, int]) -> str:
    total = sum(grades.values())
    checkable = share(grades)
    pct = f"{checkable * 100:5.1f} %" if checkable is not None else "    -"
    return f"{total:6} {grades.get('primary', 0):8} {grades.get('bulletin', 0):9} {grades.get('secondary', 0):10} {pct}"


def render(stats: Stats, by_section: bool = False, list_secondary: bool = True) -> str:
    """The human table `kb stats` prints."""
    head = f"{'':28} {'rules':>6} {'primary':>8} {'bulletin':>9} {'secondary':>10} {'checkable':>9}"
    lines = [f"{stats.payers} payers, {stats.codes} codes, {stats.documents} documents, {stats.rules} rules", "",
             head,
             f"{'all rules':28} {_grade_cells(stats.grades)}",
             f"{'without bulk NCCI rows':28} {_grade_cells(stats.grades_without_bulk)}"]
    if by_section:
        lines.append("")
        lines += [f"{section:28} {_grade_cells(grades)}" for section, grades in stats.by_section.items()
                  if sum(grades.values())]
        lines.append(f"{'(remove entries)':28} {_grade_cells(stats.removals)}")
    lines += ["", "checkable = primary or bulletin (the payer's or CMS's own text); "
              f"bulk NCCI rows = {', '.join(BULK_SECTIONS)}"]
    if list_secondary:
        lines += ["", f"Rules graded secondary ({len(stats.secondary)}): source these next"]
        lines += [f"  {r.payer:26} {r.section:20} {r.key:24} {', '.join(r.sources)}" for r in stats.secondary]
    return "\n".join(lines)
