"""Table cells shared by several pages: links to codes, modifiers and payers; visits; a rule's notes."""

from __future__ import annotations

from typing import Any

from kb.site import links
from kb.site.context import SiteContext
from kb.site.text import md, paragraphs, plural


def code_link(page: str, code: str, ctx: SiteContext | None = None) -> str:
    if ctx is not None and code not in ctx.model["codes"]:
        return md(code)
    return f"[{md(code)}]({links.rel(page, links.code_page(code))})"


def codes_links(page: str, codes: list[str], ctx: SiteContext, limit: int = 12) -> str:
    shown = [code_link(page, c, ctx) for c in codes[:limit]]
    more = len(codes) - limit
    return ", ".join(shown) + (f" and {more} more" if more > 0 else "")


def modifier_link(page: str, modifier: str, ctx: SiteContext | None = None) -> str:
    if ctx is not None and modifier not in ctx.model["modifiers"]:
        return md(modifier)
    return f"[{md(modifier)}]({links.rel(page, links.modifier_page(modifier))})"


def payer_link(page: str, ctx: SiteContext, pid: str, anchor: str | None = None) -> str:
    return f"[{md(ctx.name(pid))}]({links.rel(page, links.payer_page(pid), anchor)})"


def selector_text(page: str, rule: dict[str, Any], ctx: SiteContext, key: str = "applies_to") -> str:
    """A selector in words, with the codes it resolves to: 'always-therapy codes (48)'."""
    selector = rule.get(key)
    resolved = rule.get("applies_to_codes" if key == "applies_to" else "with_codes") or []
    if not selector:
        return "every code"
    parts = []
    if "families" in selector:
        parts.append(" or ".join(md(f) for f in selector["families"]) + " codes")
    if selector.get("timed") is True:
        parts.append("timed codes")
    elif selector.get("timed") is False:
        parts.append("untimed codes")
    if selector.get("always_therapy") is True:
        parts.append("always-therapy codes")
    elif selector.get("always_therapy") is False:
        parts.append("sometimes-therapy codes")
    if "disciplines" in selector:
        parts.append(md("/".join(selector["disciplines"])) + " codes")
    listed = selector.get("codes") or []
    if parts:
        text = ", ".join(parts) + f" ({len(resolved)})"
        if listed:
            text += " and " + codes_links(page, listed, ctx)
        if len(resolved) <= 12:
            text += ": " + codes_links(page, resolved, ctx)
        return text
    return codes_links(page, resolved or listed, ctx)


def visit_text(page: str, visit: dict[str, Any], ctx: SiteContext) -> str:
    """'97112 24 min GP + 97110 23 min GP (PT plan, OH)'."""
    lines = []
    for line in visit.get("lines", []):
        text = code_link(page, line["code"], ctx)
        if "minutes" in line:
            text += f" {line['minutes']} min"
        if line.get("assistant_minutes"):
            text += f" ({line['assistant_minutes']} by an assistant)"
        if line.get("modifiers"):
            text += " " + "-".join(modifier_link(page, m, ctx) for m in line["modifiers"])
        lines.append(text)
    extra = []
    if visit.get("plan_of_care"):
        extra.append(f"{md(visit['plan_of_care'])} plan")
    if visit.get("state"):
        extra.append(f"in {md(visit['state'])}")
    if visit.get("ytd_allowed") is not None:
        extra.append(f"${visit['ytd_allowed']:,.2f} allowed so far this year")
    return " + ".join(lines) + (f" ({', '.join(extra)})" if extra else "")


def units_text(units: dict[str, int]) -> str:
    """'97112 ×2, 97110 ×1'."""
    if not units:
        return "—"
    return ", ".join(f"{md(c)} ×{u}" for c, u in units.items())


def notes_cell(page: str, ctx: SiteContext, pid: str, section: str, rule: dict[str, Any], anchor: str) -> str:
    """Where the rule comes from (own, overriding the parent, or inherited with a link) and its notes."""
    kind, by = ctx.origin(pid, section, rule)
    if kind == "inherited":
        return (f'<span class="kb-inherited">inherited</span> from '
                f"{payer_link(page, ctx, by, anchor)} (notes there)")
    text = paragraphs(rule.get("notes")).replace("\n\n", "<br><br>") if rule.get("notes") else ""
    if kind == "overrides":
        return f'<span class="kb-override">overrides</span> {payer_link(page, ctx, by, anchor)}' + (
            f"<br>{text}" if text else "")
    return text


def code_rule_flags(rule: dict[str, Any], emphasis: str = "") -> list[str]:
    """What a per-code rule says, as short phrases (the documentation checklist is left to the caller)."""
    flags = []
    if rule.get("timed") is not None:
        flags.append("counted as timed" if rule["timed"] else "counted as untimed")
    if rule.get("covered") is False:
        flags.append(f"{emphasis}not covered{emphasis}")
    if rule.get("one_on_one"):
        flags.append("one-on-one time only")
    if rule.get("daily_cap") is not None:
        flags.append(f"at most {rule['daily_cap']} a day")
    if rule.get("unit_minutes"):
        flags.append(f"{rule['unit_minutes']}-minute units")
    return flags


def count_text(n: int, word: str) -> str:
    return plural(n, word)
