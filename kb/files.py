"""The files of a policy tree and their fingerprint: light enough to import on every `kb.load()`."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path


def display_path(path: Path) -> str:
    """The path as a user should see it: relative to the working directory when inside it."""
    try:
        rel = os.path.relpath(path)
    except ValueError:  # another drive (Windows)
        return str(path)
    return str(path) if rel.startswith("..") else rel


def policy_files(root: Path) -> list[Path]:
    """Every YAML file below the tree root, in a stable order."""
    return sorted(p for p in root.rglob("*") if p.is_file() and p.suffix in (".yaml", ".yml"))


def fingerprint(root: Path) -> dict[str, str]:
    """sha256 of each policy file, by path relative to the root: what makes a compiled artifact fresh."""
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest() for p in policy_files(root)
    }
