"""The command-line options that say how to read a claim file (X12 837, FHIR Claim): shared by `kb check` and
`kb remit explain`."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from kb.claims import CLAIM_FORMATS, ClaimSource, sniff, sniff_text


def add_claim_options(p: Any) -> None:
    """--minutes, --payer-map and --payer."""
    p.add_argument("--minutes", metavar="FILE",
                   help="for X12/FHIR claims: minutes per line (CSV claim_id,line,minutes[,assistant_minutes] or "
                        "JSON); default: <claim file stem>.minutes.csv or .minutes.json beside the file")
    p.add_argument("--payer-map", metavar="FILE",
                   help="for X12/FHIR claims: payer id or name as sent -> knowledge-base payer (CSV payer,kb_payer "
                        "or a YAML/JSON mapping)")
    p.add_argument("--payer", metavar="ID", help="for X12/FHIR claims: check every claim under this payer")


def claim_source(path: Path, args: argparse.Namespace, text: str | None = None,
                 format: str | None = None) -> ClaimSource | None:
    """A ClaimSource when the file (or `text`, read from standard input) is an X12 837 or a FHIR Claim, by its
    content or by `format` (any input format: 'x12' and 'fhir' are claims), read as the options say; else None."""
    kind = format or (sniff(path) if text is None else sniff_text(text))
    if kind not in CLAIM_FORMATS:
        if args.minutes or args.payer_map or args.payer:
            from kb.cli import UsageError

            what = "standard input" if text is not None else str(path)
            raise UsageError(f"{what} is not an X12 837 or FHIR Claim: --minutes, --payer-map and --payer "
                             "apply only to those")
        return None
    return ClaimSource(path, minutes=args.minutes, payer_map=args.payer_map, payer=args.payer, text=text, format=kind)
