"""The short forms of a payer file, expanded to explicit rules: one pure function the whole tool chain shares.

A section of a payer file holds explicit rules (every field written out) and groups:

    ptp_edits:
    - shared: {sources: [...], evidence: primary, notes: ..., effective_from: '2024-07-01'}
      rows:
      - 97150/97110                                  # compact row: COLUMN1/COLUMN2
      - {edit: 97150/97535, rationale: More extensive procedure}

Each row of a group is the shared fields plus its own, a row's field replacing the shared one; `more_notes`
adds a sentence to the shared notes. Compact rows: `COLUMN1/COLUMN2` (ptp_edits), a code (code_rules, mues),
a year (thresholds), a key (remove); a threshold row may give `amounts: {PT-SLP: 2410, OT: 2410}` for one row
per group, and `group_notes` adds each group's sentence to the notes. A code rule's `documentation` may name
items of the documentation catalogue (policies/documentation.yaml) by id.

Expansion keeps where every field came from (`aliases`: expanded path -> authored path), so a problem in an
expanded rule is reported at the line that states the value, once.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

from kb.rules import SECTIONS

Path_ = tuple[str | int, ...]
GROUPED = (*SECTIONS, "remove")
# the field a compact (scalar) row stands for, per section
_SCALAR_ROW = {"code_rules": "code", "mues": "code", "thresholds": "year", "remove": "key"}


@dataclass
class Expanded:
    """A payer file's rules with every group and reference written out."""

    data: dict[str, Any]
    aliases: dict[Path_, Path_] = field(default_factory=dict)
    problems: list[tuple[Path_, str]] = field(default_factory=list)  # (authored path, message)
    grouped: set[Path_] = field(default_factory=set)  # expanded rows that came from a group (not schema-checked yet)


def is_group(item: Any) -> bool:
    """True for a group of rows (a mapping with `rows`) rather than one explicit rule."""
    return isinstance(item, dict) and "rows" in item


# what an item takes from the item its `patterns_from` names: the patterns and how they are read
PATTERN_FIELDS = ("match", "exclude", "future", "sections")


def catalogue_items(data: Any, resolve: bool = True) -> dict[str, dict[str, Any]]:
    """Documentation items by id, from the parsed documentation.yaml (malformed entries skipped), each with the
    patterns its `patterns_from` names written out unless `resolve` is false (a reference to an unknown or
    borrowing item is left as it is: kb/lint.py reports it)."""
    items = data.get("documentation") if isinstance(data, dict) else None
    out: dict[str, dict[str, Any]] = {}
    for item in items if isinstance(items, list) else []:
        if isinstance(item, dict) and isinstance(item.get("id"), str):
            out.setdefault(item["id"], item)
    return {ident: borrowed(item, out) for ident, item in out.items()} if resolve else out


def borrowed(item: dict[str, Any], items: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The item with the pattern fields of the item its `patterns_from` names (one step: the target must state
    its own patterns), in place of its own."""
    source = items.get(item["patterns_from"]) if isinstance(item.get("patterns_from"), str) else None
    if source is None or "patterns_from" in source:
        return item
    out = {k: v for k, v in item.items() if k != "patterns_from" and k not in PATTERN_FIELDS}
    out.update({k: source[k] for k in PATTERN_FIELDS if k in source})
    return out


def element(item: dict[str, Any]) -> dict[str, Any]:
    """A catalogue item as the checklist element a code rule holds (its id is `element_id` when given)."""
    out = {"id": item.get("element_id", item.get("id"))}
    for name in ("element", "match", "exclude", "future", "sections", "fix", "sources"):
        if name in item:
            out[name] = copy.deepcopy(item[name])
    return out


def expand_payer(data: dict[str, Any], items: dict[str, dict[str, Any]]) -> Expanded:
    """The payer file with groups expanded and documentation references replaced by their elements."""
    out = Expanded({})
    for key, value in data.items():
        if key in GROUPED and isinstance(value, list):
            out.data[key] = _expand_section(key, value, out)
        else:
            out.data[key] = value
    for _n, rule in enumerate(out.data.get("code_rules") or []):
        if isinstance(rule, dict) and isinstance(rule.get("documentation"), list):
            rule["documentation"] = [
                element(items[ref]) if isinstance(ref, str) and ref in items else ref for ref in rule["documentation"]
            ]
    return out


def _expand_section(section: str, value: list[Any], out: Expanded) -> list[Any]:
    rows: list[Any] = []
    for i, item in enumerate(value):
        if not is_group(item):
            out.aliases[(section, len(rows))] = (section, i)
            rows.append(copy.deepcopy(item))
            continue
        shared = item.get("shared") if isinstance(item.get("shared"), dict) else {}
        for r, row in enumerate(item["rows"] if isinstance(item["rows"], list) else []):
            where = (section, i, "rows", r)
            own = _row_fields(section, row, where, out)
            if own is None:
                continue
            for expanded, origin in _merge(section, shared, own, (section, i, "shared"), where, out):
                n = len(rows)
                out.aliases[(section, n)] = where
                for name, path in origin.items():
                    out.aliases[(section, n, name)] = path
                out.grouped.add((section, n))
                rows.append(expanded)
    return rows


def _row_fields(section: str, row: Any, where: Path_, out: Expanded) -> dict[str, Any] | None:
    """A row as a mapping of its own fields (compact forms unpacked), or None when it cannot be read."""
    if isinstance(row, dict):
        own = copy.deepcopy(row)
        if section == "ptp_edits" and "edit" in own:
            pair = _pair(own.pop("edit"), (*where, "edit"), out)
            if pair is None:
                return None
            own = {**pair, **own}
        return own
    if section == "ptp_edits" and isinstance(row, str):
        return _pair(row, where, out)
    if isinstance(row, str | int) and not isinstance(row, bool) and section in _SCALAR_ROW:
        name = _SCALAR_ROW[section]
        if (name == "year") != isinstance(row, int):
            out.problems.append((where, f"a short row of {section} is {_short_form(section)}"))
            return None
        return {name: row}
    out.problems.append((where, f"a row of {section} is a mapping of fields or {_short_form(section)}"))
    return None


def _short_form(section: str) -> str:
    return {"ptp_edits": "'COLUMN1/COLUMN2'", "code_rules": "a code", "mues": "a code", "thresholds": "a year",
            "remove": "the key of the rule removed"}.get(section, "not a single value in this section")


def _pair(text: Any, where: Path_, out: Expanded) -> dict[str, Any] | None:
    parts = text.split("/") if isinstance(text, str) else []
    if len(parts) != 2 or not all(p.strip() for p in parts):
        out.problems.append((where, f"{text!r} is not an edit: write COLUMN1/COLUMN2, e.g. 97150/97110"))
        return None
    return {"column1": parts[0].strip(), "column2": parts[1].strip()}


def _merge(section: str, shared: dict[str, Any], own: dict[str, Any], shared_at: Path_, row_at: Path_,
           out: Expanded) -> list[tuple[dict[str, Any], dict[str, Path_]]]:
    """The rules one row stands for, each with the authored path of every field."""
    merged: dict[str, Any] = {}
    origin: dict[str, Path_] = {}
    for source, base in ((shared, shared_at), (own, row_at)):
        for name, value in source.items():
            merged[name] = copy.deepcopy(value)
            origin[name] = (*base, name)
    if "more_notes" in merged:
        extra = merged.pop("more_notes")
        at = origin.pop("more_notes")
        if isinstance(extra, str) and isinstance(merged.get("notes"), str):
            merged["notes"] = f"{merged['notes']} {extra}"
        else:
            out.problems.append((at, "more_notes adds to shared notes: give the group `notes` first"))
    group_notes = merged.pop("group_notes", None)
    group_notes_at = origin.pop("group_notes", None)
    rules = [(merged, origin)]
    if "amounts" in merged:
        amounts, amounts_at = merged.pop("amounts"), origin.pop("amounts")
        if section != "thresholds" or not isinstance(amounts, dict) or not amounts:
            out.problems.append((amounts_at, "amounts is a mapping of threshold group to amount (thresholds only)"))
            return []
        rules = []
        for group, amount in amounts.items():
            rule = {**copy.deepcopy(merged), "group": group, "amount": amount}
            rules.append((rule, {**origin, "group": (*amounts_at, group), "amount": (*amounts_at, group)}))
    if group_notes is not None:
        if not isinstance(group_notes, dict):
            out.problems.append((group_notes_at or row_at, "group_notes is a mapping of threshold group to a sentence"))
        else:
            for rule, origin_of in rules:
                extra = group_notes.get(rule.get("group"))
                if isinstance(extra, str):
                    rule["notes"] = f"{rule['notes']} {extra}" if isinstance(rule.get("notes"), str) else extra
                    origin_of.setdefault("notes", (*group_notes_at, rule["group"]))  # type: ignore[misc]
    return rules
