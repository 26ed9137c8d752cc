"""The files of a policy tree and their fingerprint: light enough to import on every `kb.load()`."""

from __future__ import annotations

import hashlib
import os
import stat
from pathlib import Path

_YAML = (".yaml", ".yml")


def display_path(path: Path) -> str:
    """The path as a user should see it: relative to the working directory when inside it."""
    try:
        rel = os.path.relpath(path)
    except ValueError:  # another drive (Windows)
        return str(path)
    return str(path) if rel.startswith("..") else rel


def scan(root: Path) -> tuple[list[Path], list[tuple[Path, str]]]:
    """The YAML files below the tree root that are policy files (regular files inside the tree, or links to one),
    in a stable order, and every YAML entry refused with the reason: a link out of the tree or to nothing, a FIFO,
    a socket or a device (reading those could hang or read another tree), a linked folder."""
    real_root = root.resolve()
    files: list[Path] = []
    refused: list[tuple[Path, str]] = []
    for folder, dirs, names in os.walk(root, followlinks=False):
        here = Path(folder)
        for name in sorted(dirs):
            if (here / name).is_symlink():  # listed but not entered by os.walk
                refused.append((here / name, "a symbolic link to a folder: keep policy files in real folders of "
                                             "the tree"))
        for name in sorted(names):
            if name.endswith(_YAML):
                why = _refusal(here / name, real_root)
                if why:
                    refused.append((here / name, why))
                else:
                    files.append(here / name)
    return sorted(files), sorted(refused)


def _refusal(path: Path, real_root: Path) -> str | None:
    try:
        if path.is_symlink():
            target = path.resolve(strict=False)
            if not target.exists():
                return f"a symbolic link to a missing file ({os.readlink(path)})"
            if not target.is_relative_to(real_root):
                return f"a symbolic link to a file outside the policy tree ({target}): copy the file into the tree"
        mode = path.stat().st_mode
    except (OSError, RuntimeError) as exc:  # RuntimeError: a symlink loop on older Pythons
        return f"cannot read it: {getattr(exc, 'strerror', None) or exc}"
    if not stat.S_ISREG(mode):
        kind = "a FIFO" if stat.S_ISFIFO(mode) else "a socket" if stat.S_ISSOCK(mode) else "a device or special file"
        return f"not a regular file ({kind}): a policy file must be a plain file"
    return None


def policy_files(root: Path) -> list[Path]:
    """Every YAML policy file below the tree root, in a stable order (see `scan` for what is left out)."""
    return scan(root)[0]


def fingerprint(root: Path) -> dict[str, str]:
    """sha256 of each policy file, by path relative to the root: what makes a compiled artifact fresh."""
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest() for p in policy_files(root)
    }
