"""What a change to the policies does: rules added, removed and changed, and answers that moved.

Compares two compiled models (before and after), so a reviewer sees the effect of a pull request
in billing terms rather than as a YAML diff.
"""

from __future__ import annotations

import difflib
import json
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
    """One difference: what changed (added/removed/changed), where, the fields that differ, and the payers that
    inherit the same change from the payer that states it."""

    change: str
    scope: str  # 'payer medicare', 'codes', ...
    what: str  # 'ptp_edits 97150/97110 from 2020-01-01'
    fields: dict[str, tuple[Any, Any]] = field(default_factory=dict)
    inherited_by: tuple[str, ...] = ()
    summary: tuple[str, ...] = ()  # for an added or removed payer: what it is, in a few lines

    @property
    def sign(self) -> str:
        return {"added": "+", "removed": "-", "changed": "~"}[self.change]

    @property
    def reach(self) -> str:
        """' (inherited by 10 payers)', or ''."""
        n = len(self.inherited_by)
        return f" (inherited by {n} payer{'s' if n != 1 else ''})" if n else ""

    def __str__(self) -> str:
        text = f"{self.sign} {self.scope}: {self.what}{self.reach}"
        for line in self.summary:
            text += f"\n      {line}"
        for path, old, new in self.details():
            text += f"\n      {path}: {old!r} -> {new!r}"
        return text

    def details(self) -> list[tuple[str, Any, Any]]:
        """Each changed value down to the smallest part that differs, in full: ('sources[0].section', old, new)."""
        return [leaf for name, (old, new) in self.fields.items() for leaf in leaf_changes(name, old, new)]

    def to_dict(self) -> dict[str, Any]:
        return {"change": self.change, "scope": self.scope, "what": self.what,
                "fields": {k: {"before": v[0], "after": v[1]} for k, v in self.fields.items()},
                "inherited_by": list(self.inherited_by), "summary": list(self.summary)}


class _Absent:
    """The side of a change where a key or list item does not exist."""

    def __repr__(self) -> str:
        return "(none)"


ABSENT: Any = _Absent()


def leaf_changes(path: str, old: Any, new: Any) -> list[tuple[str, Any, Any]]:
    """Where two values differ, down to the leaves: mappings key by key, lists item by item (aligned, so an item
    inserted or removed is one change, not a shift of every item after it). ABSENT marks a missing side."""
    if old == new:
        return []
    if isinstance(old, dict) and isinstance(new, dict):
        return [leaf for key in [*old, *(k for k in new if k not in old)]
                for leaf in leaf_changes(f"{path}.{key}", old.get(key, ABSENT), new.get(key, ABSENT))]
    if isinstance(old, list) and isinstance(new, list):
        out: list[tuple[str, Any, Any]] = []
        matcher = difflib.SequenceMatcher(a=[_canon(x) for x in old], b=[_canon(x) for x in new], autojunk=False)
        for op, i1, i2, j1, j2 in matcher.get_opcodes():
            if op == "equal":
                continue
            paired = min(i2 - i1, j2 - j1) if op == "replace" else 0
            for k in range(paired):
                out += leaf_changes(f"{path}[{j1 + k}]", old[i1 + k], new[j1 + k])
            out += [(f"{path}[{i}]", old[i], ABSENT) for i in range(i1 + paired, i2)]
            out += [(f"{path}[{j}]", ABSENT, new[j]) for j in range(j1 + paired, j2)]
        return out
    return [(path, old, new)]


def _canon(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=str)


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

    A change to a rule reaches every payer that inherits it; it is listed once, on the payer that states the rule,
    with the payers it reaches in `inherited_by`. A payer added or removed is one change with a summary.
    """
    changes: list[Change] = []
    for catalogue in ("documents", "methods", "codes", "modifiers"):
        changes += _diff_items(catalogue, before[catalogue], after[catalogue])
    own: dict[str, list[Change]] = {}
    reaches: dict[tuple[str, str, str, str], list[Change]] = {}
    for payer in sorted(set(before["payers"]) | set(after["payers"])):
        scope = f"payer {payer}"
        if payer not in before["payers"]:
            changes.append(Change("added", scope, "the payer", summary=payer_summary(after["payers"][payer])))
            continue
        if payer not in after["payers"]:
            changes.append(Change("removed", scope, "the payer", summary=payer_summary(before["payers"][payer])))
            continue
        old, new = before["payers"][payer], after["payers"][payer]
        details = ("rules", "examples", "removed")
        header = _compare(scope, "payer details", {k: v for k, v in old.items() if k not in details},
                          {k: v for k, v in new.items() if k not in details})
        listed = own.setdefault(payer, [])
        if header:
            listed.append(header)
        for section in SECTIONS:
            olds = {_rule_id(section, r): r for r in old["rules"][section]}
            news = {_rule_id(section, r): r for r in new["rules"][section]}
            for change in _diff_items(scope, olds, news):
                rule = news.get(change.what) or olds.get(change.what) or {}
                declarer = rule.get("declared_by", payer)
                if declarer != payer:  # an inherited effect: listed with the payer that states the rule
                    reaches.setdefault((declarer, change.change, change.what, repr(change.fields)), []).append(change)
                else:
                    listed.append(change)
        listed += _diff_items(scope, {f"example {e['id']}": e for e in old["examples"]},
                              {f"example {e['id']}": e for e in new["examples"]})
    for payer, listed in own.items():
        for change in listed:
            heirs = reaches.pop((payer, change.change, change.what, repr(change.fields)), [])
            changes.append(Change(change.change, change.scope, change.what, change.fields,
                                  tuple(h.scope.removeprefix("payer ") for h in heirs)))
    for (declarer, _kind, _what, _fields), effects in reaches.items():
        # the payer that states the rule shows no such change (an heir removed or restated it): list each effect
        changes += [Change(c.change, c.scope, f"{c.what} (stated by {declarer})", c.fields) for c in effects]
    return changes


def payer_summary(payer: dict[str, Any]) -> tuple[str, ...]:
    """A payer in a few lines: who it is, how it counts units, its caps, and its rules by section."""
    lines = [f"{payer.get('name')} ({payer.get('kind')})" + (f", extends {payer['extends']}" if payer.get("extends")
                                                             else "")]
    for m in payer["rules"]["unit_methods"]:
        cap = f", daily cap {m['daily_cap']} ({m.get('cap_scope', 'scope not stated')})" if m.get("daily_cap") else ""
        where = f" in {', '.join(m['jurisdiction'])}" if m.get("jurisdiction") else ""
        until = f" to {m['effective_to']}" if m.get("effective_to") else ""
        lines.append(f"units: {m['method']}{cap}{where}, from {m.get('effective_from')}{until}")
    caps = [f"{r['code']} at most {r['daily_cap']}/day" for r in payer["rules"]["code_rules"]
            if r.get("daily_cap") is not None and not r.get("inherited")]
    if caps:
        lines.append("code caps: " + ", ".join(caps))
    counts = []
    for section in SECTIONS[1:]:
        items = payer["rules"][section]
        if items:
            inherited = sum(1 for r in items if r.get("inherited"))
            counts.append(f"{section.replace('_', ' ')} {len(items)}"
                          + (f" ({inherited} inherited)" if inherited else ""))
    lines.append("rules: " + (", ".join(counts) if counts else "none besides the unit method"))
    if payer.get("removed"):
        lines.append("removes: " + ", ".join(f"{r['section']} {r.get('key', '(all)')}" for r in payer["removed"]))
    lines.append(f"worked examples: {len(payer.get('examples', []))}")
    return tuple(lines)


def markdown(changes: list[Change], moved: list[str], label: str) -> str:
    """The diff as a pull-request comment (GitHub-flavoured Markdown)."""
    if not changes and not moved:
        return f"**Knowledge base:** no change since `{label}`.\n"
    out = [f"**Knowledge base:** {len(changes)} change{'s' if len(changes) != 1 else ''} since `{label}`.", "",
           "| | Where | Rule | What changed |", "|---|---|---|---|"]
    for c in changes:
        where = c.scope.removeprefix("payer ") + (f" + {len(c.inherited_by)} inheriting" if c.inherited_by else "")
        detail = "<br>".join(f"{_md(n)}: {_md(repr(a))} → {_md(repr(b))}" for n, a, b in c.details())
        detail = detail or "<br>".join(_md(line) for line in c.summary)
        if c.inherited_by:
            heirs = ", ".join(c.inherited_by)
            detail += ("<br>" if detail else "") + f"inherited by {_md(heirs)}"
        out.append(f"| {c.sign} | {_md(where)} | {_md(c.what)} | {detail} |")
    if moved:
        out += ["", "**Worked examples whose units change:**", ""] + [f"- {_md(line)}" for line in moved]
    return "\n".join(out) + "\n"


def _md(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


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
