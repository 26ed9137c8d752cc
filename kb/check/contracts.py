"""The published contracts of the claim checker: JSON Schemas of a visit (input) and of a check result (output).

Both are generated from the code that enforces them — the input limits of kb/check/inputs.py and the checks and
finding ids of the registry — and committed as schema/visit.schema.json and schema/check-result.schema.json (the
test suite fails when a committed file differs from what this module generates; `python -m kb.check.contracts`
rewrites them). The visit schema describes the canonical JSON form; the Python reader is more lenient (it also
takes a code or modifier as a number, modifiers as one string, codes in lower case).
"""

from __future__ import annotations

import dataclasses
import json
import sys
from functools import cache
from pathlib import Path
from typing import Any

from kb.check.episode import episode_schemas
from kb.check.inputs import MAX_DOLLARS, MAX_LINES, MAX_MINUTES, MAX_NOTE_CHARS, MAX_UNITS, PLANS
from kb.check.registry import checks, findings
from kb.check.result import SEVERITIES
from kb.model import Source

DRAFT = "https://json-schema.org/draft/2020-12/schema"
VISIT_FILE = "visit.schema.json"
RESULT_FILE = "check-result.schema.json"
CODE = r"^([0-9]{4}[0-9A-Z]|[A-Z][0-9]{4})$"
MODIFIER = r"^[0-9A-Z]{2}$"
CLOCK = r"^([01]?[0-9]|2[0-3]):[0-5][0-9]$"
MAX_MODIFIERS = 8


def _optional(schema: dict[str, Any]) -> dict[str, Any]:
    """An optional field: null means absent (as the checker reads it)."""
    return {"anyOf": [schema, {"type": "null"}], "description": schema.pop("description")}


def _whole(ceiling: int, description: str) -> dict[str, Any]:
    return _optional({"type": "integer", "minimum": 0, "maximum": ceiling, "description": description})


def _dollars(description: str) -> dict[str, Any]:
    return _optional({"type": "number", "minimum": 0, "maximum": MAX_DOLLARS, "description": description})


def visit_schema() -> dict[str, Any]:
    """The JSON Schema of one visit, the claim checker's input."""
    line = {
        "title": "Claim line",
        "description": "One service line. A timed code needs `minutes`, or `units` to be checked without minutes "
                       "(the checks that need minutes are then skipped and listed in the result's `skipped`).",
        "type": "object",
        "required": ["code"],
        "additionalProperties": False,
        "dependentRequired": {"start": ["end"], "end": ["start"]},
        "properties": {
            "code": {"type": "string", "pattern": CODE, "description": "CPT or HCPCS code, e.g. 97112 or G0283."},
            "minutes": _whole(MAX_MINUTES, "Minutes of the service (timed codes)."),
            "units": _whole(MAX_UNITS, "Units you intend to bill; compared with the units the minutes support."),
            "modifiers": {"type": "array", "maxItems": MAX_MODIFIERS, "uniqueItems": True,
                          "items": {"type": "string", "pattern": MODIFIER},
                          "description": "Modifiers on the line, e.g. [GP, 59]."},
            "assistant_minutes": _whole(MAX_MINUTES, "Minutes an assistant (PTA/OTA) furnished; at most `minutes`."),
            "allowed": _dollars("The payer's allowed amount for the line (for the KX threshold)."),
            "start": {"type": "string", "pattern": CLOCK, "description": "Clock time the service started (HH:MM)."},
            "end": {"type": "string", "pattern": CLOCK, "description": "Clock time it ended (HH:MM), after start."},
        },
    }
    return {
        "$schema": DRAFT,
        "title": "Visit (claim checker input)",
        "description": "One date of service for one patient and one payer, as `kb check`, `KnowledgeBase.check` and "
                       "the MCP `check` tool take it. Optional fields may be null (read as absent). Beyond the "
                       f"schema, the checker requires the lines' minutes to add up to at most {MAX_MINUTES} and "
                       "`assistant_minutes` to be at most the line's `minutes`.",
        "type": "object",
        "required": ["payer", "date", "lines"],
        "additionalProperties": False,
        "properties": {
            "claim_id": _optional({"type": ["string", "integer"], "description": "Your id for the claim (echoed)."}),
            "payer": {"type": "string", "minLength": 1, "description": "Payer id, e.g. medicare (`kb payers`)."},
            "date": {"type": "string", "format": "date", "pattern": r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$",
                     "description": "Date of service, YYYY-MM-DD."},
            "plan_of_care": _optional({"enum": list(PLANS), "description": "The plan of care the visit is under."}),
            "state": _optional({"type": "string", "pattern": "^[A-Z]{2}$",
                                "description": "Two-letter state, for state-limited rules."}),
            "place_of_service": _optional({"type": "string", "pattern": "^[0-9]{2}$",
                                           "description": "CMS place-of-service code of the visit, two digits (02 "
                                                          "or 10: furnished via telehealth; telehealth rules)."}),
            "ytd_allowed": _dollars("Allowed amount of the year before this visit, for the discipline group "
                                    "(KX and targeted-review thresholds)."),
            "note": _optional({"type": "string", "maxLength": MAX_NOTE_CHARS,
                               "description": "Text of the visit note (documentation checks): valid Unicode, no NUL."}),
            "episode": _optional({"$ref": "#/$defs/episode",
                                  "description": "The patient's earlier visits or their summary (rules over several "
                                                 "visits)."}),
            "lines": {"type": "array", "minItems": 1, "maxItems": MAX_LINES, "items": {"$ref": "#/$defs/line"},
                      "description": "The claim lines."},
        },
        "$defs": {"line": line, **episode_schemas()},
    }


def _source() -> dict[str, Any]:
    fields = tuple(f.name for f in dataclasses.fields(Source))  # the model's fields, so the two cannot drift
    return {
        "title": "Source",
        "description": "Where the rule that fired comes from (only the fields it has; dates as YYYY-MM-DD).",
        "type": "object",
        "required": ["title"],
        "additionalProperties": False,
        "properties": {f: {"type": "string", "description": f"The source's {f}."} for f in fields},
    }


def result_schema() -> dict[str, Any]:
    """The JSON Schema of a check result (`CheckResult.to_dict()`, `kb check --json`), or of a visit that could
    not be checked (`VisitError.to_dict()`)."""
    declared = findings()
    finding = {
        "title": "Finding",
        "description": "One problem with the visit. `rule` is a finding id declared in the checker's registry.",
        "type": "object",
        "required": ["rule", "severity", "lines", "message", "fix", "sources", "basis"],
        "additionalProperties": False,
        "properties": {
            "rule": {"enum": sorted(declared), "description": "The finding id."},
            "severity": {"enum": list(SEVERITIES),
                         "description": "error: the payer will deny or reject it; warning: audit or denial risk."},
            "lines": {"type": "array", "items": {"type": "integer", "minimum": 0},
                      "description": "Indexes of the lines it concerns."},
            "message": {"type": "string", "description": "What is wrong, in words."},
            "fix": {"type": "string", "description": "What to do (may be empty)."},
            "sources": {"type": "array",
                        "items": {"anyOf": [{"$ref": "#/$defs/source"}, {
                            "type": "string", "pattern": "^[^#]+#[0-9a-f]{8}$",
                            "description": "A source id: `kb check --json` names sources by id in findings and lists "
                                           "each source once, under the batch's `sources` (kb/check/sources.py)."}]},
                        "description": "Sources of the policy rule that fired (objects, or ids in a batch)."},
            "basis": {"type": "string", "description": "Which policy rule fired: payer, section and key."},
            "remittance": {"$ref": "#/$defs/remittance",
                           "description": "The codes the payer is expected to answer it with "
                                          "(policies/remittance.yaml); absent when the knowledge base has none."},
        },
    }
    codes = {
        "title": "Remittance codes",
        "description": "One set of codes sent together on a line.",
        "type": "object",
        "required": ["group", "carc", "rarc"],
        "additionalProperties": False,
        "properties": {
            "group": {"enum": ["CO", "PR", "OA", "PI"], "description": "Claim adjustment group code."},
            "carc": {"type": "string", "description": "Claim adjustment reason code."},
            "rarc": {"type": "array", "items": {"type": "string"}, "description": "Remittance advice remark codes."},
            "when": {"type": "string", "description": "When this set applies rather than the first."},
        },
    }
    remittance = {
        "title": "Predicted remittance",
        "description": "What a payer is expected to send for the finding: code sets (expected first), or no "
                       "adjustment, with the sources of the mapping.",
        "type": "object",
        "required": ["finding", "payer", "declared_for", "codes", "no_adjustment", "inferred", "evidence", "notes",
                     "sources"],
        "additionalProperties": False,
        "properties": {
            "finding": {"type": "string", "description": "The finding id."},
            "payer": {"type": "string", "description": "The payer asked about."},
            "declared_for": {"type": "string",
                             "description": "default, or the payer whose entry applies (itself or an ancestor)."},
            "codes": {"type": "array", "items": {"$ref": "#/$defs/remittance_codes"},
                      "description": "The code sets, expected first (empty: no adjustment expected)."},
            "no_adjustment": {"type": "boolean", "description": "True when no adjustment is expected."},
            "inferred": {"type": "boolean", "description": "Inferred from the X12 code definitions alone."},
            "evidence": {"type": "string", "description": "Evidence grade of the mapping."},
            "notes": {"type": "string", "description": "Notes on the mapping."},
            "sources": {"type": "array", "items": {"$ref": "#/$defs/source"}, "description": "Its sources."},
        },
    }
    line = {
        "title": "Line result",
        "type": "object",
        "required": ["index", "code", "minutes", "units", "billed_units", "modifiers", "payment_factor"],
        "additionalProperties": False,
        "properties": {
            "index": {"type": "integer", "minimum": 0, "description": "Position of the line in the visit."},
            "code": {"type": "string", "description": "The line's code."},
            "minutes": {"type": ["integer", "null"], "description": "Minutes given."},
            "units": {"type": ["integer", "null"],
                      "description": "Units the payer's method gives the line (null: unknown code, or a timed "
                                     "line of a visit checked without minutes)."},
            "billed_units": {"type": ["integer", "null"], "description": "Units given (null: not given)."},
            "modifiers": {"type": "array", "items": {"type": "string"}, "description": "The line's modifiers."},
            "payment_factor": {"type": "number", "minimum": 0,
                               "description": "Share of the fee paid after percent-of-payment adjustments."},
        },
    }
    result = {
        "title": "Check result",
        "type": "object",
        "required": ["ok", "claim_id", "payer", "date", "plan_of_care", "state", "method", "lines", "findings",
                     "explanation", "skipped"],
        "additionalProperties": False,
        "properties": {
            "ok": {"type": "boolean", "description": "True when no finding is an error."},
            "claim_id": {"type": ["string", "null"], "description": "The visit's claim id."},
            "payer": {"type": "string", "description": "Payer id."},
            "date": {"type": "string", "format": "date", "description": "Date of service."},
            "plan_of_care": {"enum": [*PLANS, None], "description": "Plan of care given."},
            "state": {"type": ["string", "null"], "description": "State given."},
            "method": {"type": "string", "description": "Id of the unit method in force."},
            "lines": {"type": "array", "items": {"$ref": "#/$defs/line"}, "description": "Every line, checked."},
            "findings": {"type": "array", "items": {"$ref": "#/$defs/finding"},
                         "description": "Every finding, errors first."},
            "explanation": {"type": "array", "items": {"type": "string"},
                            "description": "How the units were counted, step by step."},
            "skipped": {"type": "array", "items": {"enum": [c.id for c in checks() if c.needs_minutes]},
                        "description": "Checks not run because the visit gives no minutes for its timed lines."},
        },
    }
    error = {
        "title": "Visit not checked",
        "description": "A visit of a batch that could not be checked (bad input); the others still are.",
        "type": "object",
        "required": ["ok", "claim_id", "index", "error", "field"],
        "additionalProperties": False,
        "properties": {
            "ok": {"const": False},
            "claim_id": {"type": ["string", "null"], "description": "The visit's claim id, when usable."},
            "index": {"type": ["integer", "null"], "description": "Position in the batch (0-based)."},
            "error": {"type": "string", "description": "What is wrong."},
            "field": {"type": ["string", "null"], "description": "The offending field, e.g. lines[0].minutes."},
        },
    }
    return {
        "$schema": DRAFT,
        "title": "Check result (claim checker output)",
        "description": "What the claim checker returns for one visit: `CheckResult.to_dict()`, one item of "
                       "`kb check --json`, and the MCP `check` tool's answer. A visit that could not be checked "
                       "gives a `visit_error` instead.",
        "oneOf": [{"$ref": "#/$defs/check_result"}, {"$ref": "#/$defs/visit_error"}],
        "$defs": {"check_result": result, "visit_error": error, "line": line, "finding": finding,
                  "remittance": remittance, "remittance_codes": codes, "source": _source()},
    }


GENERATED = {VISIT_FILE: visit_schema, RESULT_FILE: result_schema}


def text(name: str) -> str:
    """A contract as the committed file holds it."""
    return json.dumps(GENERATED[name](), indent=2, ensure_ascii=False) + "\n"


@cache
def validator(name: str) -> Any:
    """A jsonschema validator of one contract (jsonschema loads only when asked)."""
    from jsonschema import Draft202012Validator

    return Draft202012Validator(GENERATED[name](), format_checker=Draft202012Validator.FORMAT_CHECKER)


def problems(name: str, data: Any) -> list[str]:
    """Every way `data` breaks a contract, each as 'path: message' (empty when it conforms)."""
    out = []
    for error in sorted(validator(name).iter_errors(data), key=lambda e: list(map(str, e.absolute_path))):
        where = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error.absolute_path).lstrip(".")
        out.append(f"{where or '(visit)'}: {error.message}")
    return out


def write(folder: Path) -> list[Path]:
    """Write both contracts into a schema folder; the files written."""
    written = []
    for name in GENERATED:
        path = folder / name
        path.write_text(text(name), encoding="utf-8")
        written.append(path)
    return written


if __name__ == "__main__":  # python -m kb.check.contracts [FOLDER]: rewrite the committed schemas
    from kb.paths import schema_dir

    for p in write(Path(sys.argv[1]) if len(sys.argv) > 1 else schema_dir()):
        print(f"wrote {p}")
