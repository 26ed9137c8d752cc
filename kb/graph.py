"""The compiled model as a networkx.MultiDiGraph of payers, codes, modifiers, methods and thresholds.

Node ids are 'kind:id' strings ('payer:medicare', 'code:97112', 'modifier:GP', 'method:cms-total-time',
'threshold:KX'); every node has `kind`. Every edge has `kind` and, when it carries a rule, `payer`,
`rule_key`, `sources` (a non-empty list), `effective_from` and `effective_to` (datetime.date or None),
`evidence`, `notes`, `declared_by` and `inherited`. Edges are the payers' resolved views: a rule a
payer inherits appears on that payer's edges with `inherited=True`.
"""

from __future__ import annotations

from typing import Any

import networkx as nx

from kb.rules import parse_date

# node kinds: the id prefix and what the node's attributes hold
NODE_KINDS = {
    "payer": "a payer (payer:medicare): name, payer_kind, extends, jurisdiction",
    "code": "a CPT/HCPCS code of the catalogue (code:97112): summary, timed, unit_minutes, family, disciplines, ...",
    "modifier": "a modifier of the catalogue (modifier:GP): meaning, modifier_kind, ...",
    "method": "a unit-counting method (method:cms-total-time): name, summary, ...",
    "threshold": "a dollar threshold by name (threshold:KX); its amounts are on the sets_threshold edges",
    "episode": "a rule over several visits by type (episode:progress-report); its terms are on the edges to it",
}

# edge kinds, by section (and rule type where one section yields several kinds)
EDGE_KINDS = {
    "extends": "payer -> payer it inherits from",
    "counts_units_by": "payer -> method (unit_methods)",
    "has_code_rule": "payer -> code (code_rules)",
    "bundles": "code (column 1) -> code (column 2) (ptp_edits)",
    "caps_units": "payer -> code (mues)",
    "requires_modifier": "payer -> modifier (modifier_rules: discipline, assistant, threshold, required)",
    "forbids_modifier": "payer -> modifier (modifier_rules: forbidden)",
    "bypasses_with": "payer -> modifier (modifier_rules: distinct-service)",
    "pairs_with": "modifier -> modifier it must appear with (modifier_rules: assistant, pairs-with)",
    "telehealth_with": "payer -> modifier marking a telehealth line (modifier_rules: telehealth; `allowed` says "
                       "whether the payer pays such lines in the rule's period)",
    "sets_threshold": "payer -> threshold (thresholds)",
    "adjusts_payment": "payer -> modifier or code (payment_adjustments)",
    "limits_per_date": "payer -> code (visit_rules: max-per-date)",
    "no_shared_time": "code -> code (visit_rules: no-shared-time)",
    "may_share_time": "payer -> code (visit_rules: may-share-time)",
    "limits_per_days": "payer -> code (visit_rules: max-per-days, e.g. one evaluation in 180 days)",
    "limits_visits_per_year": "payer -> code, or payer -> episode:max-visits-per-year when it counts every code",
    "tracks_episode": "payer -> episode (visit_rules: progress-report, certification, certification-by-order, "
                      "recertification)",
}
# visit-rule types whose rules select codes, and the edge kind each becomes
_CODE_VISIT_RULES = {"max-per-date": "limits_per_date", "may-share-time": "may_share_time",
                     "max-per-days": "limits_per_days", "max-visits-per-year": "limits_visits_per_year"}
_RULE_META = ("evidence", "notes", "declared_by", "inherited", "jurisdiction")


def node_id(kind: str, ident: str) -> str:
    return f"{kind}:{ident}"


def _dates(data: dict[str, Any]) -> dict[str, Any]:
    return {"effective_from": parse_date(data.get("effective_from")),
            "effective_to": parse_date(data.get("effective_to"))}


def _rule_attrs(payer: str, rule: dict[str, Any], kind: str, **extra: Any) -> dict[str, Any]:
    attrs = {"kind": kind, "payer": payer, "rule_key": rule["key"], "sources": rule["sources"], **_dates(rule)}
    attrs.update({k: rule.get(k) for k in _RULE_META})
    attrs.update(extra)
    return attrs


def build_graph(model: dict[str, Any]) -> nx.MultiDiGraph:
    """Build the graph from a compiled model."""
    g: nx.MultiDiGraph = nx.MultiDiGraph(content_hash=model["content_hash"], kb_version=model["kb_version"])
    for code, entry in model["codes"].items():
        g.add_node(node_id("code", code), kind="code", **_entry(entry))
    for mod, entry in model["modifiers"].items():
        attrs = _entry(entry)
        attrs["modifier_kind"] = attrs.pop("kind")  # the catalogue's kind (discipline, assistant, ...)
        g.add_node(node_id("modifier", mod), kind="modifier", **attrs)
    for method, entry in model["methods"].items():
        g.add_node(node_id("method", method), kind="method", **_entry(entry))
    for payer, data in model["payers"].items():
        g.add_node(node_id("payer", payer), kind="payer", name=data["name"], payer_kind=data["kind"],
                   extends=data.get("extends"), jurisdiction=data.get("jurisdiction"))
    for payer, data in model["payers"].items():
        _payer_edges(g, payer, data)
    return g


def _entry(entry: dict[str, Any]) -> dict[str, Any]:
    attrs = {k: v for k, v in entry.items() if k not in ("effective_from", "effective_to")}
    attrs.update(_dates(entry))
    return attrs


def _payer_edges(g: nx.MultiDiGraph, payer: str, data: dict[str, Any]) -> None:
    p = node_id("payer", payer)
    if data.get("extends"):
        g.add_edge(p, node_id("payer", data["extends"]), key="extends", kind="extends")
    rules = data["rules"]

    def add(u: str, v: str, rule: dict[str, Any], kind: str, suffix: str = "", **extra: Any) -> None:
        key = f"{payer}|{kind}|{rule['key']}|{rule.get('effective_from')}|{','.join(rule.get('jurisdiction') or [])}"
        g.add_edge(u, v, key=key + suffix, **_rule_attrs(payer, rule, kind, **extra))

    for r in rules["unit_methods"]:
        add(p, node_id("method", r["method"]), r, "counts_units_by",
            daily_cap=r.get("daily_cap"), cap_scope=r.get("cap_scope"), cap_codes=r.get("cap_codes"),
            minimum_minutes=r.get("minimum_minutes"))
    for r in rules["code_rules"]:
        add(p, node_id("code", r["code"]), r, "has_code_rule",
            **{k: r.get(k) for k in ("timed", "unit_minutes", "daily_cap", "one_on_one", "covered", "documentation")})
    for r in rules["ptp_edits"]:
        add(node_id("code", r["column1"]), node_id("code", r["column2"]), r, "bundles",
            modifier_indicator=r["modifier_indicator"], rationale=r.get("rationale"))
    for r in rules["mues"]:
        add(p, node_id("code", r["code"]), r, "caps_units", value=r["value"], mai=r["mai"],
            rationale=r.get("rationale"))
    for r in rules["modifier_rules"]:
        _modifier_edges(add, p, r)
    for r in rules["thresholds"]:
        add(p, node_id("threshold", r["name"]), r, "sets_threshold",
            name=r["name"], group=r["group"], year=r["year"], amount=r["amount"])
        g.nodes[node_id("threshold", r["name"])]["kind"] = "threshold"
    for r in rules["payment_adjustments"]:
        extra = {"type": r["type"], "percent": r["percent"], "claim_types": r.get("claim_types")}
        for mod in r.get("modifiers", []):
            add(p, node_id("modifier", mod), r, "adjusts_payment", suffix=f"|{mod}", **extra)
        for code in r.get("applies_to_codes", []):
            add(p, node_id("code", code), r, "adjusts_payment", suffix=f"|{code}", **extra)
    for r in rules["visit_rules"]:
        extra = {"type": r["type"], "finding": r["finding"], "max": r.get("max")}
        if r["type"] == "no-shared-time":
            for a in r["applies_to_codes"]:
                for b in r["with_codes"]:
                    if a != b:
                        add(node_id("code", a), node_id("code", b), r, "no_shared_time", suffix=f"|{a}|{b}", **extra)
        elif r["type"] in _CODE_VISIT_RULES and r.get("applies_to_codes"):
            for code in r["applies_to_codes"]:
                add(p, node_id("code", code), r, _CODE_VISIT_RULES[r["type"]], suffix=f"|{code}", **extra)
        else:  # a rule over the episode as a whole (no codes selected)
            episode = node_id("episode", r["type"])
            kind = _CODE_VISIT_RULES.get(r["type"], "tracks_episode")
            add(p, episode, r, kind, days=r.get("days"), treatment_days=r.get("treatment_days"), **extra)
            g.nodes[episode]["kind"] = "episode"


def _modifier_edges(add, p: str, r: dict[str, Any]) -> None:
    extra = {"rule_id": r["id"], "type": r["type"], "applies_to_codes": r.get("applies_to_codes", [])}
    kind = {"forbidden": "forbids_modifier", "distinct-service": "bypasses_with",
            "telehealth": "telehealth_with"}.get(r["type"], "requires_modifier")
    named = list(r.get("modifiers", []))
    if r.get("modifier"):
        named.append(r["modifier"])
    for plan, mod in (r.get("by_plan_of_care") or {}).items():
        add(p, node_id("modifier", mod), r, kind, suffix=f"|{mod}", plan_of_care=plan,
            de_minimis_percent=r.get("de_minimis_percent"), **extra)
    for mod in named:
        more = ({"allowed": r.get("allowed"), "places_of_service": r.get("places_of_service")}
                if r["type"] == "telehealth" else {"threshold": r.get("threshold")})
        add(p, node_id("modifier", mod), r, kind, suffix=f"|{mod}", **more, **extra)
    for mod, partner in (r.get("pairs") or {}).items():
        add(node_id("modifier", mod), node_id("modifier", partner), r, "pairs_with", suffix=f"|{mod}", **extra)
