"""`kb fmt`: registered by kb/cli.py. Canonical layout of policy files; `--migrate` also converts to the short form."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from kb.files import display_path, policy_files
from kb.paths import default_policies


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("fmt", help="lay out policy files canonically (comments kept); --check to only report")
    p.add_argument("paths", nargs="*", type=Path, metavar="PATH",
                   help="policy files or folders (default: ./policies when it exists, else the packaged tree)")
    p.add_argument("--check", action="store_true",
                   help="change nothing; exit 1 and name the files that are not in canonical form")
    p.add_argument("--migrate", action="store_true",
                   help="first rewrite payer files into the short form: groups with shared sources and notes, "
                        "compact rows, checklists named from documentation.yaml (re-runnable)")
    p.set_defaults(func=cmd_fmt)


def cmd_fmt(args: argparse.Namespace) -> int:
    from kb.cli import UsageError
    from kb.fmt import FormatError, format_file
    from kb.migrate import migrate_tree

    targets = args.paths or [default_policies()]
    files: list[Path] = []
    for target in targets:
        if not target.exists():
            raise UsageError(f"no such file or folder: {target}")
        files += policy_files(target) if target.is_dir() else [target]
    if args.migrate:
        roots = sorted({t if t.is_dir() else _root_of(t) for t in targets})
        for root in roots:
            report = migrate_tree(root, write=not args.check)
            for kept in report.kept:
                print(f"{kept}: left as written (its short form would not state the same rules)", file=sys.stderr)
            if args.check and report.changed:
                for name in report.changed:
                    print(f"{display_path(Path(name))}: not in the short form (run kb fmt --migrate)")
                return 1
        files = sorted(set(files) | {p for root in roots for p in policy_files(root)})
    unformatted, broken = [], 0
    for path in sorted(set(files)):
        try:
            text, canonical = format_file(path)
        except FormatError as exc:
            print(f"{display_path(path)}:1:1: (file): cannot format: {exc} (kb validate says more)", file=sys.stderr)
            broken += 1
            continue
        except (OSError, UnicodeDecodeError) as exc:
            print(f"{display_path(path)}:1:1: (file): cannot read: {exc}", file=sys.stderr)
            broken += 1
            continue
        if text != canonical:
            unformatted.append(path)
            if not args.check:
                path.write_text(canonical, encoding="utf-8")
    for path in unformatted:
        print(f"{display_path(path)}: {'would be reformatted' if args.check else 'reformatted'}")
    count = len(files)
    if args.check and unformatted:
        print(f"{len(unformatted)} of {count} files would change: run kb fmt", file=sys.stderr)
    elif not unformatted:
        print(f"{count} files already canonical", file=sys.stderr)
    return 1 if broken or (args.check and unformatted) else 0


def _root_of(path: Path) -> Path:
    for parent in path.resolve().parents:
        if (parent / "codes.yaml").exists() or (parent / "payers").is_dir():
            return parent
    return path.parent
