"""What a change to the policies does: rules added, removed and changed, and answers that moved.

Compares two compiled models (before and after), so a reviewer sees the effect of a pull request
in billing terms rather than as a YAML diff.
"""

from __future__ import annotations

import subprocess
import tarfile
import tempfile
from dataclasses import dataclass, field
from datetime import date
from io import BytesIO
from pathlib import Path
from typing import Any

from kb.problems import KBError
from kb.rules import SECTIONS

_COMPUTED = {"declared_by", "inherited", "key"}


@dataclass(frozen=True)
class Change:
    """One difference: what changed (added/removed/changed), where, and the fields that differ."""

    change: str
    scope: str  # 'payer medicare', 'codes', ...
    what: str  # 'ptp_edits 97150/97110 from 2020-01-01'
    fields: dict[str, tuple[Any, Any]] = field(default_factory=dict)

    def __str__(self) -> str:
        sign = {"added": "+", "removed": "-", "changed": "~"}[self.change]
        text = f"{sign} {self.scope}: {self.what}"
        for name, (old, new) in self.fields.items():
            text += f"\n      {name}: {_short(old)} -> {_short(new)}"
        return text

    def to_dict(self) -> dict[str, Any]:
        return {"change": self.change, "scope": self.scope, "what": self.what,
                "fields": {k: {"before": v[0], "after": v[1]} for k, v in self.fields.items()}}


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 100 else text[:97] + "..."


def _rule_id(section: str, rule: dict[str, Any]) -> str:
    where = f" in {','.join(rule['jurisdiction'])}" if rule.get("jurisdiction") else ""
    return f"{section} {rule['key']} from {rule.get('effective_from')}{where}"


def _compare(scope: str, what: str, old: dict[str, Any], new: dict[str, Any]) -> Change | None:
    names = sorted((set(old) | set(new)) - _COMPUTED)
    fields = {n: (old.get(n), new.get(n)) for n in names if old.get(n) != new.get(n)}
    return Change("changed", scope, what, fields) if fields else None


def _diff_items(scope: str, old: dict[str, dict[str, Any]], new: dict[str, dict[str, Any]]) -> list[Change]:
    out = []
    for key in sorted(set(old) | set(new)):
        if key not in old:
            out.append(Change("added", scope, key))
        elif key not in new:
            out.append(Change("removed", scope, key))
        else:
            changed = _compare(scope, key, old[key], new[key])
            if changed:
                out.append(changed)
    return out


def diff_models(before: dict[str, Any], after: dict[str, Any]) -> list[Change]:
    """Every difference between two compiled models, catalogues first, then payer by payer.

    A payer's own rules and inherited ones are both compared, so a change to Medicare shows on
    every payer that inherits it — which is what it does.
    """
    changes: list[Change] = []
    for catalogue in ("documents", "methods", "codes", "modifiers"):
        changes += _diff_items(catalogue, before[catalogue], after[catalogue])
    for payer in sorted(set(before["payers"]) | set(after["payers"])):
        scope = f"payer {payer}"
        if payer not in before["payers"]:
            changes.append(Change("added", scope, "the payer"))
            continue
        if payer not in after["payers"]:
            changes.append(Change("removed", scope, "the payer"))
            continue
        old, new = before["payers"][payer], after["payers"][payer]
        details = ("rules", "examples", "removed")
        header = _compare(scope, "payer details", {k: v for k, v in old.items() if k not in details},
                          {k: v for k, v in new.items() if k not in details})
        if header:
            changes.append(header)
        for section in SECTIONS:
            changes += _diff_items(scope, {_rule_id(section, r): r for r in old["rules"][section]},
                                   {_rule_id(section, r): r for r in new["rules"][section]})
        changes += _diff_items(scope, {f"example {e['id']}": e for e in old["examples"]},
                               {f"example {e['id']}": e for e in new["examples"]})
    return changes


def moved_answers(before: Any, after: Any) -> list[str]:
    """Worked examples (of the new policies) whose computed units differ between before and after."""
    from kb.problems import KBError as _KBError

    moved = []
    for payer in after.payers():
        if payer not in before.payers():
            continue
        for example in after.payer(payer).examples:
            day = date.fromisoformat(example["date"])
            state = example["visit"].get("state")
            minutes = {line["code"]: line.get("minutes", 0) for line in example["visit"]["lines"]}
            try:
                old = before.payer(payer, as_of=day, state=state).units(minutes)
            except _KBError as exc:
                old = f"error: {exc}"
            try:
                new = after.payer(payer, as_of=day, state=state).units(minutes)
            except _KBError as exc:
                new = f"error: {exc}"
            if old != new:
                moved.append(f"{payer} example {example['id']} ({example['date']}): units {old} -> {new}")
    return moved


def tree_at_revision(revision: str, policies: Path, into: Path) -> Path:
    """Extract the policy folder as it was at a git revision; returns the extracted folder."""
    policies = policies.resolve()
    try:
        top = Path(subprocess.run(["git", "rev-parse", "--show-toplevel"], cwd=policies, capture_output=True,
                                  text=True, check=True).stdout.strip())
        rel = policies.relative_to(top).as_posix()
        archive = subprocess.run(["git", "archive", "--format=tar", revision, rel], cwd=top, capture_output=True,
                                 check=True).stdout
    except (subprocess.CalledProcessError, FileNotFoundError, ValueError) as exc:
        detail = getattr(exc, "stderr", b"") or b""
        text = detail.decode(errors="replace").strip() if isinstance(detail, bytes) else str(detail)
        raise KBError(f"cannot read {policies} at git revision {revision!r}: {text or exc}") from None
    with tarfile.open(fileobj=BytesIO(archive)) as tar:
        tar.extractall(into, filter="data")
    return into / rel


def temporary_folder() -> tempfile.TemporaryDirectory[str]:
    return tempfile.TemporaryDirectory(prefix="kb-diff-")
