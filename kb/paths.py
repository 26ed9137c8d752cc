"""Where the shipped schema and policies live: in a checkout, beside the package; in a wheel, inside it."""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def _first_existing(*candidates: Path) -> Path:
    for candidate in candidates:
        if candidate.is_dir():
            return candidate
    return candidates[0]


def schema_dir() -> Path:
    """The JSON Schema folder."""
    return _first_existing(_PACKAGE.parent / "schema", _PACKAGE / "_data" / "schema")


def shipped_policies() -> Path:
    """The policy tree that ships with the package (policies/ in a checkout)."""
    return _first_existing(_PACKAGE.parent / "policies", _PACKAGE / "_data" / "policies")


def default_policies() -> Path:
    """`./policies` when the working directory has one, else the shipped tree (the CLI default)."""
    local = Path.cwd() / "policies"
    return local if local.is_dir() else shipped_policies()
