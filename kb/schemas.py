"""JSON Schema validation of policy files, with errors located by line and column."""

from __future__ import annotations

import difflib
import json
import re
from functools import cache
from typing import Any, cast

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError, best_match
from jsonschema.validators import extend
from referencing import Registry, Resource

from kb.paths import schema_dir
from kb.problems import Problem
from kb.yamlfile import YamlDoc

# file kind -> schema file
SCHEMA_FILES = {
    "documents": "documents.schema.json",
    "codes": "codes.schema.json",
    "modifiers": "modifiers.schema.json",
    "methods": "methods.schema.json",
    "documentation": "documentation.schema.json",
    "payer": "payer.schema.json",
    "remittance": "remittance.schema.json",
}
# the schema definition of one expanded row, per payer-file section (kb/shorthand.py)
ROW_DEFS = {
    "unit_methods": "unit_method", "code_rules": "code_rule", "modifier_rules": "modifier_rule",
    "ptp_edits": "ptp_edit", "mues": "mue", "thresholds": "threshold", "payment_adjustments": "payment_adjustment",
    "visit_rules": "visit_rule", "remove": "removal",
}


@cache
def _registry() -> tuple[Registry, dict[str, dict[str, Any]]]:
    folder = schema_dir()
    contents: dict[str, dict[str, Any]] = {}
    resources = []
    for path in sorted(folder.glob("*.schema.json")):
        schema = json.loads(path.read_text(encoding="utf-8"))
        uri = path.resolve().as_uri()
        schema = {"$id": uri, **schema}
        contents[path.name] = schema
        resources.append((uri, Resource.from_contents(schema)))
    return Registry().with_resources(resources), contents


@cache
def _re2(pattern: str) -> Any:
    import re2

    return re2.compile(pattern)


def _pattern(validator: Any, pattern: str, instance: Any, schema: Any) -> Any:
    # `pattern` in RE2, where `$` is the end of the text (Python's re lets "TX\n" match "^[A-Z]{2}$").
    if validator.is_type(instance, "string") and not _re2(pattern).search(instance):
        yield ValidationError(f"{instance!r} does not match {pattern!r}")


_Validator = extend(Draft202012Validator, {"pattern": _pattern})


@cache
def validator(kind: str) -> Draft202012Validator:
    """The validator for one kind of policy file."""
    registry, contents = _registry()
    schema = contents[SCHEMA_FILES[kind]]
    return _Validator(schema, registry=registry, format_checker=Draft202012Validator.FORMAT_CHECKER)


@cache
def row_validator(section: str) -> Draft202012Validator:
    """The validator for one expanded row of a payer-file section."""
    registry, contents = _registry()
    ref = contents[SCHEMA_FILES["payer"]]["$id"] + "#/$defs/" + ROW_DEFS[section]
    return Draft202012Validator({"$ref": ref}, registry=registry, format_checker=Draft202012Validator.FORMAT_CHECKER)


def validate_rows(doc: YamlDoc, rows: list[tuple[str, int]]) -> list[Problem]:
    """Schema problems of expanded rows (section, index into doc.data[section]), located where each value is written."""
    errors: list[tuple[tuple[str | int, ...], ValidationError]] = []
    for section, n in rows:
        errors += [((section, n), e) for e in row_validator(section).iter_errors(doc.data[section][n])]
    return _problems(doc, errors)


def schema_contents() -> dict[str, dict[str, Any]]:
    """Every schema file by name (for the generated field reference)."""
    return _registry()[1]


def validate(doc: YamlDoc, kind: str) -> list[Problem]:
    """Every schema problem of one document, each at the line of the value it concerns."""
    return _problems(doc, [((), e) for e in validator(kind).iter_errors(doc.data)])


def _problems(doc: YamlDoc, errors: list[tuple[tuple[str | int, ...], ValidationError]]) -> list[Problem]:
    """One located message per problem. A misspelt field is one problem: its "unknown field ... did you mean"
    message says it, so the "missing required field" it causes is not repeated."""
    found: list[tuple[str, tuple[str | int, ...], str, Problem]] = []  # (kind, object path, field name, problem)
    for prefix, error in errors:
        error = _specific(error)
        if _spurious(error):
            continue
        path = (*prefix, *error.absolute_path)
        if error.validator in ("additionalProperties", "unevaluatedProperties") and isinstance(error.instance, dict):
            allowed = _allowed_fields(error.schema if isinstance(error.schema, dict) else {})
            for name in _unknown(error, allowed):
                guess = difflib.get_close_matches(name, allowed, n=1)
                message = f"unknown field '{name}'" + (f" (did you mean '{guess[0]}'?)" if guess else "")
                message += f"; allowed fields: {', '.join(allowed)}" if allowed else ""
                found.append(("unknown", path, guess[0] if guess else "", doc.problem((*path, name), message, True)))
            continue
        name = re.findall(r"'([^']+)'", error.message)[0] if error.validator == "required" else ""
        found.append((str(error.validator), path, name, doc.problem(path, _message(error))))
    guessed = {(path, name) for kind, path, name, _ in found if kind == "unknown" and name}
    problems = [p for kind, path, name, p in found if not (kind == "required" and (path, name) in guessed)]
    return list(dict.fromkeys(problems))


def _unknown(error: ValidationError, allowed: list[str]) -> list[str]:
    named = re.findall(r"'([^']+)'", error.message)
    instance = error.instance if isinstance(error.instance, dict) else {}
    return [name for name in named if name in instance and name not in allowed]


def _spurious(error: ValidationError) -> bool:
    # When a subschema in allOf fails (a bad date in the shared rule fields, say), JSON Schema
    # also calls that subschema's fields "unevaluated". Only names no schema knows are unknown.
    if error.validator != "unevaluatedProperties" or not isinstance(error.schema, dict):
        return False
    allowed = set(_allowed_fields(error.schema))
    return all(name in allowed for name in re.findall(r"'([^']+)'", error.message))


def _specific(error: ValidationError) -> ValidationError:
    # oneOf/anyOf failures say "not valid under any of the given schemas"; the best
    # sub-error says what is actually wrong.
    while error.validator in ("oneOf", "anyOf") and error.context:
        # "not of type null" says nothing about a value that was meant to be something else (a date, say)
        context = [e for e in error.context if not (e.validator == "type" and e.validator_value == "null")]
        error = best_match(context or error.context)
    return error


@cache
def _rule_fields() -> frozenset[str]:
    """The fields every rule carries (common.schema.json#/$defs/rule)."""
    return frozenset(_registry()[1]["common.schema.json"]["$defs"]["rule"]["properties"])


def _allowed_fields(schema: dict[str, Any]) -> list[str]:
    names = set(schema.get("properties", {}))
    if any("$ref" in part and part["$ref"].endswith("/rule") for part in schema.get("allOf", [])):
        names |= _rule_fields()
    return sorted(names)


def _message(error: ValidationError) -> str:
    kind = error.validator
    instance: Any = error.instance
    schema = error.schema if isinstance(error.schema, dict) else {}
    if kind in ("additionalProperties", "unevaluatedProperties"):
        allowed = _allowed_fields(schema)
        extra = [name for name in re.findall(r"'([^']+)'", error.message) if name not in allowed]
        parts = []
        for name in extra:
            guess = difflib.get_close_matches(name, allowed, n=1)
            parts.append(f"unknown field '{name}'" + (f" (did you mean '{guess[0]}'?)" if guess else ""))
        return "; ".join(parts) + (f"; allowed fields: {', '.join(allowed)}" if allowed else "")
    if kind == "required":
        name = re.findall(r"'([^']+)'", error.message)
        return f"missing required field '{name[0]}'" if name else error.message
    if kind == "type":
        expected = error.validator_value
        if expected == "string" and isinstance(instance, int | float) and not isinstance(instance, bool):
            return f"{instance!r} must be text: quote it in YAML (\"{instance}\")"
        return f"{_short(instance)} is not of type {expected}"
    if kind in ("pattern", "format") and schema.get("title"):
        what = schema["title"].lower()
        hint = (schema.get("description") or "").split(". ")[0].rstrip(".")
        hint = hint[:1].lower() + hint[1:]
        return f"{_short(instance)} is not a valid {what}" + (f" ({hint})" if hint else "")
    if kind == "format":
        return f"{_short(instance)} is not a valid {error.validator_value}"
    if kind == "enum":
        choices = ", ".join(repr(v) for v in cast(list[Any], error.validator_value))
        return f"{_short(instance)} is not one of {choices}"
    if kind == "minItems" and error.validator_value == 1:
        return "must not be empty"
    if kind == "not" and isinstance(error.validator_value, dict) and "required" in error.validator_value:
        return "use only one of: " + ", ".join(error.validator_value["required"])
    if kind == "maxLength":
        return f"too long ({len(instance)} characters; at most {error.validator_value})"
    return error.message


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
