"""Worked examples as tests: `kb validate` runs every payer's examples through the claim checker.

An example states a visit and what must come out: the units per code (or every allowed answer of a tie), exactly
which findings the checker reports, and payment factors. A wrong expectation is a problem at the line that states it:
`file:line:col: examples[i]: <id>: expected ..., got ...`.
"""

from __future__ import annotations

from typing import Any

from kb.problems import KBError, Problem
from kb.tree import PolicyTree
from kb.yamlfile import YamlDoc


def run_examples(tree: PolicyTree, knowledge: Any) -> list[Problem]:
    """Every worked example of every payer, checked; one problem per expectation that does not hold."""
    problems: list[Problem] = []
    for payer in sorted(tree.payers):
        doc = tree.payers[payer]
        for i, example in enumerate(doc.data.get("examples") or []):
            problems += _run(doc, payer, i, example, knowledge)
    return problems


def _problem(doc: YamlDoc, i: int, example: dict[str, Any], where: tuple[str | int, ...], message: str) -> Problem:
    line, col = doc.where(("examples", i, *where))
    return Problem(doc.file, line, col, f"examples[{i}]", f"{example.get('id')}: {message}")


def _run(doc: YamlDoc, payer: str, i: int, example: dict[str, Any], knowledge: Any) -> list[Problem]:
    visit = {**example["visit"], "payer": payer, "date": example["date"]}
    try:
        result = knowledge.check(visit)
    except KBError as exc:
        return [_problem(doc, i, example, ("visit",), f"the checker cannot run this visit: {exc}")]
    expect = example["expect"]
    out = []
    if "units" in expect and result.units != expect["units"]:
        out.append(_problem(doc, i, example, ("expect", "units"),
                            f"expected units {_units(expect['units'])}, got {_units(result.units)}"))
    if "units_any_of" in expect and result.units not in expect["units_any_of"]:
        allowed = " or ".join(_units(u) for u in expect["units_any_of"])
        out.append(_problem(doc, i, example, ("expect", "units_any_of"),
                            f"expected units {allowed}, got {_units(result.units)}"))
    if "findings" in expect and set(result.rules) != set(expect["findings"]):
        missing = sorted(set(expect["findings"]) - set(result.rules))
        extra = sorted(set(result.rules) - set(expect["findings"]))
        detail = "; ".join(part for part in (f"missing {', '.join(missing)}" if missing else "",
                                             f"not expected {', '.join(extra)}" if extra else "") if part)
        out.append(_problem(doc, i, example, ("expect", "findings"),
                            f"expected findings [{', '.join(sorted(expect['findings']))}], got "
                            f"[{', '.join(sorted(result.rules))}] ({detail})"))
    for code, factor in (expect.get("payment_factors") or {}).items():
        got = [line.payment_factor for line in result.lines if line.code == code]
        if len(got) != 1 or abs(got[0] - factor) > 1e-9:
            out.append(_problem(doc, i, example, ("expect", "payment_factors", code),
                                f"expected payment factor {factor} for {code}, got "
                                f"{got[0] if len(got) == 1 else 'no single line of ' + code}"))
    return out


def _units(units: dict[str, int]) -> str:
    return "{" + ", ".join(f"{code}: {n}" for code, n in units.items()) + "}"
