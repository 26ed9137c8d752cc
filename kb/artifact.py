"""The compiled artifact on disk: one JSON file, written atomically, read back with a freshness check.

The file holds the model packed (kb/packing.py: each fact stated once); `read` returns that packed form,
`verified` checks it against its content hash as it is, and `kb.packing.unpack` expands it into the compiled
model. The content hash is the sha256 of the packed form's canonical JSON, so a reader verifies the file without
expanding it first.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any

from kb.files import fingerprint
from kb.packing import pack

FORMAT = "payer-policy-kb/compiled"
FORMAT_VERSION = 2  # 2: packed (inherited rules and cited documents by reference; version 1 repeated them)


def default_artifact(policies: Path) -> Path:
    """Where `kb compile` writes by default and `kb.load()` looks: build/kb.json beside the policy folder."""
    return policies.resolve().parent / "build" / "kb.json"


def dumps(model: dict[str, Any]) -> str:
    """The artifact text: the compiled order (the files' order, itself fixed) and fixed indentation, so equal
    input gives equal bytes — and a model read back is the model compiled in memory, key order included
    (sorted keys would reorder e.g. a rule's by_plan_of_care, and with it the checker's wording). NaN and infinity
    are refused (they are not JSON)."""
    return json.dumps(pack(model), indent=1, ensure_ascii=False, allow_nan=False) + "\n"


def content_hash(model: dict[str, Any]) -> str:
    """sha256 of the canonical JSON of the model's packed form (what the file holds), without the hash itself."""
    return packed_hash(pack(model))


def packed_hash(packed: dict[str, Any]) -> str:
    """sha256 of a packed model's canonical JSON, without the hash itself."""
    body = {k: v for k, v in packed.items() if k != "content_hash"}
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    return "sha256:" + hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def verified(packed: dict[str, Any]) -> bool:
    """True when a packed model (what `read` returns) matches its content hash (a hand-edited artifact does not)."""
    try:
        return packed.get("content_hash") == packed_hash(packed)
    except (TypeError, ValueError):
        return False


def write(model: dict[str, Any], target: Path) -> int:
    """Write the artifact atomically (a reader never sees half a file); returns its size in bytes."""
    target.parent.mkdir(parents=True, exist_ok=True)
    data = dumps(model).encode("utf-8")
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return len(data)


def read(path: Path) -> dict[str, Any] | None:
    """The artifact's packed model (`verified` checks it, `kb.packing.unpack` expands it), or None when the file
    is missing, unreadable or of another format."""
    try:
        model = json.loads(path.read_text(encoding="utf-8"), parse_constant=_no_constant)
    except (OSError, ValueError, RecursionError):
        return None
    if not isinstance(model, dict) or model.get("format") != FORMAT or model.get("format_version") != FORMAT_VERSION:
        return None
    return model


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def is_fresh(model: dict[str, Any], policies: Path) -> bool:
    """True when the artifact was compiled from exactly the policy files now on disk."""
    return model.get("inputs") == fingerprint(policies)
