"""`kb site build` and `kb site serve`: registered by kb/cli.py when this module is installed."""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from kb.cli import add_policies_option, iso_date, open_kb, progress
from kb.extras import require
from kb.files import display_path
from kb.paths import default_policies
from kb.site import paths


def register(subparsers: argparse._SubParsersAction) -> None:
    site = subparsers.add_parser("site", help="the site for billing staff: build it, or serve it while editing")
    sub = site.add_subparsers(dest="site_command", metavar="ACTION", required=True)

    p = sub.add_parser("build", help="generate the pages from the policies and build the HTML site")
    add_policies_option(p)
    p.add_argument("-o", "--output", type=Path, default=None, metavar="DIR",
                   help="where the HTML goes (default: build/site; the generated MkDocs project — mkdocs.yml, "
                        "docs/, overrides/ — goes beside it, in DIR-src)")
    p.add_argument("--as-of", type=iso_date, default=None, metavar="DATE",
                   help="the day whose rules the pages show as in force (default: today)")
    p.set_defaults(func=cmd_build)

    p = sub.add_parser("serve", help="build, serve on localhost with live reload, rebuild on every change")
    add_policies_option(p)
    p.add_argument("-o", "--output", type=Path, default=None, metavar="DIR", help="build folder (default: build/site)")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")
    p.add_argument("--port", type=int, default=8000, help="port (default: 8000)")
    p.set_defaults(func=cmd_serve)


def cmd_build(args: argparse.Namespace) -> int:
    require("site", "kb site build")
    output = args.output or paths.default_output()
    k = open_kb(args)
    progress(f"building the site into {display_path(output)}")
    from kb.site.build import build_site  # Jinja2 and the page modules: only for the site commands

    result = build_site(k, output, as_of=args.as_of, policies=args.policies or default_policies())
    print(f"built {display_path(result.output)}: {result.pages} pages, {result.bytes / 1e6:.1f} MB "
          f"in {result.seconds:.1f} s (pages generated in {result.generate_seconds:.1f} s; "
          f"the MkDocs project is {display_path(result.source)})")
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    require("site", "kb site serve")
    from kb.site.build import build_site
    from kb.site.serve import serve

    output = args.output or paths.default_output()
    policies = args.policies or default_policies()
    started = time.perf_counter()
    k = open_kb(args)
    result = build_site(k, output, policies=policies)
    print(f"built {result.pages} pages in {time.perf_counter() - started:.1f} s")
    return serve(policies, output, args.host, args.port)
