"""`kb fmt --migrate`: rewrite policy files written rule by rule into the short form (kb/shorthand.py).

Deterministic and re-runnable: a file already in the short form is regrouped to the same result, and files in the
old form (every field on every rule, checklists written out) are converted. Per payer file, rules that share
sources, evidence, notes and date basis become one group with those fields stated once; fields every row of a group
has in common move to `shared`; rows shrink to their compact form. Checklist elements written out in code rules move
to documentation.yaml and are named by id. Each section is checked: its expansion must equal the rules as they
were, or the section is left as it was written.
"""

from __future__ import annotations

import copy
import json
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ruamel.yaml.comments import CommentedMap

from kb.files import policy_files
from kb.fmt import canonical, dump, root_schema, yaml_rt
from kb.shorthand import GROUPED, borrowed, catalogue_items, element, expand_payer

# fields a compact row stands for: never moved to `shared`
_ROW_KEY = {"ptp_edits": ("column1", "column2"), "code_rules": ("code",), "mues": ("code",), "thresholds": ("year",),
            "remove": ("key",), "unit_methods": (), "modifier_rules": ("id",), "payment_adjustments": ("id",),
            "visit_rules": ("id",)}
_PROVENANCE = ("sources", "evidence", "notes", "effective_from_basis")
CATALOGUE_HEADER = (
    "yaml-language-server: $schema=../schema/documentation.schema.json\n\n"
    "What a note may have to show. A payer's code rule names the items its checklist holds by id\n"
    "(`documentation: [minutes, skilled-input]`); `element_id` is the id the checker reports (items that are\n"
    "variants of one element for different codes share it). Each item's text and patterns are stated once here."
)


@dataclass
class Report:
    """What a migration did, per file."""

    changed: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)  # "file: section" left as written because it did not round-trip


def _canon(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)


def _plain(value: Any) -> Any:
    """ruamel's data as plain dicts, lists and strings (dates as text, as the loader reads them)."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, str):
        return str(value)
    return value


def migrate_tree(root: Path, write: bool = True) -> Report:
    """Convert every payer file of a tree to the short form; creates or extends documentation.yaml."""
    report = Report()
    y = yaml_rt()
    catalogue_path = root / "documentation.yaml"
    catalogue_doc = y.load(catalogue_path.read_text(encoding="utf-8")) if catalogue_path.exists() else None
    items = catalogue_items(_plain(catalogue_doc)) if catalogue_doc is not None else {}
    # the catalogue is written back as authored: an item that borrows its patterns keeps `patterns_from`
    raw = catalogue_items(_plain(catalogue_doc), resolve=False) if catalogue_doc is not None else {}
    ordered = [copy.deepcopy(i) for i in raw.values()]
    payer_paths = [p for p in policy_files(root) if p.parent.name == "payers" and p.parent.parent == root]
    loaded = {p: y.load(p.read_text(encoding="utf-8")) for p in payer_paths}
    explicit = {p: expand_payer(_plain(d), items).data for p, d in loaded.items() if isinstance(d, dict)}
    refs = _assign_ids(explicit, ordered)
    by_id = catalogue_items({"documentation": ordered})  # with borrowed patterns, as the loader expands them
    for path, data in loaded.items():
        if path not in explicit:
            continue
        new = _migrate_payer(explicit[path], refs, by_id, report, str(path))
        for section in GROUPED:
            if section in data:
                data[section] = new[section]
        text = dump(canonical(data, root_schema("payer"), 0, 0, top=True))
        if text != path.read_text(encoding="utf-8"):
            report.changed.append(str(path))
            if write:
                path.write_text(text, encoding="utf-8")
    _date_checks(root / "documents.yaml", report, write)
    used = {ref for d in loaded.values() if isinstance(d, dict) for ref in _refs(_plain(d))}
    if ordered and (used or catalogue_doc is not None):
        doc = catalogue_doc if catalogue_doc is not None else CommentedMap()
        doc["documentation"] = ordered
        if catalogue_doc is None:
            doc.yaml_set_start_comment(CATALOGUE_HEADER)
        text = dump(canonical(doc, root_schema("documentation"), 0, 0, top=True))
        old = catalogue_path.read_text(encoding="utf-8") if catalogue_path.exists() else None
        if text != old:
            report.changed.append(str(catalogue_path))
            if write:
                catalogue_path.write_text(text, encoding="utf-8")
    return report


def _refs(data: dict[str, Any]) -> set[str]:
    out: set[str] = set()
    for item in data.get("code_rules") or []:
        rows = item.get("rows") if isinstance(item, dict) and "rows" in item else [item]
        shared = item.get("shared", {}) if isinstance(item, dict) and "rows" in item else {}
        for row in [shared, *(rows or [])]:
            if isinstance(row, dict):
                out |= {r for r in row.get("documentation") or [] if isinstance(r, str)}
                out |= {r for r in row.get("documentation_add") or [] if isinstance(r, str)}
    return out


def _assign_ids(explicit: dict[Path, dict[str, Any]], ordered: list[dict[str, Any]]) -> dict[str, str]:
    """Catalogue ids for every checklist element written out (canonical element -> item id); new items are
    appended to `ordered`. An element equal to an item is that item; a variant of an element id gets a new id
    (`<element>-<first code>`), and the most used variant keeps the plain id when it is free."""
    authored = {i["id"]: i for i in ordered}
    known = {_canon(element(borrowed(i, authored))): i["id"] for i in ordered}
    taken = {i["id"] for i in ordered}
    uses: dict[str, list[str]] = defaultdict(list)  # canonical element -> codes, in file order
    firsts: dict[str, dict[str, Any]] = {}
    for data in explicit.values():
        for rule in data.get("code_rules") or []:
            for e in rule.get("documentation") or [] if isinstance(rule, dict) else []:
                if isinstance(e, dict) and isinstance(e.get("id"), str):
                    key = _canon(e)
                    uses[key].append(str(rule.get("code")))
                    firsts.setdefault(key, e)
    first_seen = {key: n for n, key in enumerate(uses)}
    by_element: dict[str, list[str]] = defaultdict(list)
    for key in uses:
        if key not in known:
            by_element[firsts[key]["id"]].append(key)
    for element_id, variants in by_element.items():
        variants.sort(key=lambda k: -len(uses[k]))  # stable: ties keep first appearance
        total = sum(len(set(uses[k])) for k in variants)
        for key in variants:
            plain = element_id not in taken and 2 * len(set(uses[key])) > total  # the usual variant keeps the name
            ident = element_id if plain else f"{element_id}-{uses[key][0].lower()}"
            n = 2
            while ident in taken:
                ident, n = f"{element_id}-{uses[key][0].lower()}-{n}", n + 1
            taken.add(ident)
            known[key] = ident
    listed = {i["id"] for i in ordered}
    new = sorted((k for k in uses if k in known and known[k] not in listed), key=lambda k: first_seen[k])
    for key in new:  # new items in the order the files first use them
        element_id = firsts[key]["id"]
        ident = known[key]
        ordered.append({"id": ident, **({"element_id": element_id} if ident != element_id else {}),
                        **{k: v for k, v in firsts[key].items() if k != "id"}})
    return known


def _migrate_payer(data: dict[str, Any], refs: dict[str, str], items: dict[str, dict[str, Any]], report: Report,
                   name: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for section in GROUPED:
        rules = data.get(section)
        if not isinstance(rules, list):
            continue
        rules = [_with_refs(r, refs) if section == "code_rules" else r for r in rules]
        grouped = _group_section(section, rules)
        again = expand_payer({section: grouped}, items).data[section]
        if sorted(map(_canon, again)) == sorted(map(_canon, data[section])):
            out[section] = grouped
        else:  # never lose a fact: keep what was written
            report.kept.append(f"{name}: {section}")
            out[section] = data[section]
    return out


def _with_refs(rule: Any, refs: dict[str, str]) -> Any:
    if not isinstance(rule, dict) or not isinstance(rule.get("documentation"), list):
        return rule
    rule = dict(rule)
    rule["documentation"] = [refs.get(_canon(e), e) if isinstance(e, dict) else e for e in rule["documentation"]]
    return rule


def _group_section(section: str, rules: list[Any]) -> list[Any]:
    """The section's rules as groups (rules sharing provenance) and explicit rules, in first-appearance order."""
    if section == "thresholds":
        rules = _merge_threshold_groups(rules)
    buckets: dict[str, list[dict[str, Any]]] = {}
    order: list[tuple[str, Any]] = []
    for rule in rules:
        if not isinstance(rule, dict) or not all(k in rule for k in _ROW_KEY[section]) or not _ROW_KEY[section]:
            order.append(("", rule))
            continue
        # thresholds: one group per name, a row a year (their provenance is the year's); else rules sharing provenance
        fields = ("name",) if section == "thresholds" else (*_PROVENANCE, "section")
        sig = _canon({k: rule.get(k) for k in fields})
        if sig not in buckets:
            buckets[sig] = []
            order.append((sig, None))
        buckets[sig].append(rule)
    _attach_notes_variants(buckets, order)
    out: list[Any] = []
    for sig, rule in order:
        if not sig:
            out.append(rule)
            continue
        rows = buckets.get(sig)
        if not rows:
            continue
        if len(rows) == 1 and "amounts" not in rows[0] and "more_notes" not in rows[0]:
            out.append(rows[0])
        else:
            out.append(_group(section, rows))
    return out


def _attach_notes_variants(buckets: dict[str, list[dict[str, Any]]], order: list[tuple[str, Any]]) -> None:
    """A lone rule whose notes are another group's notes plus a sentence joins that group with `more_notes`."""
    for sig, rows in list(buckets.items()):
        if len(rows) != 1 or not isinstance(rows[0].get("notes"), str):
            continue
        rule = rows[0]
        for other_sig, others in buckets.items():
            base = others[0].get("notes") if others else None
            if other_sig == sig or len(others) < 2 or not isinstance(base, str):
                continue
            same = all(_canon(rule.get(k)) == _canon(others[0].get(k)) for k in _PROVENANCE if k != "notes")
            if same and rule["notes"].startswith(base + " "):
                moved = dict(rule)
                moved["notes"] = base
                moved["more_notes"] = rule["notes"][len(base) + 1:]
                others.append(moved)
                buckets[sig] = []
                break


def _group(section: str, rows: list[dict[str, Any]]) -> dict[str, Any]:
    keep = set(_ROW_KEY[section]) | {"more_notes"}
    names = [k for k in rows[0] if k not in keep]
    shared = {k: rows[0][k] for k in names
              if all(k in r and _canon(r[k]) == _canon(rows[0][k]) for r in rows)}
    compact = []
    for r in rows:
        own = {k: v for k, v in r.items() if k not in shared}
        compact.append(_compact(section, own))
    return {"shared": shared, "rows": compact}


def _compact(section: str, own: dict[str, Any]) -> Any:
    if section == "ptp_edits":
        pair = f"{own.pop('column1')}/{own.pop('column2')}"
        return pair if not own else {"edit": pair, **own}
    key = _ROW_KEY[section]
    if len(key) == 1 and set(own) == {key[0]}:
        return own[key[0]]
    return own


def _merge_threshold_groups(rules: list[Any]) -> list[Any]:
    """Thresholds of one name and year that differ only in group and amount (and a per-group sentence at the end
    of the notes) become one row with `amounts` and the group's sentence in `group_notes`."""
    suffix = _group_suffixes(rules)
    out: list[Any] = []
    merged: dict[str, dict[str, Any]] = {}
    for rule in rules:
        if not isinstance(rule, dict) or not {"name", "group", "year", "amount"} <= set(rule):
            out.append(rule)
            continue
        rule = dict(rule)
        extra = suffix.get((rule["name"], rule["group"]))
        if extra:
            rule["notes"] = rule["notes"][: -len(extra) - 1]
            rule["group_notes"] = {g: s for (n, g), s in suffix.items() if n == rule["name"]}
        sig = _canon({k: v for k, v in rule.items() if k not in ("group", "amount")})
        if sig in merged and rule["group"] not in merged[sig]["amounts"]:
            merged[sig]["amounts"][rule["group"]] = rule["amount"]
            continue
        group, amount = rule.pop("group"), rule.pop("amount")
        rule["amounts"] = {group: amount}
        merged[sig] = rule
        out.append(rule)
    return out


def _group_suffixes(rules: list[Any]) -> dict[tuple[str, str], str]:
    """Per (name, group): the last sentence(s) every such threshold's notes end with, when the groups differ."""
    notes: dict[tuple[str, str], list[str]] = defaultdict(list)
    for rule in rules:
        if isinstance(rule, dict) and isinstance(rule.get("notes"), str):
            notes[(str(rule.get("name")), str(rule.get("group")))].append(rule["notes"])
    found: dict[tuple[str, str], str] = {}
    for key, texts in notes.items():
        if len(texts) < 2:
            continue
        sentences = [t.split(". ") for t in texts]
        common: list[str] = []
        while all(len(s) > len(common) + 1 for s in sentences):
            last = {s[-1 - len(common)] for s in sentences}
            if len(last) != 1:
                break
            common.insert(0, last.pop())
        if common:
            found[key] = ". ".join(common)
    by_name: dict[str, Counter[str]] = defaultdict(Counter)
    for (name, _group_name), text in found.items():
        by_name[name][text] += 1
    # a sentence only counts as the group's own when the groups of that name end differently
    return {k: v for k, v in found.items() if by_name[k[0]][v] == 1 and len(by_name[k[0]]) > 1}


def expand_tree(root: Path, into: Path) -> None:
    """Copy a tree to `into` with every payer file written rule by rule (the long form, checklists written out):
    what the short form stands for, e.g. to compare or to hand to a tool that predates it."""
    y = yaml_rt()
    catalogue_path = root / "documentation.yaml"
    items = catalogue_items(_plain(y.load(catalogue_path.read_text(encoding="utf-8")))) \
        if catalogue_path.exists() else {}
    for path in policy_files(root):
        target = into / path.relative_to(root)
        target.parent.mkdir(parents=True, exist_ok=True)
        if path.parent.name != "payers" or path.parent.parent != root:
            if path != catalogue_path:
                target.write_bytes(path.read_bytes())
            continue
        data = y.load(path.read_text(encoding="utf-8"))
        explicit = expand_payer(_plain(data), items).data
        for section in GROUPED:
            if section in data:
                data[section] = explicit[section]
        target.write_text(dump(canonical(data, root_schema("payer"), 0, 0, top=True)), encoding="utf-8")


def _date_checks(path: Path, report: Report, write: bool) -> None:
    """A document without `last_verified` was last checked when it was read: say so (documents.yaml)."""
    if not path.exists():
        return
    y = yaml_rt()
    data = y.load(path.read_text(encoding="utf-8"))
    docs = data.get("documents") if isinstance(data, dict) else None
    missing = [d for d in docs or [] if isinstance(d, CommentedMap) and "read" in d and "last_verified" not in d]
    if not missing:
        return
    for doc in missing:
        doc.insert(list(doc).index("read") + 1, "last_verified", doc["read"])
    report.changed.append(str(path))
    if write:
        path.write_text(dump(canonical(data, root_schema("documents"), 0, 0, top=True)), encoding="utf-8")
