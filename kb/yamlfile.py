"""Safe YAML loading that keeps line numbers and refuses duplicate keys.

PyYAML's SafeLoader keeps the last of two duplicate keys without a word; here the document is
composed to nodes first, so every mapping is checked and every value's position is recorded by
its path (a tuple of keys and indices). Dates stay strings: the schema checks their form and
the compiler converts them, so one code path handles every date.
"""

from __future__ import annotations

import math
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from kb.problems import Problem

Path_ = tuple[str | int, ...]


# libyaml's parser when PyYAML has it (about five times faster on large files); the same safe
# constructor either way.
_Base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Loader(_Base):  # type: ignore[valid-type,misc]
    """Safe loader without the timestamp resolver (dates stay 'YYYY-MM-DD' strings)."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in _Base.yaml_implicit_resolvers.items()
}


def _construct_mapping(loader: _Loader, node: yaml.MappingNode) -> dict[str, Any]:
    # Keys are kept as written: `97112: 2` gives the key "97112", as JSON would.
    return {key.value: loader.construct_object(value, deep=True) for key, value in node.value}


_Loader.add_constructor("tag:yaml.org,2002:map", _construct_mapping)


@dataclass
class YamlDoc:
    """A loaded YAML file: its data and where each path starts (1-based line and column)."""

    file: str
    data: Any
    marks: dict[Path_, tuple[int, int]] = field(default_factory=dict)
    # When `data` is the expanded form of a payer file (kb/shorthand.py): the data as written, and where
    # each expanded path was written (expanded path prefix -> authored path).
    authored: Any = None
    aliases: dict[Path_, Path_] = field(default_factory=dict)
    keys: dict[Path_, tuple[int, int]] = field(default_factory=dict)  # where each mapping key is written

    def authored_path(self, path: Path_) -> Path_:
        """The path as written in the file, for a path into the (possibly expanded) data."""
        path = tuple(path)
        if self.aliases:
            for cut in range(len(path), 0, -1):
                if path[:cut] in self.aliases:
                    return (*self.aliases[path[:cut]], *path[cut:])
        return path

    def where(self, path: Path_) -> tuple[int, int]:
        """Line and column of the value at `path`, or of its nearest ancestor that has one."""
        return self.mark(self.authored_path(path))

    def mark(self, authored: Path_) -> tuple[int, int]:
        """Line and column of an authored path, or of its nearest ancestor that has one."""
        path = tuple(authored)
        while path not in self.marks and path:
            path = path[:-1]
        return self.marks.get(path, (1, 1))

    def problem(self, path: Path_, message: str, at_key: bool = False) -> Problem:
        """A problem at the place the file states the value at `path` (a path into the data); with at_key, at the
        key that names it (an unknown field is its key)."""
        return self.problem_at(self.authored_path(path), message, at_key)

    def problem_at(self, authored: Path_, message: str, at_key: bool = False) -> Problem:
        """A problem at an authored path (as written in the file)."""
        authored = tuple(authored)
        line, col = self.keys[authored] if at_key and authored in self.keys else self.mark(authored)
        return Problem(self.file, line, col, dotted(authored), message)


def dotted(path: Path_) -> str:
    """('ptp_edits', 3, 'column1') -> 'ptp_edits.3.column1'."""
    return ".".join(str(p) for p in path)


MAX_BYTES = 2**20  # the largest policy file is about 60 KB; bulk data belongs in tables (kb ncci)
MAX_ITEMS = 25_000  # lines plus commas, a bound on the YAML nodes (the largest policy file has under 2,000): each
# node costs Python objects, so this, not the bytes, is what keeps one file well under a second
MAX_TEXT = 20_000  # characters in one value: the longest `notes` paragraph is a few hundred
MAX_DIGITS = 30  # digits in one number: no policy value comes near it (and Python refuses 4,300 and more)

_Y = "tag:yaml.org,2002:"
# What a policy file may hold: mappings, lists, text, numbers, true/false and null. An explicit tag for one of these
# (`!!int 12`) is checked like the plain value; any other tag (`!!set`, `!!binary`, `!!python/...`) is a problem.
_KINDS = {_Y + "map": "mapping", _Y + "seq": "list", _Y + "str": "text", _Y + "int": "whole number",
          _Y + "float": "number", _Y + "bool": "true/false value", _Y + "null": "null"}
_BAD_CATEGORIES = {"Cc", "Cf", "Cs", "Co", "Cn"}  # control, format (zero-width, bidi), surrogate, private, unassigned
_LAYOUT = dict.fromkeys(map(ord, "\t\n\r \u00a0\u2009\u202f"))  # white space that is not "printable" but is fine


def text_problem(text: str, limit: int = MAX_TEXT) -> str | None:
    """What is wrong with a text value, or None: too long, or a control or invisible character in it."""
    if len(text) > limit:
        return f"the text is {len(text):,} characters long; a value may have at most {limit:,}"
    if text.isprintable() or text.translate(_LAYOUT).isprintable():  # the common case, at C speed
        return None
    for i, c in enumerate(text):
        if c in "\t\n\r" or unicodedata.category(c) not in _BAD_CATEGORIES:
            continue
        name = unicodedata.name(c, "a control or unassigned character")
        return (f"character {i + 1} is U+{ord(c):04X} ({name}), which is invisible or a control character: "
                "write the text without it")
    return None


def load_yaml(path: Path, display: str) -> tuple[YamlDoc | None, list[Problem]]:
    """Read one YAML file. Returns the document (None when unreadable) and its problems."""
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            return None, [Problem(display, 1, 1, "", f"the file is {size:,} bytes; policy files may be at most "
                                                     f"{MAX_BYTES:,} (bulk tables belong in `kb ncci` tables)")]
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        return None, [Problem(display, 1, 1, "", f"not UTF-8 text ({exc.reason} at byte {exc.start})")]
    except OSError as exc:
        return None, [Problem(display, 1, 1, "", f"cannot read the file: {exc.strerror}")]
    items = text.count("\n") + text.count(",")
    if items > MAX_ITEMS:
        return None, [Problem(display, 1, 1, "", f"the file has {items:,} lines and commas; a policy file may have at "
                                                 f"most {MAX_ITEMS:,} (bulk tables belong in `kb ncci` tables)")]
    return parse_yaml(text, display)


def parse_yaml(text: str, display: str) -> tuple[YamlDoc | None, list[Problem]]:
    """Parse YAML text (one document) into a YamlDoc, reporting syntax errors and duplicate keys."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:  # a lone surrogate: possible in a Python string, never in a UTF-8 file
        line, col = _line_col(text, exc.start)
        return None, [Problem(display, line, col, "", f"not valid Unicode text: U+{ord(text[exc.start]):04X} is "
                                                      "half of a surrogate pair")]
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None, [Problem(display, 1, 1, "", "the file is empty")]
        problems: list[Problem] = []
        doc = YamlDoc(display, None)
        _walk(node, (), doc, problems, set(), loader)
        if problems:
            return None, problems
        doc.data = loader.construct_document(node)
        return doc, []
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        what = exc.problem or exc.context or "invalid YAML"
        if "found unhashable key" in str(exc) or "could not determine a constructor" in str(exc):
            what = str(exc.problem or exc).strip()
        return None, [Problem(display, line, col, "", f"YAML syntax error: {what}")]
    except yaml.reader.ReaderError as exc:  # a character YAML does not allow (NUL, a control character)
        line, col = _line_col(text, exc.position)
        what = f"U+{exc.character:04X}" if isinstance(exc.character, int) else repr(exc.character)
        return None, [Problem(display, line, col, "", f"character {what} is not allowed in YAML ({exc.reason}): "
                                                      "remove it")]
    except yaml.YAMLError as exc:  # errors without a position
        return None, [Problem(display, 1, 1, "", "YAML error: " + " ".join(str(exc).split()))]
    except RecursionError:
        return None, [Problem(display, 1, 1, "", "the YAML is nested too deeply to be a policy file")]
    finally:
        loader.dispose()


def _line_col(text: str, position: int) -> tuple[int, int]:
    """1-based line and column of a character offset."""
    before = text[:position]
    return before.count("\n") + 1, position - (before.rfind("\n") + 1) + 1


def _scalar_problem(node: yaml.ScalarNode, loader: _Loader) -> str | None:
    """What is wrong with one scalar, or None: a value its tag cannot hold, a huge or non-finite number, bad text."""
    kind = _KINDS[node.tag]
    value = node.value
    if node.tag == _Y + "str":
        return text_problem(value)
    if node.tag == _Y + "int" and sum(c.isdigit() for c in value) > MAX_DIGITS:
        return f"a number with {sum(c.isdigit() for c in value):,} digits is too large for a policy file"
    try:
        result = loader.yaml_constructors[node.tag](loader, node)
    except (ValueError, TypeError, KeyError, AttributeError, OverflowError, yaml.YAMLError):
        return f"'{value[:40]}' is not a {kind}"
    if isinstance(result, float) and not math.isfinite(result):
        return f"'{value[:40]}' is not a finite number (.nan and .inf are not allowed)"
    return None


def _walk(node: yaml.Node, path: Path_, doc: YamlDoc, problems: list[Problem], seen_nodes: set[int],
          loader: _Loader) -> None:
    doc.marks[path] = (node.start_mark.line + 1, node.start_mark.column + 1)
    if node.tag not in _KINDS:
        tag = node.tag.replace(_Y, "!!")
        problems.append(doc.problem(path, f"the tag {tag} is not allowed: a policy file holds only mappings, lists, "
                                          "text, numbers, true/false and null"))
        return
    if isinstance(node, yaml.ScalarNode):
        why = _scalar_problem(node, loader)
        if why:
            problems.append(doc.problem(path, why))
        return
    if isinstance(node, yaml.CollectionNode):
        # An alias makes the composer hand back a node it has handed out before. Policies never
        # need aliases, and refusing them stops "billion laughs" expansion before it starts.
        if id(node) in seen_nodes:
            _alias(doc, path, None, problems)
            return
        seen_nodes.add(id(node))
    if isinstance(node, yaml.MappingNode):
        seen: dict[Any, int] = {}
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                problems.append(
                    Problem(doc.file, key_node.start_mark.line + 1, key_node.start_mark.column + 1,
                            dotted(path), "merge keys (<<) are not allowed: write the fields out")
                )
                continue
            if not isinstance(key_node, yaml.ScalarNode):
                problems.append(
                    Problem(doc.file, key_node.start_mark.line + 1, key_node.start_mark.column + 1,
                            dotted(path), "a mapping key must be a plain value")
                )
                continue
            key = key_node.value
            line = key_node.start_mark.line + 1
            why = text_problem(key, 200)
            if why:
                problems.append(Problem(doc.file, line, key_node.start_mark.column + 1, dotted(path), f"key: {why}"))
                continue
            if key in seen:
                problems.append(
                    Problem(doc.file, line, key_node.start_mark.column + 1, dotted((*path, key)),
                            f"duplicate key '{key}' (first on line {seen[key]}, again on line {line})")
                )
                continue
            seen[key] = line
            doc.keys[(*path, key)] = (line, key_node.start_mark.column + 1)
            if isinstance(value_node, yaml.CollectionNode) and id(value_node) in seen_nodes:
                _alias(doc, (*path, key), (line, key_node.start_mark.column + 1), problems)
                continue
            _walk(value_node, (*path, key), doc, problems, seen_nodes, loader)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _walk(item, (*path, index), doc, problems, seen_nodes, loader)


_ALIASES = "anchors and aliases (&name / *name) are not allowed"


def _alias(doc: YamlDoc, path: Path_, where: tuple[int, int] | None, problems: list[Problem]) -> None:
    """One message for every alias of a file (a "billion laughs" file repeats them by the dozen): the first
    one's place, and how many there are."""
    for i, p in enumerate(problems):
        if p.message.startswith(_ALIASES):
            count = int(p.message.rsplit("(", 1)[1].split()[0]) + 1 if p.message.endswith("in this file)") else 2
            problems[i] = Problem(p.file, p.line, p.column, p.path, f"{_ALIASES} ({count} uses in this file)")
            return
    line, col = where or doc.where(path)
    problems.append(Problem(doc.file, line, col, dotted(path), _ALIASES))
