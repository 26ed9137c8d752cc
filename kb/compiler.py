"""Compiling a policy tree: validate everything, resolve inheritance, produce the compiled model.

The compiled model is plain JSON-ready data (dates as ISO strings). It is what `kb compile` writes
and what `kb.load()` turns into the graph and indexes. Authored fields are copied as written;
computed fields are `key`, `declared_by`, `inherited`, `applies_to_codes`/`with_codes`/`cap_codes`
(selectors resolved against the catalogue) and, on thresholds, `effective_from`/`effective_to` from `year`.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

from kb import __version__
from kb.artifact import FORMAT, FORMAT_VERSION, content_hash
from kb.lint import lineage, lint
from kb.problems import PolicyError
from kb.rules import SECTIONS, period, rule_key
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
            out["sources"] = [_source(src, documents) for src in out["sources"]]
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
    model["content_hash"] = content_hash(model)
    return model


def _source(src: dict[str, Any], documents: dict[str, dict[str, Any]]) -> dict[str, Any]:
    if "doc" not in src:
        return dict(src)
    doc = documents[src["doc"]]
    out = {k: doc[k] for k in ("title", "publisher", "url", "document", "revised", "read", "via") if k in doc}
    out["doc"] = src["doc"]
    for k in ("section", "quote"):
        if k in src:
            out[k] = src[k]
    return out


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
                start, end = period(r)
                r["effective_from"], r["effective_to"] = start.isoformat(), end.isoformat()
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
