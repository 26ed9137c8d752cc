"""`kb fmt`: the canonical layout of policy files, with comments kept (ruamel.yaml round trip).

Canonical means: keys in the order the schema lists them (identity, then facts, then dates, sources, evidence,
notes), codes and dates quoted, a collection written on one line when it fits in 120 columns and holds no comments
and no list of mappings, and long text folded (`>-`) at 120 columns. Every decision depends on the data alone, so
formatting is idempotent. The parsed data never changes: fmt only moves keys and chooses styles.
"""

from __future__ import annotations

import datetime
import io
import json
import re
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedBase, CommentedMap, CommentedSeq
from ruamel.yaml.emitter import Emitter
from ruamel.yaml.error import YAMLError
from ruamel.yaml.scalarstring import FoldedScalarString, SingleQuotedScalarString

from kb.paths import schema_dir

WIDTH = 120
_CODE = re.compile(r"^([0-9]{4}[0-9A-Z]|[A-Z][0-9]{4})(/([0-9]{4}[0-9A-Z]|[A-Z][0-9]{4}))?$")  # a code, or a pair
_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
# words YAML 1.1 readers (PyYAML, which kb's loader uses) take for booleans or null when unquoted
_WORDS_11 = {"yes", "no", "y", "n", "on", "off", "true", "false", "null"}
# text that every YAML parser reads unquoted as the same text; anything else is quoted (quoting never changes it)
_PLAIN = re.compile(r"[A-Za-z§(][A-Za-z0-9 ._/()§$+=;~%-]*")


class FormatError(Exception):
    """A file that cannot be formatted (not YAML); `kb validate` says more."""


class _Emitter(Emitter):  # type: ignore[misc]
    """ruamel's emitter, but a double-quoted scalar (text with a tab or another character only escapes can write)
    stays on one line: ruamel's line breaking of double-quoted text can break right after an escaped backslash
    without the continuation backslash, so the text read back gains a space."""

    def write_double_quoted(self, text: Any, split: Any = True) -> None:
        super().write_double_quoted(text, split=False)


def yaml_rt() -> YAML:
    """A round-trip YAML reader and writer set to the project's layout."""
    y = YAML()
    y.Emitter = _Emitter
    y.width = WIDTH
    y.indent(mapping=2, sequence=2, offset=0)
    y.preserve_quotes = False
    y.representer.add_representer(float, _represent_float)
    return y


def _represent_float(representer: Any, value: float) -> Any:
    """A float as every YAML reader reads it back: repr's digits, with the '.0' YAML 1.1 needs before an exponent."""
    if value != value or value in (float("inf"), float("-inf")):
        text = ".nan" if value != value else (".inf" if value > 0 else "-.inf")
    else:
        text = repr(value)
        mantissa, _, exponent = text.partition("e")
        if exponent and "." not in mantissa:
            text = f"{mantissa}.0e{exponent}"
    return representer.represent_scalar("tag:yaml.org,2002:float", text)


def kind_of(path: Path) -> str:
    """The schema kind of a policy file from its place in the tree: payers/<id>.yaml, or a catalogue whose
    schema is schema/<name>.schema.json."""
    if path.parent.name != "payers" and (schema_dir() / f"{path.stem}.schema.json").is_file():
        return path.stem
    return "payer"


def format_text(text: str, kind: str) -> str:
    """The canonical text of one policy file."""
    y = yaml_rt()
    try:
        data = y.load(text)
    except YAMLError as exc:
        raise FormatError(f"not valid YAML: {str(exc).splitlines()[0]}") from None
    if not isinstance(data, CommentedMap):
        raise FormatError("the file must hold a mapping")
    data = canonical(data, root_schema(kind), 0, 0, top=True)
    return dump(data)


def dump(data: Any) -> str:
    """Write data (already canonical) as YAML text."""
    out = io.StringIO()
    yaml_rt().dump(data, out)
    return out.getvalue()


def format_file(path: Path) -> tuple[str, str]:
    """(text now, canonical text) of one file."""
    text = path.read_text(encoding="utf-8")
    return text, format_text(text, kind_of(path))


# -- the schema: which keys a mapping has, in order ---------------------------------------------------------


@cache
def _schemas() -> dict[str, dict[str, Any]]:
    return {p.name: json.loads(p.read_text(encoding="utf-8")) for p in schema_dir().glob("*.schema.json")}


def root_schema(kind: str) -> tuple[str, dict[str, Any]]:
    """(file name, schema) of a kind of policy file."""
    name = f"{kind}.schema.json"
    return name, _schemas()[name]


def _deref(ctx: tuple[str, dict[str, Any]]) -> Iterator[tuple[str, dict[str, Any]]]:
    """A schema and every subschema it pulls in ($ref, allOf, if/then/else, anyOf, oneOf)."""
    file, schema = ctx
    if not isinstance(schema, dict):
        return
    yield file, schema
    ref = schema.get("$ref")
    if isinstance(ref, str):
        target_file, _, pointer = ref.partition("#")
        target_file = target_file or file
        node: Any = _schemas().get(target_file, {})
        for part in pointer.strip("/").split("/") if pointer else []:
            node = node.get(part, {}) if isinstance(node, dict) else {}
        yield from _deref((target_file, node))
    for key in ("allOf", "anyOf", "oneOf"):
        for sub in schema.get(key, []):
            yield from _deref((file, sub))
    for key in ("then", "else"):
        if key in schema:
            yield from _deref((file, schema[key]))


def _keys(ctx: tuple[str, dict[str, Any]]) -> list[str]:
    """The property names a schema allows, own properties before those pulled in."""
    own: list[str] = []
    pulled: list[str] = []
    for i, (_, schema) in enumerate(_deref(ctx)):
        for name in schema.get("properties", {}):
            target = own if i == 0 else pulled
            if name not in own and name not in pulled:
                target.append(name)
    if "effective_from" in pulled:  # the shared rule fields come after a rule's own fields, in this order
        meta = ["effective_from", "effective_from_basis", "effective_to", "jurisdiction", "sources", "evidence",
                "notes"]
        pulled = [k for k in pulled if k not in meta] + [k for k in meta if k in pulled]
    order = own + pulled
    for short, after in (("edit", None), ("amounts", "year"), ("group_notes", "notes"), ("more_notes", "notes")):
        if after is None and "column1" in order:  # the short forms of kb/shorthand.py sit beside what they stand for
            order.insert(0, short)
        elif after in order and short not in order:
            order.insert(order.index(after) + 1, short)
    return order


def _child(ctx: tuple[str, dict[str, Any]], key: str | None) -> tuple[str, dict[str, Any]]:
    """The schema of a mapping's value (key) or of a list's items (None)."""
    rows_of: tuple[str, dict[str, Any]] | None = None
    for file, schema in _deref(ctx):
        if key is None and "items" in schema and isinstance(schema["items"], dict):
            items = schema["items"]
            if "else" in items:  # a section: one rule, or a group whose rows are rules of the same kind
                return file, {"anyOf": [items["else"], {"$ref": "payer.schema.json#/$defs/group"}],
                              "x-rows": items["else"]}
            return file, items
        if key is not None and key in schema.get("properties", {}):
            if "x-rows" in ctx[1] and key in ("shared", "rows"):
                rows_of = (file, ctx[1]["x-rows"])
                continue
            return file, schema["properties"][key]
    if rows_of is not None and key == "shared":
        return rows_of
    if rows_of is not None and key == "rows":
        return rows_of[0], {"items": rows_of[1]}
    return ctx[0], {}


# -- canonical layout ---------------------------------------------------------------------------------------


def canonical(node: Any, ctx: tuple[str, dict[str, Any]], col: int, start: int = 0, top: bool = False) -> Any:
    """The node in canonical form. `col`: the column a block form's keys or items start at; `start`: the
    column a one-line form would start at."""
    if isinstance(node, dict):
        return _mapping(node, ctx, col, start, top)
    if isinstance(node, list):
        return _sequence(node, ctx, col, start)
    return _scalar(node)


def _mapping(node: dict[Any, Any], ctx: tuple[str, dict[str, Any]], col: int, start: int, top: bool) -> CommentedMap:
    order = _keys(ctx)
    rank = {k: i for i, k in enumerate(order)}
    written = list(node)
    keys = sorted(written, key=lambda k: (rank.get(str(k), len(rank)), written.index(k)))
    out = CommentedMap()
    ca = getattr(node, "ca", None)
    for k in keys:
        value = node[k]
        name = str(k)  # keys are text, as the loader reads them (97112: 2 is the key '97112')
        nested = col + 2 if isinstance(value, dict) else col  # a list's dashes sit under its key
        out[_scalar(name)] = canonical(value, _child(ctx, name), nested, col + _scalar_len(_scalar(name)) + 2)
        if ca is not None and k in ca.items and name != k:
            ca.items[name] = ca.items.pop(k)
    _copy_comments(node, out)
    if not top and _can_flow(out) and start + _flow_len(out) <= WIDTH:
        out.fa.set_flow_style()
    else:
        out.fa.set_block_style()
        for k, v in out.items():
            if isinstance(v, str) and _foldable(v) and col + _scalar_len(k) + 2 + _scalar_len(v) > WIDTH:
                out[k] = _folded(v, col + 2)
    return out


def _sequence(node: list[Any], ctx: tuple[str, dict[str, Any]], col: int, start: int) -> CommentedSeq:
    out = CommentedSeq(canonical(v, _child(ctx, None), col + 2, col + 2) for v in node)
    _copy_comments(node, out)
    if _can_flow(out) and not any(isinstance(v, dict) for v in out) and start + _flow_len(out) <= WIDTH:
        out.fa.set_flow_style()
    else:
        out.fa.set_block_style()
        for i, v in enumerate(out):
            if isinstance(v, str) and _foldable(v) and col + 2 + _scalar_len(v) > WIDTH:
                out[i] = _folded(v, col + 2)
    return out


def _scalar(value: Any) -> Any:
    if isinstance(value, datetime.date):  # an unquoted date: kept as the text it is (the schema reads text)
        return SingleQuotedScalarString(value.isoformat())
    if isinstance(value, str):
        text = str(value)
        if (_CODE.match(text) or _DATE.match(text) or not _PLAIN.fullmatch(text) or text != text.strip()
                or text.lower() in _WORDS_11):
            return SingleQuotedScalarString(text)
        return text
    if isinstance(value, float):  # ruamel's kept float text loses digits of large exponents; repr does not
        return float(value)
    return value


def _copy_comments(source: Any, target: CommentedBase) -> None:
    if isinstance(source, CommentedBase) and source.ca is not None:
        setattr(target, "_yaml_comment", source.ca)  # noqa: B010 (private to ruamel, untyped); comments are attached by key or index, which fmt keeps


def _has_comments(node: Any) -> bool:
    ca = getattr(node, "ca", None)
    return bool(ca is not None and (ca.comment or ca.items or getattr(ca, "end", None)))


def _can_flow(node: Any) -> bool:
    """A collection may go on one line when nothing in it has comments or long text, and no list in it holds
    mappings (lists of mappings read better one item a line)."""
    if isinstance(node, dict):
        return not _has_comments(node) and all(_can_flow(v) for v in node.values())
    if isinstance(node, list):
        return (not _has_comments(node) and not any(isinstance(v, dict) for v in node)
                and all(_can_flow(v) for v in node))
    if isinstance(node, FoldedScalarString):
        return False
    return not (isinstance(node, str) and ("\n" in node or len(node) > WIDTH // 2))


def _scalar_len(value: Any) -> int:
    if isinstance(value, SingleQuotedScalarString):
        return len(value) + 2 + value.count("'")
    if isinstance(value, bool):
        return 5
    if value is None:
        return 4
    return len(str(value))


def _flow_len(node: Any) -> int:
    if isinstance(node, dict):
        return 2 + sum(len(str(k)) + 2 + _flow_len(v) for k, v in node.items()) + 2 * max(len(node) - 1, 0)
    if isinstance(node, list):
        return 2 + sum(_flow_len(v) for v in node) + 2 * max(len(node) - 1, 0)
    return _scalar_len(node)


def _foldable(text: str) -> bool:
    return "\n" not in text and text == text.strip() and "  " not in text and " #" not in text and "\t" not in text


def _folded(text: str, indent: int) -> FoldedScalarString:
    """Text as a folded block (>-) starting at column `indent`, its lines broken at spaces to end by column WIDTH
    (a word longer than the line stays whole)."""
    out = FoldedScalarString(text)
    words = text.split(" ")
    positions: list[int] = []
    col, pos = indent + len(words[0]), len(words[0])
    for word in words[1:]:
        if col + 1 + len(word) > WIDTH:
            positions.append(pos)
            col = indent + len(word)
        else:
            col += 1 + len(word)
        pos += 1 + len(word)
    out.fold_pos = positions  # type: ignore[attr-defined]
    return out
