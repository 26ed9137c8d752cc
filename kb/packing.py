"""The compiled model packed for the artifact, so that the file states each fact once, and expanded again.

Two things repeat in a compiled model, and the packed form states them once:
- inherited rules: a payer that extends another inherits most of its rules unchanged (every payer here extends
  Medicare, with its ~600 PTP rows and MUEs). Packed, such a payer's section lists its own rules and, for each run
  of rules it inherits unchanged, `[start, stop]`: the positions of that run in the parent's resolved list of the
  same section (expanded, the rule with `inherited` set for this payer).
- cited documents: a source that cites a document of documents.yaml repeats the document's title, publisher, url
  and dates. Packed, it keeps `doc` and its own `section` / `quote`; expanded, it is the compiler's citation again.

`unpack(pack(model)) == model`, key order included, for every model: an item is packed only when expanding it gives
it back exactly. Items already packed stay as they are, so packing a packed model changes nothing.
"""

from __future__ import annotations

from typing import Any

# the document fields a citation repeats, in the order the compiler writes them; then the citation's own fields
CITED = ("title", "publisher", "url", "document", "revised", "read", "last_verified", "via")
OWN = ("section", "quote")


def expand_source(src: dict[str, Any], documents: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """A source as the compiled model states it: a cited document's fields, its id, then the citation's own."""
    if "doc" not in src:
        return dict(src)
    doc = documents[src["doc"]]
    out: dict[str, Any] = {k: doc[k] for k in CITED if k in doc}
    out["doc"] = src["doc"]
    for k in OWN:
        if k in src:
            out[k] = src[k]
    return out


def pack(model: dict[str, Any]) -> dict[str, Any]:
    """The artifact's form of a compiled model (inherited rules and cited documents by reference)."""
    payers = model.get("payers")
    if isinstance(payers, dict):
        index: dict[tuple[str, str], Any] = {}
        model = {**model, "payers": {pid: _pack_payer(pid, data, payers, index) for pid, data in payers.items()}}
    documents = model.get("documents")
    if not isinstance(documents, dict):
        return model

    def short(src: Any) -> Any:
        if not isinstance(src, dict) or "title" not in src or src.get("doc") not in documents:
            return src
        ref = {k: src[k] for k in ("doc", *OWN) if k in src}
        try:
            again = expand_source(ref, documents)
        except (KeyError, TypeError):
            return src
        return ref if again == src and list(again) == list(src) else src

    return _map_sources(model, short)


def unpack(packed: dict[str, Any]) -> dict[str, Any]:
    """The compiled model a packed one states. Inherited rules share their nested values with the parent's rules:
    the model is read, never changed in place. ValueError when a reference does not resolve (an unknown
    document or parent, a cycle, a position out of range)."""
    documents = packed.get("documents")
    if isinstance(documents, dict):
        def full(src: Any) -> Any:
            if not isinstance(src, dict) or "title" in src or "doc" not in src:
                return src
            if not isinstance(src["doc"], str) or not isinstance(documents.get(src["doc"]), dict):
                raise ValueError(f"a source cites document {src['doc']!r}, which is not in `documents`")
            return expand_source(src, documents)

        packed = _map_sources(packed, full)
    payers = packed.get("payers")
    if not isinstance(payers, dict):
        return packed
    done: dict[str, Any] = {}

    def expand(pid: str, seen: tuple[str, ...]) -> Any:
        if pid in done:
            return done[pid]
        data = payers[pid]
        if isinstance(data, dict) and isinstance(data.get("rules"), dict) and _has_references(data["rules"]):
            parent_id = data.get("extends")
            if not isinstance(parent_id, str) or parent_id not in payers or parent_id in seen:
                raise ValueError(f"payer {pid!r} refers to rules of {parent_id!r}, not a payer it can inherit from")
            parent = expand(parent_id, (*seen, pid))
            data = {**data, "rules": {section: _unpack_section(pid, section, items, parent)
                                      for section, items in data["rules"].items()}}
        done[pid] = data
        return data

    return {**packed, "payers": {pid: expand(pid, ()) for pid in payers}}


# -- sources ----------------------------------------------------------------------------------------------------


def _map_sources(model: dict[str, Any], fn: Any) -> dict[str, Any]:
    """The model with `fn` applied to every source of every item the compiler resolves (catalogue entries, rules,
    removals, examples, remittance entries); other values are kept, not copied."""
    out = dict(model)
    for name in ("methods", "codes", "modifiers"):
        if isinstance(out.get(name), dict):
            out[name] = {k: _item_sources(v, fn) for k, v in out[name].items()}
    if isinstance(out.get("remittance"), dict):
        out["remittance"] = {k: _remittance_sources(v, fn) for k, v in out["remittance"].items()}
    if isinstance(out.get("payers"), dict):
        out["payers"] = {k: _payer_sources(v, fn) for k, v in out["payers"].items()}
    return out


def _item_sources(item: Any, fn: Any) -> Any:
    if not isinstance(item, dict):
        return item
    out = dict(item)
    if isinstance(out.get("sources"), list):
        out["sources"] = [fn(s) for s in out["sources"]]
    if isinstance(out.get("fact_sources"), dict):
        out["fact_sources"] = {fact: [fn(s) for s in srcs] if isinstance(srcs, list) else srcs
                               for fact, srcs in out["fact_sources"].items()}
    if isinstance(out.get("documentation"), list):
        out["documentation"] = [_item_sources(e, fn) for e in out["documentation"]]
    return out


def _remittance_sources(entry: Any, fn: Any) -> Any:
    out = _item_sources(entry, fn)
    if isinstance(out, dict) and isinstance(out.get("payers"), list):
        out["payers"] = [_item_sources(p, fn) for p in out["payers"]]
    return out


def _payer_sources(data: Any, fn: Any) -> Any:
    if not isinstance(data, dict):
        return data
    out = dict(data)
    if isinstance(out.get("rules"), dict):
        out["rules"] = {section: [_item_sources(r, fn) for r in items] if isinstance(items, list) else items
                        for section, items in out["rules"].items()}
    for name in ("removed", "examples"):
        if isinstance(out.get(name), list):
            out[name] = [_item_sources(e, fn) for e in out[name]]
    return out


# -- inherited rules --------------------------------------------------------------------------------------------


def _pack_payer(pid: str, data: Any, payers: dict[str, Any], index: dict[tuple[str, str], Any]) -> Any:
    if not isinstance(data, dict) or not isinstance(data.get("rules"), dict):
        return data
    extends = data.get("extends")
    if not isinstance(extends, str):
        return data
    parent = payers.get(extends)
    if not isinstance(parent, dict) or not isinstance(parent.get("rules"), dict) or _has_references(parent["rules"]):
        return data  # no parent, or one already packed (its positions are not those of its expanded lists)
    rules = {}
    for section, items in data["rules"].items():
        inherited = parent["rules"].get(section)
        if not isinstance(items, list) or not isinstance(inherited, list):
            rules[section] = items
            continue
        if (extends, section) not in index:  # a parent's rules are indexed once for all its children
            index[extends, section] = _index(inherited)
        rules[section] = _pack_section(pid, items, inherited, index[extends, section])
    return {**data, "rules": rules}


def _identity(rule: Any) -> Any:
    """What finds a rule's candidates in its parent's list (`_same` then decides)."""
    return (rule.get("key"), rule.get("effective_from"), rule.get("declared_by")) if isinstance(rule, dict) else None


def _index(parent: list[Any]) -> dict[Any, list[int]]:
    at: dict[Any, list[int]] = {}
    for j, rule in enumerate(parent):
        if isinstance(rule, dict) and "inherited" in rule and isinstance(rule.get("declared_by"), str):
            at.setdefault(_identity(rule), []).append(j)
    return at


def _same(a: Any, b: Any) -> bool:
    """Equal as JSON text would be: the same types (1, 1.0 and true differ), keys in the same order."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return list(a) == list(b) and all(_same(v, b[k]) for k, v in a.items())
    if isinstance(a, list):
        return len(a) == len(b) and all(map(_same, a, b))
    return bool(a == b)


def _inherits(pid: str, rule: dict[str, Any], parent_rule: dict[str, Any]) -> bool:
    """True when expanding a reference to `parent_rule` for payer `pid` gives `rule` exactly."""
    expanded = {**parent_rule, "inherited": parent_rule["declared_by"] != pid}
    return rule == expanded and _same(rule, expanded)  # == first: it answers most mismatches at C speed


def _pack_section(pid: str, items: list[Any], parent: list[Any], index: dict[Any, list[int]]) -> list[Any]:
    out: list[Any] = []
    for rule in items:
        last = out[-1] if out and isinstance(out[-1], list) else None
        found = None
        if isinstance(rule, dict):
            candidates = index.get(_identity(rule), ())
            if last is not None and last[1] in candidates:  # the run goes on, when it can
                candidates = [last[1], *candidates]
            found = next((j for j in candidates if _inherits(pid, rule, parent[j])), None)
        if found is None:
            out.append(rule)
        elif last is not None and last[1] == found:
            last[1] += 1
        else:
            out.append([found, found + 1])
    return out


def _has_references(rules: dict[str, Any]) -> bool:
    return any(isinstance(items, list) and any(isinstance(i, list) for i in items) for items in rules.values())


def _unpack_section(pid: str, section: str, items: Any, parent: Any) -> Any:
    if not isinstance(items, list) or not any(isinstance(i, list) for i in items):
        return items
    source = parent.get("rules", {}).get(section) if isinstance(parent, dict) else None
    if not isinstance(source, list):
        raise ValueError(f"payer {pid!r}: {section} refers to its parent's {section}, which it does not have")
    out: list[Any] = []
    for item in items:
        if not isinstance(item, list):
            out.append(item)
            continue
        if len(item) != 2 or not all(type(n) is int for n in item) or not 0 <= item[0] < item[1] <= len(source):
            raise ValueError(f"payer {pid!r}: {section} refers to positions {item!r} of {len(source)} inherited rules")
        for rule in source[item[0]:item[1]]:
            if not isinstance(rule, dict):
                raise ValueError(f"payer {pid!r}: {section} refers to a parent's item that is not a rule")
            out.append({**rule, "inherited": rule.get("declared_by") != pid})
    return out
