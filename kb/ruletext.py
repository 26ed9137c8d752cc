"""A rule in a few words, one wording for every place that lists rules: CHANGELOG.md (kb/changelog.py), the site's
"What changed" page and its feeds (kb/site/pages/changes.py, kb/site/feeds.py)."""

from __future__ import annotations

from typing import Any

KIND_NAMES = {
    "unit_methods": "unit method",
    "code_rules": "code rule",
    "modifier_rules": "modifier rule",
    "ptp_edits": "bundling edit",
    "mues": "MUE",
    "thresholds": "threshold",
    "payment_adjustments": "payment adjustment",
    "visit_rules": "visit rule",
}
"""What one rule of each policy section is called."""


def money(amount: float) -> str:
    """Dollars with thousands separators, cents only when there are some: $2,410 or $2,410.50."""
    return f"${amount:,.2f}".removesuffix(".00")


def describe(section: str, rule: dict[str, Any]) -> str:
    """One rule of a policy section (a key of KIND_NAMES) in a few words."""
    name = KIND_NAMES.get(section, section)
    if section == "unit_methods":
        cap = f", at most {rule['daily_cap']} timed units a day" if rule.get("daily_cap") is not None else ""
        return f"{name} {rule['method']}{cap}"
    if section == "code_rules":
        facts = [f"at most {rule['daily_cap']} a day" if rule.get("daily_cap") is not None else "",
                 "not covered" if rule.get("covered") is False else "",
                 "one-on-one" if rule.get("one_on_one") else "",
                 f"{len(rule['documentation'])}-item documentation checklist" if rule.get("documentation") else ""]
        said = ", ".join(f for f in facts if f)
        return f"{name} {rule['code']}" + (f": {said}" if said else "")
    if section == "ptp_edits":
        return f"{name} {rule['column1']}/{rule['column2']} (modifier indicator {rule['modifier_indicator']})"
    if section == "mues":
        return f"{name} {rule['code']}: {rule['value']} (MAI {rule['mai']})"
    if section == "thresholds":
        return f"{rule['name']} {name} {rule['year']} ({rule['group']}): {money(rule['amount'])}"
    if section == "payment_adjustments":
        return f"{name} {rule['id']} ({rule['type']}, {rule['percent']:g} %)"
    if "type" in rule:  # modifier and visit rules
        return f"{name} {rule.get('id', rule.get('key'))} ({rule['type']})"
    return f"{name} {rule.get('id', rule.get('key'))}"
