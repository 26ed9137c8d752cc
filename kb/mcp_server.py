"""`kb mcp`: the knowledge base as an MCP server over stdio, on the official `mcp` Python SDK (the `[mcp]` extra).

Read-only tools — units, check, ptp, mue, code_rules, explain_remittance, findings — each answering with
kb/mcp_answers.py's envelope: a status (`found`, `clean`, `findings`, `no-data`, `invalid`), the payer and date
the answer is for, the knowledge base's content hash, the answer and its sources. Connect a client (Claude Desktop,
an IDE) with the command `kb mcp --policies /path/to/policies` (or `.venv/bin/kb mcp` in a checkout).
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from kb import __version__
from kb import mcp_answers as answers
from kb.extras import load, require

if TYPE_CHECKING:
    from kb.knowledge import KnowledgeBase

INSTRUCTIONS = (
    "Dated, sourced US outpatient-therapy (PT/OT/SLP) billing rules by payer. Every tool answers with `status`: "
    "found (a rule applies: see answer and sources), clean (the knowledge base has data for the payer and date "
    "and nothing applies), findings (a checked visit has problems), no-data (the knowledge base holds nothing of "
    "this kind for the payer or date: do NOT read it as clean), invalid (the question is malformed: see problems). "
    "Dates are YYYY-MM-DD dates of service. Not billing advice: cite the sources."
)
TOOLS = ("units", "check", "ptp", "mue", "code_rules", "explain_remittance", "findings")


def build_server(k: KnowledgeBase) -> Any:
    """The MCP server for one knowledge base (an `mcp.server.mcpserver.MCPServer`)."""
    mcpserver = load("mcp", "mcp.server.mcpserver", "kb mcp")
    mcp_types = load("mcp", "mcp.types", "kb mcp")
    payers = ", ".join(k.payers())
    server = mcpserver.MCPServer("payer-policy-kb", instructions=f"{INSTRUCTIONS} Payers: {payers}.",
                                 version=__version__)
    read_only = mcp_types.ToolAnnotations(readOnlyHint=True, destructiveHint=False, idempotentHint=True,
                                          openWorldHint=False)

    @server.tool(name="units", annotations=read_only, structured_output=True,
                 description="Units a payer's method gives a visit's minutes per timed code on a date of service, "
                             "with every step of the count and the rule's source. minutes: {code: minutes}.")
    def units(payer: str, date: str, minutes: dict[str, int], state: str | None = None) -> dict[str, Any]:
        return answers.units(k, payer, date, minutes, state)

    @server.tool(name="check", annotations=read_only, structured_output=True,
                 description="Check one visit (JSON per schema/visit.schema.json: payer, date, plan_of_care, lines of "
                             "code, minutes, units, modifiers, ...): units per line and every finding with its fix and "
                             "sources. Lines with units but no minutes run every check that does not need minutes.")
    def check(visit: dict[str, Any]) -> dict[str, Any]:
        return answers.check(k, visit)

    @server.tool(name="ptp", annotations=read_only, structured_output=True,
                 description="The NCCI procedure-to-procedure (bundling) edit in force between two codes for a payer "
                             "on a date: column 1/2, modifier indicator, dates and sources.")
    def ptp(payer: str, date: str, code_a: str, code_b: str, state: str | None = None) -> dict[str, Any]:
        return answers.ptp(k, payer, date, code_a, code_b, state)

    @server.tool(name="mue", annotations=read_only, structured_output=True,
                 description="The medically unlikely edit (MUE: most units per line or date) in force for a code, "
                             "with its MAI, dates and sources.")
    def mue(payer: str, date: str, code: str, state: str | None = None) -> dict[str, Any]:
        return answers.mue(k, payer, date, code, state)

    @server.tool(name="code_rules", annotations=read_only, structured_output=True,
                 description="Everything a payer's rules say about a code on a date: timed or not, coverage, daily "
                             "cap, documentation checklist, MUE, modifier rules and bundling edits, each dated and "
                             "sourced.")
    def code_rules(payer: str, date: str, code: str, state: str | None = None) -> dict[str, Any]:
        return answers.code_rules(k, payer, date, code, state)

    @server.tool(name="explain_remittance", annotations=read_only, structured_output=True,
                 description="Explain an X12 835 remittance (give its text as era): for every adjusted or denied "
                             "service line, the knowledge-base rules whose predicted group code, CARC and RARCs match "
                             "what the payer sent, confirmed by re-checking the claim (from the 837 text in claims "
                             "when given), with the fix and sources; codes it cannot explain are listed as such. "
                             "payer: the knowledge-base payer id when the 835's payer is not mapped.")
    def explain_remittance(era: str, payer: str | None = None, claims: str | None = None) -> dict[str, Any]:
        return answers.explain_remittance(k, era, payer, claims)

    @server.tool(name="findings", annotations=read_only, structured_output=True,
                 description="Every finding id the claim checker can raise: severities, what it means, the check "
                             "that raises it, whether it needs minutes; with payer, the group code, CARC and RARCs "
                             "that payer is expected to send for each, with sources.")
    def finding_kinds(payer: str | None = None) -> dict[str, Any]:
        return answers.finding_kinds(k, payer)

    return server


def register(subparsers: argparse._SubParsersAction) -> None:
    """`kb mcp`: registered by kb/cli.py."""
    from kb.cli import add_policies_option, add_tables_option

    p = subparsers.add_parser("mcp", help="serve the knowledge base to AI assistants over MCP (stdio; needs "
                                          "payer-policy-kb[mcp])")
    add_policies_option(p)
    add_tables_option(p)
    p.set_defaults(func=cmd_mcp)


def cmd_mcp(args: argparse.Namespace) -> int:
    """Run the stdio server until the client closes it."""
    require("mcp", "kb mcp")
    from kb.cli import open_kb

    k = open_kb(args)
    build_server(k).run("stdio")
    return 0
