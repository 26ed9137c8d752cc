"""`kb remit explain ERA.835 [--claims CLAIMS.837]`: every adjusted or denied line of an 835 with the rules that
explain the codes the payer sent (fix and sources), and the codes the knowledge base cannot explain.

Exit codes: 0 every adjustment explained; 1 some adjustment the knowledge base cannot explain; 2 misuse or an
unreadable file.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from kb.claims import ClaimSource, sniff


def register(subparsers: Any) -> None:
    from kb.cli import add_json_option, add_policies_option, add_tables_option

    remit = subparsers.add_parser("remit", help="remittances (835): explain the codes a payer sent")
    sub = remit.add_subparsers(dest="remit_command", metavar="ACTION", required=True)
    p = sub.add_parser(
        "explain", help="explain every adjusted or denied line of an 835 by the knowledge base's rules",
        description="For every adjusted or denied service line of an X12 835, the rules whose predicted remittance "
                    "codes match what the payer sent, confirmed by re-checking the claim (from the 837 with "
                    "--claims, else from the 835's own lines), with the fix and the sources; codes the knowledge "
                    "base cannot explain are listed as such. Exit 0: every adjustment explained; 1: some not "
                    "explained; 2: misuse or an unreadable file.")
    p.add_argument("era", metavar="ERA.835", help="the 835 remittance file")
    p.add_argument("--claims", metavar="FILE", help="the 837 (or FHIR Claim) file the 835 answers")
    from kb.claims.cli import add_claim_options

    add_claim_options(p)
    add_policies_option(p)
    add_tables_option(p)
    add_json_option(p)
    p.set_defaults(func=cmd_explain)


def cmd_explain(args: argparse.Namespace) -> int:
    from kb.cli import UsageError, open_kb
    from kb.remit.explain import explain_remittance

    era = Path(args.era)
    if not era.is_file():
        raise UsageError(f"no such file: {args.era}")
    if sniff(era) != "x12":
        raise UsageError(f"{args.era} is not an X12 file (an 835 starts with an ISA segment)")
    claims = None
    if args.claims:
        if not Path(args.claims).is_file():
            raise UsageError(f"no such file: {args.claims}")
        claims = ClaimSource(args.claims, minutes=args.minutes, payer_map=args.payer_map, payer=args.payer)
    k = open_kb(args)
    result = explain_remittance(k, era, claims=claims, payer_map=args.payer_map, payer=args.payer)
    if args.json:
        json.dump(result.to_dict(), sys.stdout, ensure_ascii=False)
        sys.stdout.write("\n")
    else:
        print(result)
    return 1 if result.unexplained else 0
