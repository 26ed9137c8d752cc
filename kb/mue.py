"""Bulk MUE tables: one quarterly CMS snapshot per table, code -> (value, MAI, rationale)."""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from datetime import date
from pathlib import Path

from kb.model import Mue, Source
from kb.ncci import MueRow
from kb.problems import KBError
from kb.ptp import TableMeta


class MueTable:
    """The MUEs of one CMS table, in force from its effective date until a later table replaces it."""

    def __init__(self, meta: TableMeta, effective_from: date, rows: Iterable[MueRow]):
        self.meta = meta
        self.effective_from = effective_from
        self._rows = {r.code: (r.value, r.mai, r.rationale) for r in rows}
        self._source = (Source.from_dict(meta.source),)
        self._made: dict[str, Mue] = {}

    @property
    def sources(self) -> tuple[Source, ...]:
        """What every row of the table cites."""
        return self._source

    def __len__(self) -> int:
        return len(self._rows)

    def get(self, code: str) -> Mue | None:
        """The code's MUE in this snapshot, or None when the table has no row for it."""
        made = self._made.get(code)
        if made is not None:
            return made
        row = self._rows.get(code)
        if row is None:
            return None
        value, mai, why = row
        made = self._made[code] = Mue(
            payer=self.meta.payer, key=code, effective_from=self.effective_from, effective_to=None,
            sources=self._source, evidence=self.meta.evidence, notes=self.meta.notes, declared_by=self.meta.payer,
            code=code, value=value, mai=mai, rationale=why or None)
        return made

    def save(self, path: Path) -> None:
        """Write the table as JSON, atomically (a crash leaves the old file or none, never half a table)."""
        data = {"kind": "mue", "meta": self.meta.__dict__, "effective_from": self.effective_from.isoformat(),
                "rows": {c: list(v) for c, v in sorted(self._rows.items())}}
        partial = path.with_name(path.name + ".partial")
        try:
            partial.write_text(json.dumps(data, indent=0, sort_keys=True, ensure_ascii=False) + "\n",
                               encoding="utf-8")
            os.replace(partial, path)
        finally:
            partial.unlink(missing_ok=True)

    @classmethod
    def load(cls, path: Path) -> MueTable:
        """Read a table written by `save`; KBError when the file is not one."""
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            rows = [MueRow(c, int(v[0]), int(v[1]), str(v[2])) for c, v in data["rows"].items()]
            return cls(TableMeta(**data["meta"]), date.fromisoformat(data["effective_from"]), rows)
        except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError, IndexError, AttributeError) as exc:
            raise KBError(f"{path}: not an MUE table written by `kb ncci mue` ({exc!r})") from None
