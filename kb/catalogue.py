"""The catalogues of a compiled knowledge base (codes, modifiers, methods, documents) and their look-ups.

Payer views and the claim checker read the catalogues through this class, so they need nothing of
kb/knowledge.py (which builds on them).
"""

from __future__ import annotations

from typing import Any

from kb.problems import QueryError


class Catalogue:
    """The code, modifier, method and document catalogues of one compiled model."""

    def __init__(self, model: dict[str, Any]):
        self.codes: dict[str, dict[str, Any]] = model["codes"]
        self.modifiers: dict[str, dict[str, Any]] = model["modifiers"]
        self.methods: dict[str, dict[str, Any]] = model["methods"]
        self.documents: dict[str, dict[str, Any]] = model.get("documents", {})

    def code(self, code: str) -> dict[str, Any]:
        """The catalogue entry of a code; QueryError when unknown."""
        entry = self.codes.get(code)
        if entry is None:
            raise QueryError(f"unknown code {code!r}: not in the code catalogue")
        return entry

    def modifier(self, modifier: str) -> dict[str, Any]:
        """The catalogue entry of a modifier; QueryError when unknown."""
        entry = self.modifiers.get(modifier)
        if entry is None:
            raise QueryError(f"unknown modifier {modifier!r}: not in the modifier catalogue")
        return entry

    def method_name(self, method: str) -> str:
        """The readable name of a unit method."""
        return str(self.methods[method]["name"])
