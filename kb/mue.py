"""Bulk MUE tables: one quarterly CMS snapshot per table, code -> (value, MAI, rationale)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import date
from pathlib import Path

from kb.model import Mue, Source
from kb.ncci import MueRow
from kb.ptp import TableMeta


class MueTable:
    """The MUEs of one CMS table, in force from its effective date until a later table replaces it."""

    def __init__(self, meta: TableMeta, effective_from: date, rows: Iterable[MueRow]):
        self.meta = meta
        self.effective_from = effective_from
        self._rows = {r.code: (r.value, r.mai, r.rationale) for r in rows}
        self._source = (Source.from_dict(meta.source),)

    def __len__(self) -> int:
        return len(self._rows)

    def get(self, code: str) -> Mue | None:
        """The code's MUE in this snapshot, or None when the table has no row for it."""
        row = self._rows.get(code)
        if row is None:
            return None
        value, mai, why = row
        return Mue(payer=self.meta.payer, key=code, effective_from=self.effective_from, effective_to=None,
                   sources=self._source, evidence=self.meta.evidence, notes=self.meta.notes,
                   declared_by=self.meta.payer, code=code, value=value, mai=mai, rationale=why or None)

    def save(self, path: Path) -> None:
        data = {"kind": "mue", "meta": self.meta.__dict__, "effective_from": self.effective_from.isoformat(),
                "rows": {c: list(v) for c, v in sorted(self._rows.items())}}
        path.write_text(json.dumps(data, indent=0, sort_keys=True) + "\n", encoding="utf-8")

    @classmethod
    def load(cls, path: Path) -> MueTable:
        data = json.loads(path.read_text(encoding="utf-8"))
        rows = (MueRow(c, v[0], v[1], v[2]) for c, v in data["rows"].items())
        return cls(TableMeta(**data["meta"]), date.fromisoformat(data["effective_from"]), rows)
