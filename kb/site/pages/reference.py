"""Generated references: the policy fields (from schema/), the artifact format and the command line."""

from __future__ import annotations

import argparse
import os
from typing import Any

from kb.schemas import schema_contents
from kb.site.context import SiteContext
from kb.site.nodes import Blocks, Code, Fence, Heading, Inline, Link, Para, joined, table
from kb.site.text import slug

AUTHORING = ("documents.schema.json", "codes.schema.json", "modifiers.schema.json", "methods.schema.json",
             "payer.schema.json", "common.schema.json")


def _anchor(file: str, name: str) -> str:
    return f"schema-{slug(file.split('.')[0])}-{slug(name)}"


def _ref(ref: str, file: str) -> tuple[str, str]:
    target_file, _, pointer = ref.partition("#")
    return (target_file or file), pointer.rsplit("/", 1)[-1]


def type_of(schema: Any, file: str, page_files: set[str]) -> Inline:
    """A schema's type in words, with links to the definitions it refers to."""
    if not isinstance(schema, dict):
        return "any"
    if "$ref" in schema:
        target_file, name = _ref(schema["$ref"], file)
        label = name.replace("_", " ")
        return Link(label, anchor=_anchor(target_file, name)) if target_file in page_files else label
    if "const" in schema:
        return Code(str(schema["const"]))
    if "enum" in schema:
        return ["one of ", joined([Code(str(v)) for v in schema["enum"]])]
    for key in ("oneOf", "anyOf"):
        if key in schema:
            return joined([type_of(s, file, page_files) for s in schema[key]], " or ")
    kind = schema.get("type")
    if kind == "array":
        out: list[Inline] = ["list of ", type_of(schema.get("items", {}), file, page_files)]
        if schema.get("minItems"):
            out.append(f" (at least {schema['minItems']})")
        return out
    if kind == "object" and "additionalProperties" in schema and isinstance(schema["additionalProperties"], dict):
        return ["map to ", type_of(schema["additionalProperties"], file, page_files)]
    if isinstance(kind, list):
        return " or ".join(str(k) for k in kind)
    text: list[Inline] = [str(kind or "any")]
    if schema.get("format"):
        text.append(f" ({schema['format']})")
    if schema.get("pattern"):
        text += [" matching ", Code(str(schema["pattern"]))]
    return text


def object_table(schema: dict[str, Any], file: str, page_files: set[str]) -> Blocks:
    required = set(schema.get("required", []))
    rows: list[list[Inline]] = []
    for name, prop in (schema.get("properties") or {}).items():
        desc = prop.get("description") or prop.get("title") or ""
        rows.append([Code(name), type_of(prop, file, page_files), "yes" if name in required else "", desc])
    out: Blocks = []
    for part in schema.get("allOf", []):
        if isinstance(part, dict) and "$ref" in part:
            target_file, name = _ref(part["$ref"], file)
            out.append(Para(["Also takes every field of ",
                             Link(name.replace("_", " "), anchor=_anchor(target_file, name)), "."]))
    found = table(["Field", "Type", "Required", "Meaning"], rows)
    return out + ([found] if found else [])


def schema_section(file: str, schema: dict[str, Any], level: int, page_files: set[str]) -> Blocks:
    stem = file.split(".")[0]
    out: Blocks = [Heading(level, f"{schema.get('title', file)} ({file})", _anchor(file, stem))]
    if schema.get("description"):
        out.append(Para(schema["description"]))
    if schema.get("properties"):
        out += object_table(schema, file, page_files)
    for name, sub in (schema.get("$defs") or {}).items():
        out.append(Heading(level + 1, sub.get("title") or name.replace("_", " "), _anchor(file, name)))
        if sub.get("description"):
            out.append(Para(sub["description"]))
        if sub.get("properties") or sub.get("allOf"):
            out += object_table(sub, file, page_files)
        else:
            out.append(Para(["Type: ", type_of(sub, file, page_files)]))
    return out


def field_reference(ctx: SiteContext) -> Blocks:
    del ctx
    schemas = schema_contents()
    files = [f for f in AUTHORING if f in schemas] + sorted(
        f for f in schemas if f not in AUTHORING and f != "artifact.schema.json" and f not in CONTRACTS)
    page_files = set(files)
    return [b for f in files for b in schema_section(f, schemas[f], 3, page_files)]


def artifact_format(ctx: SiteContext) -> Blocks:
    del ctx
    schemas = schema_contents()
    if "artifact.schema.json" not in schemas:
        return [Para("The artifact schema is not installed.")]
    return schema_section("artifact.schema.json", schemas["artifact.schema.json"], 3, {"artifact.schema.json"})


def cli_reference(ctx: SiteContext) -> Blocks:
    del ctx
    from kb.cli import build_parser

    saved = os.environ.get("COLUMNS")
    os.environ["COLUMNS"] = "110"
    try:
        parser = build_parser()
        out: Blocks = []
        for action in parser._actions:
            if not isinstance(action, argparse._SubParsersAction):
                continue
            for name, sub in action.choices.items():
                out.append(Heading(3, f"kb {name}", f"cli-{slug(name)}"))
                out.append(Fence(sub.format_help().rstrip()))
                for sub_action in sub._actions:
                    if isinstance(sub_action, argparse._SubParsersAction):
                        for sub_name, subsub in sub_action.choices.items():
                            out.append(Heading(4, f"kb {name} {sub_name}", f"cli-{slug(name)}-{slug(sub_name)}"))
                            out.append(Fence(subsub.format_help().rstrip()))
        return out
    finally:
        if saved is None:
            os.environ.pop("COLUMNS", None)
        else:
            os.environ["COLUMNS"] = saved


def graph_kinds(ctx: SiteContext) -> Blocks:
    """The node and edge kinds of the knowledge graph (kb/graph.py), as `kb graph export` writes them."""
    del ctx
    from kb.graph import EDGE_KINDS, NODE_KINDS

    return [table(["Node kind", "What it is"], [[Code(k), v] for k, v in NODE_KINDS.items()]),
            table(["Edge kind", "From -> to (policy section)"], [[Code(k), v] for k, v in EDGE_KINDS.items()])]


CONTRACTS = ("visit.schema.json", "check-result.schema.json")  # the claim checker's, shown on the developers page


def check_contracts(ctx: SiteContext) -> Blocks:
    """The claim checker's input and output schemas (schema/visit.schema.json, schema/check-result.schema.json)."""
    del ctx
    schemas = schema_contents()
    files = [f for f in CONTRACTS if f in schemas]
    return [b for f in files for b in schema_section(f, schemas[f], 3, set(files))]


def finding_reference(ctx: SiteContext) -> Blocks:
    """Every check of the claim checker and the finding ids it raises, from the registry (kb/check/registry.py),
    with the remittance codes a payer is expected to send for it (policies/remittance.yaml, the default entry)."""
    from kb.check.registry import checks, findings

    kinds = findings()
    table_ = ctx.kb.remittance_table
    rows = []
    for c in checks():
        for fid in c.findings:
            kind = kinds[fid]
            pred = table_.predict(fid, "")  # '' : no payer, so the default entry
            codes = "" if pred is None else str(pred)
            rows.append([Code(fid), ", ".join(kind.severities), kind.summary, Code(c.id),
                         "yes" if c.needs_minutes else "", codes])
    return [table(["Finding id", "Severity", "Meaning", "Check", "Needs minutes", "Expected remittance codes"], rows)]


FRAGMENTS = {"field-reference": field_reference, "artifact-format": artifact_format, "cli-reference": cli_reference,
             "finding-reference": finding_reference, "check-contracts": check_contracts, "graph-kinds": graph_kinds}
