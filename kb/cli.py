"""The `kb` command line: validate, compile, units, show, stats (and the commands other modules register).

Exit codes: 0 success, 1 problems found (in the policies, or error findings in a check),
2 misuse (bad arguments, unknown payer or code, unreadable input).
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import sys
import time
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path
from typing import Any

from kb import __version__, artifact
from kb.compiler import check_tree, compile_tree
from kb.files import display_path, policy_files
from kb.knowledge import KnowledgeBase, load
from kb.mue import MueTable
from kb.ncci import read_mue_file, read_ptp_into
from kb.paths import default_policies
from kb.problems import DataError, InputError, KBError, PolicyError, QueryError
from kb.ptp import PtpBuilder, TableMeta

# Modules that add subcommands: each defines register(subparsers) (claim checker, site).
EXTENSIONS = (
    "kb.check.cli",
    "kb.remit.cli",
    "kb.site.cli",
    "kb.maintcli",
    "kb.mcp_server",
    "kb.graph_export",
)


class UsageError(Exception):
    """Misuse of the command line (exit 2)."""


def iso_date(text: str) -> date:
    """argparse type for YYYY-MM-DD."""
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (use YYYY-MM-DD)") from None


def add_policies_option(parser: argparse.ArgumentParser) -> None:
    """The --policies option every command that reads policies takes."""
    parser.add_argument("--policies", type=Path, default=None, metavar="PATH",
                        help="policy folder (default: ./policies when it exists, else the packaged knowledge base)")


def add_tables_option(parser: argparse.ArgumentParser) -> None:
    """--table: bulk tables (from `kb ncci ptp` / `kb ncci mue`) to attach to their payers."""
    parser.add_argument("--table", dest="tables", action="append", type=Path, default=[], metavar="FILE",
                        help="a bulk table (.ptp or .mue.json from `kb ncci`) to attach; repeatable")


def add_json_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print JSON for tools instead of text")


def progress(message: str) -> None:
    """A progress line on stderr (only when stderr is a terminal or KB_PROGRESS=1)."""
    if sys.stderr.isatty() or os.environ.get("KB_PROGRESS") == "1":
        print(message, file=sys.stderr, flush=True)


def open_kb(args: argparse.Namespace) -> KnowledgeBase:
    """Load the knowledge base a command names (policy errors propagate as PolicyError)."""
    root = args.policies or default_policies()
    if not root.exists():
        raise UsageError(f"no policy folder at {root}")
    started = time.perf_counter()
    k = load(root, tables=getattr(args, "tables", None) or ())
    progress(f"loaded {display_path(root)} ({k.origin}) in {time.perf_counter() - started:.2f} s")
    return k


def emit_json(data: Any) -> None:
    print(json.dumps(data, indent=2, ensure_ascii=False, default=str))


# -- validate ------------------------------------------------------------------------------------


def cmd_validate(args: argparse.Namespace) -> int:
    target = args.path or args.policies or default_policies()
    root = _tree_root(target)
    files = policy_files(root)
    progress(f"validating {len(files)} files in {display_path(root)}")
    try:
        tree = check_tree(root)
        problems = [] if args.no_examples else _example_problems(tree)
    except PolicyError as err:
        problems = err.problems
    if args.json:
        emit_json({"ok": not problems, "files": len(files),
                   "problems": [p.__dict__ for p in problems]})
    else:
        for p in problems:
            print(p)
        count = len(problems)
        summary = (f"{count} problem{'s' if count != 1 else ''} in {len({p.file for p in problems})} "
                   f"of {len(files)} files" if problems else f"{len(files)} files, no problems")
        print(summary, file=sys.stderr)
    return 1 if problems else 0


def _example_problems(tree: Any) -> list[Any]:
    """Every worked example run through the claim checker (the policies are valid by now)."""
    from kb.compiler import build_model
    from kb.examples import run_examples

    progress("running the worked examples")
    return run_examples(tree, KnowledgeBase(build_model(tree)))


def _tree_root(target: Path) -> Path:
    """The policy tree a path belongs to (a file inside a tree validates the whole tree)."""
    if not target.exists():
        raise UsageError(f"no such file or folder: {target}")
    if target.is_dir():
        return target
    for parent in target.resolve().parents:
        if (parent / "codes.yaml").exists() or (parent / "payers").is_dir():
            return parent
    raise UsageError(f"{target} is not inside a policy folder (none of its parents holds codes.yaml or payers/)")


# -- compile -------------------------------------------------------------------------------------


def cmd_compile(args: argparse.Namespace) -> int:
    root = args.policies or default_policies()
    if not root.is_dir():
        raise UsageError(f"no policy folder at {root}")
    target = args.output or artifact.default_artifact(root)
    started = time.perf_counter()
    progress(f"compiling {display_path(root)}")
    model = compile_tree(root)
    size = artifact.write(model, target)
    elapsed = time.perf_counter() - started
    payers = len(model["payers"])
    if args.json:
        emit_json({"artifact": str(target), "bytes": size, "content_hash": model["content_hash"],
                   "payers": payers, "codes": len(model["codes"]), "seconds": round(elapsed, 3)})
    else:
        print(f"wrote {display_path(target)}: {size:,} bytes, {payers} payers, {len(model['codes'])} codes, "
              f"{model['content_hash']} ({elapsed:.2f} s)")
    return 0


# -- units ---------------------------------------------------------------------------------------


def _minutes(pairs: Sequence[str]) -> dict[str, int]:
    minutes: dict[str, int] = {}
    for pair in pairs:
        code, sep, value = pair.partition("=")
        if not sep or not value.strip().isdigit():
            raise UsageError(f"{pair!r}: write CODE=MINUTES, e.g. 97112=24")
        if code in minutes:
            raise UsageError(f"{code} is given twice")
        minutes[code.strip()] = int(value)
    return minutes


def cmd_units(args: argparse.Namespace) -> int:
    k = open_kb(args)
    p = k.payer(args.payer, as_of=args.date, state=args.state)
    explained = p.explain_units(_minutes(args.minutes))
    if args.json:
        emit_json({"payer": p.id, "date": p.as_of.isoformat(), "state": p.state, "method": explained.method,
                   "units": explained.units, "tie_broken": explained.tie_broken, "steps": list(explained.steps),
                   "sources": [s.__dict__ for s in explained.sources]})
    else:
        print(explained)
    return 0


# -- show ----------------------------------------------------------------------------------------


def cmd_show(args: argparse.Namespace) -> int:
    k = open_kb(args)
    entry = k.catalogue_code(args.code)
    payer_ids = [args.payer] if args.payer else k.payers()
    views = [k.payer(pid, as_of=args.date, state=args.state) for pid in payer_ids]
    if args.json:
        emit_json({"code": entry, "payers": {v.id: _code_view(v, args.code) for v in views}})
        return 0
    info = views[0].code(args.code)
    print(f"{info.code} ({info.system}): {entry['summary']}")
    timing = f"timed, {entry.get('unit_minutes')}-minute units" if entry["timed"] else "untimed"
    print(f"  catalogue: {timing}; family {entry['family']}; disciplines {', '.join(entry['disciplines'])}")
    for v in views:
        view = _code_view(v, args.code)
        print(f"\n{v.name} [{v.id}] on {v.as_of}:")
        for gap in view["no_data"]:
            print(f"  no data for this date: {gap}")
        cap = view["daily_cap"]
        method = view["method"] or "no unit-counting rule in force"
        print(f"  units: {method}; {'timed' if view['timed'] else 'untimed'}"
              + (f"; counts toward a daily cap of {cap} units" if cap else "")
              + ("; NOT COVERED" if not view["covered"] else ""))
        if view["mue"]:
            print(f"  MUE: {view['mue']['value']} per day (MAI {view['mue']['mai']})")
        for r in view["modifier_rules"]:
            named = r.get("modifiers") or [f"{a} with {b}" for a, b in (r.get("pairs") or {}).items()]
            print(f"  modifiers ({r['type']}): {', '.join(named)}")
        for e in view["bundling"]:
            print(f"  bundled: {e['column1']} over {e['column2']}, indicator {e['modifier_indicator']}")
        for d in view["documentation"]:
            print(f"  note must show: {d['element']}")
        for r in view["visit_rules"]:
            print(f"  visit rule ({r['type']}): {r['id']} -> {r['finding']}")
    return 0


def _code_view(v: Any, code: str) -> dict[str, Any]:
    info = v.code(code)
    try:
        method = v.unit_method()
    except QueryError:
        method = None  # no unit-counting rule on this date: said in no_data
    listed = method is not None and method.cap_codes is not None and code in method.cap_codes
    capped = (method is not None and method.daily_cap is not None
              and ((method.cap_codes is None and info.timed) or listed))
    return {
        "no_data": v.no_data(),
        "method": method.method if method is not None else None,
        "daily_cap": method.daily_cap if capped and method is not None else None,
        "timed": info.timed,
        "covered": info.covered,
        "one_on_one": info.one_on_one,
        "mue": info.mue.to_dict() if info.mue else None,
        "modifier_rules": [r.to_dict() for r in info.modifier_rules],
        "bundling": [e.to_dict() for e in v.ptp_partners(code)],
        "documentation": list(info.rule.documentation) if info.rule else [],
        "visit_rules": [r.to_dict() for r in v.visit_rules() if not r.applies_to or code in r.applies_to],
    }


# -- diff ----------------------------------------------------------------------------------------


def cmd_diff(args: argparse.Namespace) -> int:
    """Exit 0 when the knowledge is the same, 1 when it changed (rules, catalogues or worked-example answers)."""
    from kb.diff import diff_models, markdown, moved_answers, temporary_folder, tree_at_revision

    root = args.policies or default_policies()
    with temporary_folder() as tmp:
        before_root = args.before or tree_at_revision(args.base, root, Path(tmp))
        if not before_root.is_dir():
            raise UsageError(f"no policy folder at {before_root}")
        progress(f"compiling {display_path(before_root)} and {display_path(root)}")
        before, after = load(before_root), load(root)
    changes = diff_models(before.model, after.model)
    moved = moved_answers(before, after)
    changed = 1 if changes or moved else 0
    label = str(args.before) if args.before is not None else f"git {args.base}"
    form = "json" if args.json else args.format
    if form == "json":
        emit_json({"before": before.content_hash, "after": after.content_hash, "changed": bool(changed),
                   "changes": [c.to_dict() for c in changes], "moved_answers": moved})
    elif form == "markdown":
        print(markdown(changes, moved, label), end="")
    elif not changes and not moved:
        print(f"no change in the knowledge base since {label}")
    else:
        print(f"{len(changes)} change{'s' if len(changes) != 1 else ''} since {label}:")
        for change in changes:
            print(f"  {change}")
        if moved:
            print("\nworked examples whose units change:")
            for line in moved:
                print(f"  {line}")
    return changed


# -- stats ---------------------------------------------------------------------------------------


def cmd_stats(args: argparse.Namespace) -> int:
    from kb.stats import compute, render

    stats = compute(open_kb(args).model)
    if args.json:
        emit_json(stats.to_dict())
    else:
        print(render(stats, by_section=args.by_section, list_secondary=not args.no_list))
    return 0


# -- ncci ----------------------------------------------------------------------------------------


def cmd_ncci_ptp(args: argparse.Namespace) -> int:
    started = time.perf_counter()
    progress(f"reading {len(args.files)} PTP file(s)")
    builder = PtpBuilder()  # rows go straight into flat arrays: memory stays a few times the table's size
    problems = read_ptp_into(args.files, builder)
    if problems:
        raise DataError(problems)
    names = ", ".join(p.name for p in args.files)
    source = {"title": args.title or f"Medicare NCCI PTP edits ({names})", "document": names,
              "publisher": "CMS", "read": date.today().isoformat()}
    progress(f"indexing {len(builder):,} rows")
    table = builder.build(TableMeta(payer=args.payer, source=source))
    del builder
    args.output.parent.mkdir(parents=True, exist_ok=True)
    table.save(args.output)
    print(f"wrote {display_path(args.output)}: {len(table):,} rows for {args.payer} "
          f"({args.output.stat().st_size:,} bytes, {time.perf_counter() - started:.1f} s)")
    return 0


def cmd_ncci_mue(args: argparse.Namespace) -> int:
    effective, rows = read_mue_file(args.file)
    source = {"title": args.title or f"Medicare NCCI MUE table ({args.file.name})", "document": args.file.name,
              "publisher": "CMS", "read": date.today().isoformat()}
    table = MueTable(TableMeta(payer=args.payer, source=source), effective, rows)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    table.save(args.output)
    print(f"wrote {display_path(args.output)}: {len(table):,} codes for {args.payer}, effective {effective}")
    return 0


# -- entry point -----------------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="kb", description="payer-policy-kb: outpatient-therapy billing rules as data")
    parser.add_argument("--version", action="version", version=f"kb {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    p = sub.add_parser("validate", help="check policy files: schema, cross-references, dates, worked examples")
    p.add_argument("path", nargs="?", type=Path, help="policy folder or a file in one (default: ./policies)")
    p.add_argument("--no-examples", action="store_true",
                   help="skip running the worked examples through the claim checker (faster)")
    add_policies_option(p)
    add_json_option(p)
    p.set_defaults(func=cmd_validate)

    p = sub.add_parser("compile", help="write the compiled knowledge base (JSON artifact)")
    p.add_argument("-o", "--output", type=Path, help="artifact path (default: build/kb.json beside the policies)")
    add_policies_option(p)
    add_json_option(p)
    p.set_defaults(func=cmd_compile)

    p = sub.add_parser("units", help="units per code for one visit, with the explanation")
    p.add_argument("--payer", required=True)
    p.add_argument("--date", type=iso_date, default=None, help="date of service (default: today)")
    p.add_argument("--state", default=None, help="two-letter state of the visit, for state-limited rules")
    p.add_argument("minutes", nargs="+", metavar="CODE=MIN")
    add_policies_option(p)
    add_tables_option(p)
    add_json_option(p)
    p.set_defaults(func=cmd_units)

    p = sub.add_parser("show", help="a code and each payer's rules for it")
    p.add_argument("code")
    p.add_argument("--payer", default=None)
    p.add_argument("--date", type=iso_date, default=None)
    p.add_argument("--state", default=None)
    add_policies_option(p)
    add_tables_option(p)
    add_json_option(p)
    p.set_defaults(func=cmd_show)

    p = sub.add_parser("diff", help="what a policy change does: rules added, removed, changed; answers that move "
                                    "(exit 1 when the knowledge changed)")
    p.add_argument("--base", default="HEAD", help="git revision to compare with (default: HEAD)")
    p.add_argument("--before", type=Path, default=None, metavar="PATH",
                   help="compare with another policy folder instead of a git revision")
    p.add_argument("--format", choices=("text", "markdown", "json"), default="text",
                   help="text (default), markdown (a pull-request comment) or json")
    add_policies_option(p)
    add_json_option(p)
    p.set_defaults(func=cmd_diff)

    p = sub.add_parser("stats", help="what the knowledge base holds: payers, codes, documents, rules by evidence grade "
                                     "(with and without the bulk NCCI rows) and the rules still graded secondary")
    p.add_argument("--by-section", action="store_true", help="also count the grades of each rule section")
    p.add_argument("--no-list", action="store_true", help="leave out the list of rules graded secondary")
    add_policies_option(p)
    add_json_option(p)
    p.set_defaults(func=cmd_stats)

    ncci = sub.add_parser("ncci", help="turn CMS's quarterly NCCI files into bulk tables (see --table)")
    ncci_sub = ncci.add_subparsers(dest="ncci_command", metavar="TABLE", required=True)
    p = ncci_sub.add_parser("ptp", help="practitioner PTP .TXT parts (f1..f4) -> a .ptp table")
    p.add_argument("files", nargs="+", type=Path, metavar="FILE")
    p.add_argument("--payer", required=True, help="the payer the edits belong to (e.g. medicare)")
    p.add_argument("-o", "--output", type=Path, required=True, help="table file to write (.ptp)")
    p.add_argument("--title", help="source title to cite (default: names the files)")
    p.set_defaults(func=cmd_ncci_ptp)
    p = ncci_sub.add_parser("mue", help="an MUE CSV (MCR_MUE_..._Eff_MM-DD-YYYY.csv) -> a .mue.json table")
    p.add_argument("file", type=Path)
    p.add_argument("--payer", required=True)
    p.add_argument("-o", "--output", type=Path, required=True, help="table file to write (.mue.json)")
    p.add_argument("--title")
    p.set_defaults(func=cmd_ncci_mue)

    for name in EXTENSIONS:
        module = _optional_module(name)
        if module is not None:
            module.register(sub)
    return parser


def _optional_module(name: str) -> Any:
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name and name.startswith(exc.name):
            return None  # not installed in this build
        raise


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    handler: Callable[[argparse.Namespace], int] = args.func
    try:
        return handler(args)
    except PolicyError as err:
        for p in err.problems:
            print(p, file=sys.stderr)
        print(f"{len(err.problems)} problem(s) in the policy files; run `kb validate` for the list", file=sys.stderr)
        return 1
    except DataError as err:
        for p in err.problems:
            print(p, file=sys.stderr)
        print(f"{len(err.problems)} problem(s) in the data files; nothing was written", file=sys.stderr)
        return 1
    except (UsageError, QueryError, InputError) as err:
        print(f"kb {args.command}: {err}", file=sys.stderr)
        return 2
    except KBError as err:
        print(f"kb {args.command}: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"kb {args.command}: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
