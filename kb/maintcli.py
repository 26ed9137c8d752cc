"""Maintainers' commands, registered by kb/cli.py: `kb fmt` (canonical layout; `--migrate` converts to the short
form), `kb stale` (sources not checked for a year) and `kb changelog` (the knowledge's changes by date)."""

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
    register_stale(subparsers)
    register_changelog(subparsers)


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


def register_stale(subparsers: argparse._SubParsersAction) -> None:
    from kb.cli import add_json_option, add_policies_option

    p = subparsers.add_parser("stale", help="sources not checked for a while (last_verified older than a year)")
    p.add_argument("--older-than", type=int, default=365, metavar="DAYS",
                   help="list documents last checked more than DAYS ago (default: 365)")
    p.add_argument("--check-urls", action="store_true",
                   help="also open every source URL and list those that do not open (needs the network)")
    p.add_argument("--format", choices=("text", "markdown"), default="text",
                   help="text (default) or markdown (the weekly workflow's issue)")
    p.add_argument("--today", default=None, metavar="DATE", help=argparse.SUPPRESS)
    add_policies_option(p)
    add_json_option(p)
    p.set_defaults(func=cmd_stale)


def cmd_stale(args: argparse.Namespace) -> int:
    """Exit 1 when some document is stale, 0 when none is."""
    from datetime import date

    from kb.cli import UsageError, emit_json, open_kb
    from kb.stale import check_urls, markdown_report, stale_documents

    if args.older_than < 0:
        raise UsageError("--older-than must be 0 or more days")
    try:
        today = date.fromisoformat(args.today) if args.today else date.today()
    except ValueError:
        raise UsageError(f"--today {args.today!r} is not a date (YYYY-MM-DD)") from None
    model = open_kb(args).model
    found = stale_documents(model, today, args.older_than)
    dead = check_urls(model) if args.check_urls else None
    if args.json:
        stale = [{"id": d.id, "title": d.title, "url": d.url, "checked": d.checked.isoformat() if d.checked else None,
                  "days": d.days, "cited_by": d.cited_by} for d in found]
        emit_json(stale if dead is None else {"stale": stale, "dead_links": [d.__dict__ for d in dead]})
    elif args.format == "markdown":
        print(markdown_report(found, dead, args.older_than), end="")
    else:
        for d in found:
            print(d)
        for link in dead or []:
            print(f"did not open: {link}")
        print(f"{len(found)} document{'s' if len(found) != 1 else ''} not checked in the last {args.older_than} days"
              + (f"; {len(dead)} source URL(s) did not open" if dead is not None else ""), file=sys.stderr)
    return 1 if found or dead else 0


def register_changelog(subparsers: argparse._SubParsersAction) -> None:
    from kb.cli import add_policies_option

    p = subparsers.add_parser("changelog", help="the knowledge's changes by date, generated from the policies")
    p.add_argument("-o", "--output", type=Path, default=None, metavar="FILE", help="write it here (e.g. CHANGELOG.md)")
    p.add_argument("--check", type=Path, default=None, metavar="FILE",
                   help="change nothing; exit 1 when FILE is not the changelog of the policies")
    add_policies_option(p)
    p.set_defaults(func=cmd_changelog)


def cmd_changelog(args: argparse.Namespace) -> int:
    from kb.changelog import changelog
    from kb.cli import open_kb

    text = changelog(open_kb(args).model)
    if args.check is not None:
        current = args.check.read_text(encoding="utf-8") if args.check.is_file() else ""
        if current != text:
            print(f"{display_path(args.check)} is not the changelog of the policies: run kb changelog -o "
                  f"{display_path(args.check)}", file=sys.stderr)
            return 1
        return 0
    if args.output is not None:
        args.output.write_text(text, encoding="utf-8")
        print(f"wrote {display_path(args.output)}", file=sys.stderr)
    else:
        print(text, end="")
    return 0
