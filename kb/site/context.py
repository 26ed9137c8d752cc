"""What every page renderer gets: the knowledge base, the day the site describes, and shared lookups."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from typing import Any

from kb.knowledge import KnowledgeBase
from kb.payer import PayerView
from kb.rules import SECTIONS
from kb.ruletext import KIND_NAMES
from kb.site.nodes import Node

SECTION_TITLES = KIND_NAMES  # what one rule of each section is called (kb/ruletext.py)


# Sections of bulk NCCI rows (hundreds per payer): a payer that inherits them shows only its own differences
# and links to the page of the payer that states the rest, instead of repeating every row.
BULK_SECTIONS = ("ptp_edits", "mues")


@dataclass
class Page:
    """One generated page: its path under the docs folder, its title and its blocks (kb/site/nodes.py)."""

    path: str
    title: str
    blocks: list[Node | None]
    hide: tuple[str, ...] = ("navigation",)  # the site's tabs replace the left sidebar on wide pages
    feed: str | None = None  # its Atom feed (path from the site's root), announced in the page's head
    boost: float | None = None  # search rank (Material's search.boost): >1 ranks the page's hits higher


@dataclass
class SiteContext:
    """The knowledge base as the site shows it, on one day (`as_of`, default the build day)."""

    kb: KnowledgeBase
    as_of: date
    last_changed: str = "unknown"
    policies_label: str = "policies/"
    _views: dict[tuple[str, date, str | None], PayerView] = field(default_factory=dict)

    @property
    def model(self) -> dict[str, Any]:
        return self.kb.model

    @cached_property
    def payer_ids(self) -> list[str]:
        """Payers in reading order: those that extend nothing first (Medicare), then by name."""
        payers = self.model["payers"]
        return sorted(payers, key=lambda p: (payers[p].get("extends") is not None, payers[p]["name"].lower(), p))

    def payer(self, pid: str) -> dict[str, Any]:
        return self.model["payers"][pid]

    def name(self, pid: str) -> str:
        return self.model["payers"][pid]["name"]

    def view(self, pid: str, day: date | None = None, state: str | None = None) -> PayerView:
        key = (pid, day or self.as_of, state)
        if key not in self._views:
            self._views[key] = self.kb.payer(pid, as_of=key[1], state=state)
        return self._views[key]

    def rules(self, pid: str, section: str) -> list[dict[str, Any]]:
        """Every rule of a section for a payer, every period and jurisdiction (as compiled)."""
        return self.payer(pid)["rules"][section]

    def parent_keys(self, pid: str, section: str) -> set[str]:
        parent = self.payer(pid).get("extends")
        if not parent:
            return set()
        return {r["key"] for r in self.rules(parent, section)}

    def origin(self, pid: str, section: str, rule: dict[str, Any]) -> tuple[str, str]:
        """('own' | 'overrides' | 'inherited', the payer that declared it)."""
        by = rule.get("declared_by") or pid
        if by != pid:
            return "inherited", by
        if rule["key"] in self.parent_keys(pid, section):
            return "overrides", self.payer(pid)["extends"]
        return "own", pid

    @cached_property
    def _declared_by(self) -> dict[tuple[str, str], dict[str, str]]:
        found: dict[tuple[str, str], dict[str, str]] = {}
        for pid, payer in self.model["payers"].items():
            for section in BULK_SECTIONS:
                shown = found[(pid, section)] = {}
                for r in payer["rules"][section]:  # a key the payer states itself in any period is on its page
                    by = r.get("declared_by") or pid
                    if by == pid or r["key"] not in shown:
                        shown[r["key"]] = by
        return found

    def shown_at(self, pid: str, section: str, key: str) -> str:
        """The payer whose page shows a rule's row: an inherited bulk rule (BULK_SECTIONS) is shown only at
        the payer that states it; every other rule on each payer's own page."""
        if section not in BULK_SECTIONS:
            return pid
        return self._declared_by[(pid, section)].get(key, pid)

    @cached_property
    def citations(self) -> Counter[str]:
        """How many rules (counted once, at the payer that declares them) cite each document."""
        counts: Counter[str] = Counter()
        for pid, payer in self.model["payers"].items():
            for section in SECTIONS:
                for rule in payer["rules"][section]:
                    if rule.get("declared_by", pid) != pid:
                        continue
                    for src in rule.get("sources", []):
                        if src.get("doc"):
                            counts[src["doc"]] += 1
            for item in payer.get("removed", []) + payer.get("examples", []):
                if item.get("declared_by", pid) == pid:
                    for src in item.get("sources", []):
                        if src.get("doc"):
                            counts[src["doc"]] += 1
        for catalogue in ("codes", "modifiers", "methods"):
            for entry in self.model[catalogue].values():
                for src in entry.get("sources", []):
                    if src.get("doc"):
                        counts[src["doc"]] += 1
        return counts

    def code_summary(self, code: str) -> str:
        entry = self.model["codes"].get(code)
        return entry["summary"] if entry else ""

    def applies(self, rule: dict[str, Any], code: str) -> bool:
        """True when a modifier rule, payment adjustment or visit rule concerns a code."""
        codes = rule.get("applies_to_codes")
        with_codes = rule.get("with_codes") or []
        if "applies_to" not in rule and not codes:
            return True
        return code in (codes or []) or code in with_codes
