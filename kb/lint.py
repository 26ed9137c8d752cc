"""Cross-reference checks the schema cannot express.

Each check reads the parsed tree and reports problems at the line they concern. Checks are written
defensively: a value of the wrong type was already reported by the schema, so it is skipped here.
"""

from __future__ import annotations

import difflib
import re
from collections import defaultdict
from collections.abc import Callable, Iterator
from typing import Any

from kb.problems import Problem
from kb.rules import REMOVABLE, SECTIONS, overlap, parse_date, period, rule_key, same_scope
from kb.tree import PolicyTree
from kb.yamlfile import YamlDoc

Check = Callable[[PolicyTree, "Vocab"], Iterator[Problem]]
CHECKS: list[Check] = []


def check(fn: Check) -> Check:
    """Register a check (run in the order registered)."""
    CHECKS.append(fn)
    return fn


class Vocab:
    """The ids each catalogue defines (empty when the catalogue could not be read)."""

    def __init__(self, tree: PolicyTree):
        self.codes = _ids(tree, "codes", "codes", "code")
        self.modifiers = _ids(tree, "modifiers", "modifiers", "id")
        self.documents = _ids(tree, "documents", "documents", "id")
        self.methods = _ids(tree, "methods", "methods", "id")
        self.complete = all(k in tree.catalogues for k in ("codes", "modifiers", "documents", "methods"))


def _ids(tree: PolicyTree, kind: str, list_key: str, id_key: str) -> set[str]:
    doc = tree.catalogues.get(kind)
    items = doc.data.get(list_key) if doc else None
    return {item[id_key] for item in _dicts(items) if isinstance(item.get(id_key), str)}


def _dicts(items: Any) -> Iterator[dict[str, Any]]:
    if isinstance(items, list):
        for item in items:
            if isinstance(item, dict):
                yield item


def _dict(value: Any) -> dict[str, Any]:
    """The value when it is a mapping, else an empty one (a wrong type was reported by the schema)."""
    return value if isinstance(value, dict) else {}


def _indexed(items: Any) -> Iterator[tuple[int, dict[str, Any]]]:
    if isinstance(items, list):
        for index, item in enumerate(items):
            if isinstance(item, dict):
                yield index, item


def lint(tree: PolicyTree) -> list[Problem]:
    """Run every registered check over the tree."""
    vocab = Vocab(tree)
    problems: list[Problem] = []
    for fn in CHECKS:
        problems.extend(fn(tree, vocab))
    return list(dict.fromkeys(problems))  # a value shared by a group of rows is reported once, not once per row


def _all_docs(tree: PolicyTree) -> Iterator[YamlDoc]:
    yield from tree.catalogues.values()
    yield from tree.payers.values()


def _walk_sources(data: Any, path: tuple) -> Iterator[tuple[tuple, dict[str, Any]]]:
    """Every source entry anywhere in a document, with its path."""
    if isinstance(data, dict):
        for key, value in data.items():
            if key == "sources" and isinstance(value, list):
                for i, src in _indexed(value):
                    yield (*path, key, i), src
            else:
                yield from _walk_sources(value, (*path, key))
    elif isinstance(data, list):
        for i, value in enumerate(data):
            yield from _walk_sources(value, (*path, i))


@check
def duplicate_catalogue_ids(tree: PolicyTree, vocab: Vocab) -> Iterator[Problem]:
    for kind, id_key in (("codes", "code"), ("modifiers", "id"), ("documents", "id"), ("methods", "id")):
        doc = tree.catalogues.get(kind)
        if not doc:
            continue
        first: dict[str, int] = {}
        for i, item in _indexed(doc.data.get(kind)):
            ident = item.get(id_key)
            if not isinstance(ident, str):
                continue
            if ident in first:
                line = doc.where((kind, first[ident]))[0]
                yield doc.problem((kind, i, id_key), f"'{ident}' is defined twice (first at line {line})")
            else:
                first[ident] = i


@check
def documents_checked_after_read(tree: PolicyTree, vocab: Vocab) -> Iterator[Problem]:
    doc = tree.catalogues.get("documents")
    for i, item in _indexed(doc.data.get("documents") if doc else None):
        read, checked = parse_date(item.get("read")), parse_date(item.get("last_verified"))
        if read and checked and checked < read:
            yield doc.problem(("documents", i, "last_verified"),  # type: ignore[union-attr]
                              f"last_verified {checked.isoformat()} is before the document was read "
                              f"({read.isoformat()}): a document is checked when it is read, or later")


@check
def document_references(tree: PolicyTree, vocab: Vocab) -> Iterator[Problem]:
    if "documents" not in tree.catalogues:
        return
    for doc in _all_docs(tree):
        for path, src in _walk_sources(doc.data, ()):
            ref = src.get("doc")
            if isinstance(ref, str) and ref not in vocab.documents:
                yield doc.problem((*path, "doc"), f"unknown document '{ref}': add it to documents.yaml")


@check
def periods_in_order(tree: PolicyTree, vocab: Vocab) -> Iterator[Problem]:
    for doc in _all_docs(tree):
        for path, item in _walk_items(doc.data, ()):
            start, end = period(item)
            if start and end and end < start and "year" not in item:
                what = "deletion date" if "column1" in item else "effective_to"
                yield doc.problem(
                    (*path, "effective_to"), f"{what} {end.isoformat()} is before effective_from {start.isoformat()}"
                )


@check
def undated_starts_are_explained(tree: PolicyTree, vocab: Vocab) -> Iterator[Problem]:
    for doc in tree.payers.values():
        for path, item in _walk_items(doc.data, ()):
            basis = item.get("effective_from_basis")
            if basis in ("earliest-evidence", "assumed") and not str(item.get("notes") or "").strip():
                yield doc.problem((*path, "effective_from_basis"),
                                  f"effective_from is {basis}: say in notes why this date was used")


def _walk_items(data: Any, path: tuple) -> Iterator[tuple[tuple, dict[str, Any]]]:
    """Every mapping that carries an effective_from, with its path."""
    if isinstance(data, dict):
        if "effective_from" in data:
            yield path, data
        for key, value in data.items():
            yield from _walk_items(value, (*path, key))
    elif isinstance(data, list):
        for i, value in enumerate(data):
            yield from _walk_items(value, (*path, i))


# --- payer files -------------------------------------------------------------------------------


@check
def payer_identity(tree: PolicyTree, vocab: Vocab) -> Iterator[Problem]:
    for stem, doc in tree.payers.items():
        ident = doc.data.get("id")
        if isinstance(ident, str) and ident != stem:
            yield doc.problem(("id",), f"payer id '{ident}' must equal the file name '{stem}'")


@check
def extends_chain(tree: PolicyTree, vocab: Vocab) -> Iterator[Problem]:
    for stem, doc in tree.payers.items():
        parent = doc.data.get("extends")
        if not isinstance(parent, str):
            continue
        if parent == stem:
            yield doc.problem(("extends",), "a payer cannot extend itself")
        elif parent in tree.unreadable:
            continue  # its file has its own problems; the reference itself is fine
        elif parent not in tree.payers:
            yield doc.problem(("extends",), f"extends unknown payer '{parent}' (no payers/{parent}.yaml)")
        elif cycle := _cycle(tree, stem):
            yield doc.problem(("extends",), f"extends forms a cycle: {' -> '.join(cycle)}")


def _cycle(tree: PolicyTree, start: str) -> list[str]:
    seen = [start]
    current = start
    while True:
        doc = tree.payers.get(current)
        parent = doc.data.get("extends") if doc else None
        if not isinstance(parent, str) or parent not in tree.payers:
            return []
        if parent in seen:
            return [*seen[seen.index(parent) :], parent] if start in seen[seen.index(parent) :] else []
        seen.append(parent)
        current = parent


def lineage(tree: PolicyTree, payer: str) -> list[str]:
    """The payer and its ancestors, nearest first (stops at a cycle or a missing parent)."""
    chain = [payer]
    while True:
        doc = tree.payers.get(chain[-1])
        parent = doc.data.get("extends") if doc else None
        if not isinstance(parent, str) or parent not in tree.payers or parent in chain:
            return chain
        chain.append(parent)


@check
def has_unit_method(tree: PolicyTree, vocab: Vocab) -> Iterator[Problem]:
    for stem, doc in tree.payers.items():
        chain = lineage(tree, stem)
        if tree.payers[chain[-1]].data.get("extends") in tree.unreadable:
            continue
        if any(isinstance(tree.payers[p].data.get("unit_methods"), list) and tree.payers[p].data["unit_methods"]
               for p in chain):
            continue
        yield doc.problem((), "the payer has no unit_methods and inherits none: say how it counts units")


def _selector_codes(sel: Any) -> Iterator[tuple[tuple, str]]:
    if isinstance(sel, dict) and isinstance(sel.get("codes"), list):
        for i, code in enumerate(sel["codes"]):
            if isinstance(code, str):
                yield ("codes", i), code


def _code_refs(data: dict[str, Any]) -> Iterator[tuple[tuple, str]]:
    """Every code a payer file names in its rules, with its path."""
    for section, field_names in (("code_rules", ("code",)), ("mues", ("code",)),
                                 ("ptp_edits", ("column1", "column2"))):
        for i, rule in _indexed(data.get(section)):
            for name in field_names:
                if isinstance(rule.get(name), str):
                    yield (section, i, name), rule[name]
    for section in ("unit_methods", "modifier_rules", "payment_adjustments", "visit_rules"):
        for i, rule in _indexed(data.get(section)):
            for sel_name in ("applies_to", "with", "cap_applies_to"):
                for sub, code in _selector_codes(rule.get(sel_name)):
                    yield (section, i, sel_name, *sub), code
    for i, example in _indexed(data.get("examples")):
        expected = _dict(example.get("expect"))
        if "code.unknown" in (expected.get("findings") or []):
            continue  # the example is about an unknown code
        visit = _dict(example.get("visit"))
        for j, line in _indexed(visit.get("lines")):
            if isinstance(line.get("code"), str):
                yield ("examples", i, "visit", "lines", j, "code"), line["code"]


def _modifier_refs(data: dict[str, Any]) -> Iterator[tuple[tuple, str]]:
    for i, rule in _indexed(data.get("modifier_rules")):
        base = ("modifier_rules", i)
        if isinstance(rule.get("modifier"), str):
            yield (*base, "modifier"), rule["modifier"]
        for j, mod in enumerate(rule.get("modifiers") or []):
            if isinstance(mod, str):
                yield (*base, "modifiers", j), mod
        for field_name in ("by_plan_of_care", "pairs"):
            mapping = rule.get(field_name)
            if isinstance(mapping, dict):
                for key, mod in mapping.items():
                    if field_name == "pairs":
                        yield (*base, field_name, key), key
                    if isinstance(mod, str):
                        yield (*base, field_name, key), mod
    for i, rule in _indexed(data.get("payment_adjustments")):
        for j, mod in enumerate(rule.get("modifiers") or []):
            if isinstance(mod, str):
                yield ("payment_adjustments", i, "modifiers", j), mod
    for i, example in _indexed(data.get("examples")):
        visit = _dict(example.get("visit"))
        for j, line in _indexed(visit.get("lines")):
            for k, mod in enumerate(line.get("modifiers") or []):
                if isinstance(mod, str):
                    yield ("examples", i, "visit", "lines", j, "modifiers", k), mod


@check
def known_codes_and_modifiers(tree: PolicyTree, vocab: Vocab) -> Iterator[Problem]:
    if "codes" in tree.catalogues:
        for doc in tree.payers.values():
            for path, code in _code_refs(doc.data):
                if code not in vocab.codes:
                    yield doc.problem(path, f"unknown code '{code}': add it to codes.yaml first")
    if "modifiers" in tree.catalogues:
        for doc in tree.payers.values():
            for path, mod in _modifier_refs(doc.data):
                if mod not in vocab.modifiers:
                    yield doc.problem(path, f"unknown modifier '{mod}': add it to modifiers.yaml first")
    if "methods" in tree.catalogues:
        for doc in tree.payers.values():
            for i, rule in _indexed(doc.data.get("unit_methods")):
                method = rule.get("method")
                if isinstance(method, str) and method not in vocab.methods:
                    yield doc.problem(("unit_methods", i, "method"), f"unknown method '{method}': not in methods.yaml")


@check
def no_self_edges(tree: PolicyTree, vocab: Vocab) -> Iterator[Problem]:
    for doc in tree.payers.values():
        for i, edit in _indexed(doc.data.get("ptp_edits")):
            if isinstance(edit.get("column1"), str) and edit.get("column1") == edit.get("column2"):
                yield doc.problem(("ptp_edits", i, "column2"),
                                  f"an edit from code {edit['column1']} to itself (column1 equals column2)")


@check
def no_overlapping_periods(tree: PolicyTree, vocab: Vocab) -> Iterator[Problem]:
    for doc in tree.payers.values():
        for section in SECTIONS:
            by_key: dict[str, list[tuple[int, dict[str, Any]]]] = defaultdict(list)
            for i, rule in _indexed(doc.data.get(section)):
                if _dates_readable(rule):  # a malformed date was reported by the schema; guessing its period
                    by_key[rule_key(section, rule)].append((i, rule))  # would report overlaps that are not there
            for key, entries in by_key.items():
                for n, (i, rule) in enumerate(entries):
                    for j, other in entries[:n]:
                        if overlap(rule, other) and same_scope(rule, other):
                            line = doc.where((section, j))[0]
                            what = "the unit method" if section == "unit_methods" else f"'{key}'"
                            yield doc.problem(
                                (section, i),
                                f"{what} is stated twice for overlapping periods (the other entry is at line {line}); "
                                "end one with effective_to before the other starts",
                            )


def _dates_readable(rule: dict[str, Any]) -> bool:
    return all(rule.get(name) is None or parse_date(rule.get(name)) is not None
               for name in ("effective_from", "effective_to"))


@check
def unique_ids(tree: PolicyTree, vocab: Vocab) -> Iterator[Problem]:
    for doc in tree.payers.values():
        for section in ("examples",):
            first: dict[str, int] = {}
            for i, item in _indexed(doc.data.get(section)):
                ident = item.get("id")
                if isinstance(ident, str):
                    if ident in first:
                        line = doc.where((section, first[ident]))[0]
                        yield doc.problem((section, i, "id"),
                                          f"example id '{ident}' is used twice (first at line {line})")
                    else:
                        first[ident] = i


@check
def removals_name_inherited_rules(tree: PolicyTree, vocab: Vocab) -> Iterator[Problem]:
    for stem, doc in tree.payers.items():
        removals = list(_indexed(doc.data.get("remove")))
        if not removals:
            continue
        chain = lineage(tree, stem)
        if isinstance(tree.payers[chain[-1]].data.get("extends"), str):
            continue  # the chain is broken (missing, unreadable or cyclic parent): reported by extends_chain
        if len(chain) == 1:
            yield doc.problem(("remove",), "remove needs a payer to inherit from: this payer has no `extends`")
            continue
        inherited = _resolved_keys(tree, chain[1:])
        for i, item in removals:
            section, key = item.get("section"), item.get("key")
            if section not in REMOVABLE:
                continue
            if key is None and not inherited[section]:
                yield doc.problem(("remove", i, "section"), f"nothing to remove: no inherited rules in {section}")
            elif isinstance(key, str) and key not in inherited[section]:
                yield doc.problem(("remove", i, "key"),
                                  f"nothing to remove: '{key}' is not an inherited rule in {section}")


def _resolved_keys(tree: PolicyTree, chain: list[str]) -> dict[str, set[str]]:
    """Keys per section of the resolved payer at the head of `chain` (its ancestors after it)."""
    keys: dict[str, set[str]] = {s: set() for s in SECTIONS}
    for payer in reversed(chain):
        data = tree.payers[payer].data
        for section in SECTIONS:
            keys[section] |= {rule_key(section, rule) for rule in _dicts(data.get(section))}
        for item in _dicts(data.get("remove")):
            if item.get("section") in keys:
                if item.get("key") is None:
                    keys[item["section"]].clear()
                else:
                    keys[item["section"]].discard(item.get("key"))
    return keys


def _elements(tree: PolicyTree) -> Iterator[tuple[YamlDoc, tuple, dict[str, Any]]]:
    """Every documentation element as written: the catalogue's items, and elements written out in code rules."""
    catalogue = tree.catalogues.get("documentation")
    if catalogue:
        for i, item in _indexed(catalogue.data.get("documentation")):
            yield catalogue, ("documentation", i), item
    for doc in tree.payers.values():
        for i, rule in _indexed(doc.data.get("code_rules")):
            for j, element in _indexed(rule.get("documentation")):
                path = ("code_rules", i, "documentation", j)
                if isinstance(_authored_value(doc, path), dict):  # written out here, not named from the catalogue
                    yield doc, path, element


def _authored_value(doc: YamlDoc, path: tuple) -> Any:
    value = doc.authored if doc.authored is not None else doc.data
    for part in doc.authored_path(path):
        try:
            value = value[part]
        except (KeyError, IndexError, TypeError):
            return None
    return value


@check
def regexes_compile(tree: PolicyTree, vocab: Vocab) -> Iterator[Problem]:
    # Documentation patterns run in RE2 (kb/check/notes.py): linear time whatever the pattern, so no policy can make
    # a note hang the checker; a pattern RE2 cannot run (lookarounds, backreferences) is a problem here.
    from kb.check.notes import re2_problem

    for doc, path, element in _elements(tree):
        for field in ("match", "exclude"):
            for k, pattern in enumerate(element.get(field) or []):
                if not isinstance(pattern, str):
                    continue
                where = (*path, field, k)
                why = re2_problem(pattern)
                if why is None:
                    continue
                try:
                    re.compile(pattern)
                except re.error as exc:
                    yield doc.problem(where, f"not a valid regular expression: {exc}")
                    continue
                yield doc.problem(where, f"RE2, which matches in linear time, cannot run this pattern ({why}): "
                                         "write it without lookarounds or backreferences")


@check
def section_kinds_known(tree: PolicyTree, vocab: Vocab) -> Iterator[Problem]:
    # An element's `sections` name section kinds of the note lexicon; an unknown kind would silently never match.
    from kb.check.notes import section_kinds

    kinds = section_kinds()
    for doc, path, element in _elements(tree):
        for k, kind in enumerate(element.get("sections") or []):
            if isinstance(kind, str) and kind not in kinds:
                known = ", ".join(sorted(kinds))
                yield doc.problem((*path, "sections", k),
                                  f"unknown note section kind '{kind}' (kb/check/note_lexicon.yaml knows {known})")


@check
def documentation_items(tree: PolicyTree, vocab: Vocab) -> Iterator[Problem]:
    catalogue = tree.catalogues.get("documentation")
    known: set[str] = set()
    if catalogue:
        first: dict[str, int] = {}
        for i, item in _indexed(catalogue.data.get("documentation")):
            ident = item.get("id")
            if not isinstance(ident, str):
                continue
            if ident in first:
                line = catalogue.where(("documentation", first[ident]))[0]
                yield catalogue.problem(("documentation", i, "id"),
                                        f"'{ident}' is defined twice (first at line {line})")
            else:
                first[ident] = i
        known = set(first)
    where_to = "add it to documentation.yaml" if catalogue else "this tree has no documentation.yaml"
    for doc in tree.payers.values():
        for i, rule in _indexed(doc.data.get("code_rules")):
            ids: dict[str, int] = {}
            for j, element in enumerate(rule.get("documentation") or []):
                if isinstance(element, str):  # a reference the catalogue does not hold (known ones are expanded)
                    yield doc.problem(("code_rules", i, "documentation", j),
                                      f"unknown documentation item '{element}': {where_to}")
                elif isinstance(element, dict) and isinstance(element.get("id"), str):
                    if element["id"] in ids:
                        yield doc.problem(("code_rules", i, "documentation", j),
                                          f"the checklist holds element '{element['id']}' twice "
                                          f"(also item {ids[element['id']] + 1}): keep one")
                    ids.setdefault(element["id"], j)
            for j, ref in enumerate(rule.get("documentation_add") or []):
                if isinstance(ref, str) and ref not in known:
                    yield doc.problem(("code_rules", i, "documentation_add", j),
                                      f"unknown documentation item '{ref}': {where_to}")


@check
def patterns_from_targets(tree: PolicyTree, vocab: Vocab) -> Iterator[Problem]:
    # `patterns_from` borrows another item's patterns one step deep: the target must exist, state its own patterns
    # (a chain would make an item's patterns depend on an order of resolution), and the borrower states none.
    from kb.shorthand import PATTERN_FIELDS

    catalogue = tree.catalogues.get("documentation")
    if not catalogue:
        return
    items = dict(_indexed(catalogue.data.get("documentation")))
    by_id: dict[str, dict[str, Any]] = {}
    for item in items.values():
        if isinstance(item.get("id"), str):
            by_id.setdefault(item["id"], item)
    for i, item in items.items():
        target = item.get("patterns_from")
        if not isinstance(target, str):
            continue
        where = ("documentation", i, "patterns_from")
        source = by_id.get(target)
        if source is None:
            guess = difflib.get_close_matches(target, [k for k in by_id if k != item.get("id")], n=1)
            yield catalogue.problem(where, f"unknown documentation item '{target}'"
                                           + (f" (did you mean '{guess[0]}'?)" if guess else ""))
        elif source is item:
            yield catalogue.problem(where, "an item cannot take its patterns from itself")
        elif "patterns_from" in source:
            yield catalogue.problem(where, f"'{target}' takes its own patterns from '{source['patterns_from']}': "
                                           f"name '{source['patterns_from']}' here (no chains)")
        for name in PATTERN_FIELDS:
            if name in item:
                yield catalogue.problem(("documentation", i, name),
                                        f"'{name}' beside patterns_from: the item's patterns come from "
                                        f"'{target}'; drop '{name}' or drop patterns_from")


_FACTS = ("timed", "unit_minutes", "daily_cap", "one_on_one", "covered", "documentation")


@check
def fact_sources_name_stated_facts(tree: PolicyTree, vocab: Vocab) -> Iterator[Problem]:
    for doc in tree.payers.values():
        for i, rule in _indexed(doc.data.get("code_rules")):
            facts = rule.get("fact_sources")
            if not isinstance(facts, dict):
                continue
            stated = {f for f in _FACTS if f in rule}
            if "documentation_add" in rule or "documentation_remove" in rule:
                stated.add("documentation")
            for name in facts:
                if name in _FACTS and name not in stated:
                    yield doc.problem(("code_rules", i, "fact_sources", name),
                                      f"fact_sources names '{name}', which this rule does not state")


@check
def checklist_changes_have_a_base(tree: PolicyTree, vocab: Vocab) -> Iterator[Problem]:
    for stem, doc in tree.payers.items():
        changes = [(i, rule) for i, rule in _indexed(doc.data.get("code_rules"))
                   if "documentation_add" in rule or "documentation_remove" in rule]
        if not changes:
            continue
        chain = lineage(tree, stem)
        if len(chain) > 1 and isinstance(tree.payers[chain[-1]].data.get("extends"), str):
            continue  # broken chain: reported by extends_chain
        inherited = _resolved_keys(tree, chain[1:])["code_rules"] if len(chain) > 1 else set()
        for i, rule in changes:
            name = "documentation_add" if "documentation_add" in rule else "documentation_remove"
            if rule.get("code") not in inherited:
                yield doc.problem(("code_rules", i, name),
                                  f"{name} changes an inherited checklist, but no payer this one extends has a code "
                                  f"rule for {rule.get('code')}: write `documentation` instead")


@check
def examples_are_consistent(tree: PolicyTree, vocab: Vocab) -> Iterator[Problem]:
    for doc in tree.payers.values():
        for i, example in _indexed(doc.data.get("examples")):
            visit = _dict(example.get("visit"))
            codes = {line.get("code") for line in _dicts(visit.get("lines"))}
            expected = _dict(example.get("expect"))
            units = expected.get("units")
            answers: list[dict[str, Any]] = [units] if isinstance(units, dict) else []
            answers += [a for a in expected.get("units_any_of") or [] if isinstance(a, dict)]
            for answer in answers:
                for code in answer:
                    if code not in codes:
                        yield doc.problem(("examples", i, "expect"),
                                          f"expected units for {code}, which is not a line of the visit")


# --- remittance.yaml -------------------------------------------------------------------------------


@check
def remittance_references(tree: PolicyTree, vocab: Vocab) -> Iterator[Problem]:
    """Predicted remittance codes name finding ids the checker declares (once each) and payers that exist."""
    doc = tree.catalogues.get("remittance")
    if doc is None:
        return
    from kb.check.registry import findings  # the checker's declared finding ids

    declared = findings()
    first: dict[str, int] = {}
    for i, entry in _indexed(doc.data.get("remittance")):
        fid = entry.get("finding")
        if isinstance(fid, str) and fid not in declared:
            yield doc.problem(("remittance", i, "finding"), f"unknown finding '{fid}': the checker declares "
                              f"{', '.join(sorted(declared))}")
        elif isinstance(fid, str) and fid in first:
            line = doc.where(("remittance", first[fid]))[0]
            yield doc.problem(("remittance", i, "finding"), f"'{fid}' is stated twice (first at line {line})")
        elif isinstance(fid, str):
            first[fid] = i
        for j, own in _indexed(entry.get("payers")):
            payer = own.get("payer")
            if isinstance(payer, str) and payer not in tree.payers:
                yield doc.problem(("remittance", i, "payers", j, "payer"),
                                  f"unknown payer '{payer}': add payers/{payer}.yaml first")
