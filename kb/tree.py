"""Reading a policy tree from disk: find the files, parse them, check them against the schema."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from kb.files import display_path, scan
from kb.problems import Problem
from kb.schemas import SCHEMA_FILES, validate, validate_rows
from kb.shorthand import catalogue_items, expand_payer
from kb.yamlfile import YamlDoc, load_yaml

CATALOGUES = ("documents", "codes", "modifiers", "methods")
OPTIONAL_CATALOGUES = (
    "documentation",  # the documentation-item catalogue, when code rules name items by id
    "remittance",  # predicted remittance codes per finding (kb/remit/)
)
LAYOUT = (
    "a policy tree holds documents.yaml, codes.yaml, modifiers.yaml, methods.yaml and payers/<payer-id>.yaml"
)


@dataclass
class PolicyTree:
    """The parsed files of one policy tree. A file that could not be parsed is absent."""

    root: Path
    catalogues: dict[str, YamlDoc] = field(default_factory=dict)
    payers: dict[str, YamlDoc] = field(default_factory=dict)  # file stem -> document
    inputs: dict[str, str] = field(default_factory=dict)  # path relative to root -> sha256
    unreadable: set[str] = field(default_factory=set)  # payer ids and catalogue names that failed to parse


def read_tree(root: Path) -> tuple[PolicyTree, list[Problem]]:
    """Parse and schema-check every file of the tree; returns what parsed and every problem found."""
    tree = PolicyTree(root)
    problems: list[Problem] = []
    files, refused = scan(root)
    problems += [Problem(display_path(path), 1, 1, "", why) for path, why in refused]
    for path in files:
        rel = path.relative_to(root)
        display = display_path(path)
        tree.inputs[rel.as_posix()] = hashlib.sha256(path.read_bytes()).hexdigest()
        kind = _kind_of(rel)
        if kind is None:
            problems.append(Problem(display, 1, 1, "", f"unexpected file: {LAYOUT}"))
            continue
        doc, found = load_yaml(path, display)
        problems += found
        if doc is None:
            tree.unreadable.add(path.stem if kind == "payer" else kind)
            continue
        if not isinstance(doc.data, dict):
            problems.append(Problem(display, 1, 1, "", "the file must hold a mapping (key: value lines)"))
            tree.unreadable.add(path.stem if kind == "payer" else kind)
            continue
        problems += _schema_line(path, display, kind)
        problems += validate(doc, "payer" if kind == "payer" else kind)
        if kind == "payer":
            tree.payers[path.stem] = doc
        else:
            tree.catalogues[kind] = doc
    problems += _expand(tree)
    for name in CATALOGUES:
        if name not in tree.catalogues and not any(p.file.endswith(f"{name}.yaml") for p in problems):
            problems.append(Problem(display_path(root / f"{name}.yaml"), 1, 1, "", f"missing file: {LAYOUT}"))
    if not tree.payers and not any("/payers/" in p.file or p.file.startswith("payers") for p in problems):
        problems.append(Problem(display_path(root / "payers"), 1, 1, "", f"no payer files: {LAYOUT}"))
    return tree, problems


def _expand(tree: PolicyTree) -> list[Problem]:
    """Write out every payer file's groups and documentation references (kb/shorthand.py); the authored data
    stays on the document for the checks that concern the file as written."""
    catalogue = tree.catalogues.get("documentation")
    items = catalogue_items(catalogue.data) if catalogue else {}
    problems: list[Problem] = []
    for doc in tree.payers.values():
        expanded = expand_payer(doc.data, items)
        doc.authored, doc.data, doc.aliases = doc.data, expanded.data, expanded.aliases
        problems += [doc.problem_at(path, message) for path, message in expanded.problems]
        problems += validate_rows(doc, sorted(expanded.grouped))  # type: ignore[arg-type]
    return unique(problems)


def unique(problems: list[Problem]) -> list[Problem]:
    """The problems without repeats (a shared value reported once, not once per row that shares it)."""
    return list(dict.fromkeys(problems))


def _schema_line(path: Path, display: str, kind: str) -> list[Problem]:
    """Every policy file starts by naming its schema, so editors validate and complete it as people type."""
    expected = SCHEMA_FILES[kind]
    first = path.read_text(encoding="utf-8").split("\n", 1)[0].strip()
    prefix = "# yaml-language-server: $schema="
    if first.startswith(prefix) and first.endswith("/" + expected):
        return []
    return [Problem(display, 1, 1, "", f"the first line must be '{prefix}<path to schema>/{expected}' "
                                      "so editors check the file as you type")]


def _kind_of(rel: Path) -> str | None:
    parts = rel.parts
    if len(parts) == 1 and rel.suffix == ".yaml" and rel.stem in (*CATALOGUES, *OPTIONAL_CATALOGUES):
        return rel.stem
    if len(parts) == 2 and parts[0] == "payers" and rel.suffix == ".yaml":
        return "payer"
    return None
