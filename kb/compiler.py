"""Compiling a policy tree: validate everything, resolve inheritance, produce the compiled model.

The compiled model is plain JSON-ready data (dates as ISO strings). It is what `kb compile` writes
and what `kb.load()` turns into the graph and indexes. Authored fields are copied as written;
computed fields are `key`, `declared_by`, `inherited`, `applies_to_codes`/`with_codes`/`cap_codes`
(selectors resolved against the catalogue) and, on thresholds, `effective_from`/`effective_to` from `year`.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from kb import __version__
from kb.artifact import FORMAT, FORMAT_VERSION, content_hash
from kb.lint import lineage, lint
from kb.packing import expand_source
from kb.problems import PolicyError
from kb.rules import SECTIONS, parse_date, period, pick, rule_key
from kb.shorthand import catalogue_items, element
from kb.tree import PolicyTree, read_tree

# authored selector -> computed code list
SELECTORS = (("applies_to", "applies_to_codes"), ("with", "with_codes"), ("cap_applies_to", "cap_codes"))


def check_tree(root: Path) -> PolicyTree:
    """Read, schema-check and lint a tree; raise PolicyError listing every problem."""
    tree, problems = read_tree(root)
    problems += lint(tree)
    if problems:
        raise PolicyError(problems)
    return tree


def compile_tree(root: Path) -> dict[str, Any]:
    """The compiled model of a policy tree (raises PolicyError when any file has a problem)."""
    return build_model(check_tree(root))


def build_model(tree: PolicyTree) -> dict[str, Any]:
    """Resolve a clean tree into the compiled model, with its content hash."""
    documents = {d["id"]: d for d in tree.catalogues["documents"].data["documents"]}

    def resolve(item: dict[str, Any]) -> dict[str, Any]:
        out = copy.deepcopy(item)
        if "sources" in out:
            out["sources"] = [expand_source(src, documents) for src in out["sources"]]
        if isinstance(out.get("fact_sources"), dict):  # code rules: sources per fact
            out["fact_sources"] = {fact: [expand_source(src, documents) for src in srcs]
                                   for fact, srcs in out["fact_sources"].items()}
        if isinstance(out.get("documentation"), list):  # checklist elements may cite their own sources
            out["documentation"] = [resolve(e) if isinstance(e, dict) and "sources" in e else e
                                    for e in out["documentation"]]
        return out

    codes = {c["code"]: resolve(c) for c in tree.catalogues["codes"].data["codes"]}
    model: dict[str, Any] = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "kb_version": __version__,
        "inputs": dict(sorted(tree.inputs.items())),
        "documents": {k: documents[k] for k in sorted(documents)},
        "methods": {m["id"]: resolve(m) for m in tree.catalogues["methods"].data["methods"]},
        "codes": dict(sorted(codes.items())),
        "modifiers": {m["id"]: resolve(m) for m in sorted(tree.catalogues["modifiers"].data["modifiers"],
                                                         key=lambda m: m["id"])},
        "payers": {},
    }
    for payer in sorted(tree.payers):
        model["payers"][payer] = _resolve_payer(tree, payer, resolve, codes)
    if "remittance" in tree.catalogues:  # predicted remittance codes, by finding id (kb/remit/codes.py reads them)
        model["remittance"] = {e["finding"]: {**resolve(e), "payers": [resolve(p) for p in e.get("payers", [])]}
                               for e in tree.catalogues["remittance"].data["remittance"]}
    model["content_hash"] = content_hash(model)
    return model


def select_codes(selector: dict[str, Any] | None, codes: dict[str, dict[str, Any]]) -> list[str]:
    """The catalogue codes a selector names: listed codes plus those matching every attribute given."""
    if not selector:
        return []
    chosen = set(selector.get("codes", []))
    attrs = {k: v for k, v in selector.items() if k != "codes"}
    if attrs:
        for code, entry in codes.items():
            if "families" in attrs and entry["family"] not in attrs["families"]:
                continue
            if "timed" in attrs and entry["timed"] != attrs["timed"]:
                continue
            if "always_therapy" in attrs and entry["always_therapy"] != attrs["always_therapy"]:
                continue
            if "disciplines" in attrs and not set(entry["disciplines"]) & set(attrs["disciplines"]):
                continue
            chosen.add(code)
    return sorted(chosen)


def _resolve_payer(tree: PolicyTree, payer: str, resolve, codes) -> dict[str, Any]:
    chain = lineage(tree, payer)
    rules: dict[str, list[dict[str, Any]]] = {s: [] for s in SECTIONS}
    removed: list[dict[str, Any]] = []
    for ancestor in reversed(chain):  # farthest first: each level overrides what it restates
        data = tree.payers[ancestor].data
        for section in SECTIONS:
            own = [resolve(r) for r in data.get(section, [])]
            if not own:
                continue
            if section == "unit_methods":
                rules[section] = []
            if section == "code_rules":
                for r in own:
                    _change_checklist(r, rules[section], tree, resolve)
            own_keys = {rule_key(section, r) for r in own}
            rules[section] = [r for r in rules[section] if r["key"] not in own_keys]
            for r in own:
                r["key"] = rule_key(section, r)
                r["declared_by"] = ancestor
                rules[section].append(r)
        for item in data.get("remove", []):
            def dropped(r: dict[str, Any], item: dict[str, Any] = item) -> bool:
                return "key" not in item or r["key"] == item["key"]

            gone = [r for r in rules[item["section"]] if dropped(r)]
            rules[item["section"]] = [r for r in rules[item["section"]] if not dropped(r)]
            entry = resolve(item)
            entry["declared_by"] = ancestor
            entry["removed_from"] = sorted({r["declared_by"] for r in gone})
            removed.append(entry)
    for section, items in rules.items():
        for r in items:
            r["inherited"] = r["declared_by"] != payer
            if section == "thresholds":
                r["effective_from"], r["effective_to"] = (d.isoformat() if d else None for d in period(r))
            for sel, out in SELECTORS:
                if sel in r:
                    r[out] = select_codes(r[sel], codes)
        items.sort(key=lambda r: (r["key"], r.get("effective_from") or "", tuple(r.get("jurisdiction") or ())))
    data = tree.payers[payer].data
    header = {k: data[k] for k in ("id", "name", "kind", "extends", "summary", "claim_type", "jurisdiction")
              if k in data}
    return {
        **header,
        "lineage": chain,
        "rules": rules,
        "removed": removed,
        "examples": [resolve(e) for e in data.get("examples", [])],
    }


def _change_checklist(rule: dict[str, Any], inherited: list[dict[str, Any]], tree: PolicyTree,
                      resolve: Callable[[dict[str, Any]], dict[str, Any]]) -> None:
    """A code rule's documentation_add / documentation_remove applied to the inherited checklist of its code
    (the inherited rule in force on the rule's effective_from); the result is the rule's `documentation`."""
    add, drop = rule.pop("documentation_add", None), rule.pop("documentation_remove", None)
    if add is None and drop is None:
        return
    base = pick([r for r in inherited if r["key"] == rule["code"]], parse_date(rule["effective_from"]) or date.min,
                None) or {}
    catalogue = tree.catalogues.get("documentation")
    items = catalogue_items(catalogue.data) if catalogue else {}
    checklist = [copy.deepcopy(e) for e in base.get("documentation", []) if e.get("id") not in (drop or [])]
    checklist += [resolve(element(items[ref])) for ref in add or [] if ref in items]
    rule["documentation"] = checklist
