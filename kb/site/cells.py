"""Table cells shared by several pages, as nodes: links to codes, modifiers and payers; visits; a rule's notes."""

from __future__ import annotations

from typing import Any

from kb.site import links
from kb.site.context import SiteContext
from kb.site.nodes import Inline, Lines, Link, Span, Strong, joined
from kb.site.text import paragraphs, plural


def code_link(code: str, ctx: SiteContext | None = None, anchor: str | None = None) -> Inline:
    if ctx is not None and code not in ctx.model["codes"]:
        return code
    return Link(code, links.code_page(code), anchor)


def codes_links(codes: list[str], ctx: SiteContext, limit: int = 12) -> Inline:
    shown: list[Inline] = [joined([code_link(c, ctx) for c in codes[:limit]], empty="")]
    more = len(codes) - limit
    return shown + ([f" and {more} more"] if more > 0 else [])


def modifier_link(modifier: str, ctx: SiteContext | None = None) -> Inline:
    if ctx is not None and modifier not in ctx.model["modifiers"]:
        return modifier
    return Link(modifier, links.modifier_page(modifier))


def payer_link(ctx: SiteContext, pid: str, anchor: str | None = None) -> Link:
    return Link(ctx.name(pid), links.payer_page(pid), anchor)


def rule_link(ctx: SiteContext, label: Inline, pid: str, section: str, key: str) -> Link:
    """A link to a rule's row, on the page that shows it (an inherited bulk rule: its declaring payer's page)."""
    return Link(label, links.payer_page(ctx.shown_at(pid, section, key)), links.rule_anchor(section, key))


def selector_text(rule: dict[str, Any], ctx: SiteContext, key: str = "applies_to") -> Inline:
    """A selector in words, with the codes it resolves to: 'always-therapy codes (48)'."""
    selector = rule.get(key)
    resolved = rule.get("applies_to_codes" if key == "applies_to" else "with_codes") or []
    if not selector:
        return "every code"
    parts = []
    if "families" in selector:
        parts.append(" or ".join(selector["families"]) + " codes")
    if selector.get("timed") is True:
        parts.append("timed codes")
    elif selector.get("timed") is False:
        parts.append("untimed codes")
    if selector.get("always_therapy") is True:
        parts.append("always-therapy codes")
    elif selector.get("always_therapy") is False:
        parts.append("sometimes-therapy codes")
    if "disciplines" in selector:
        parts.append("/".join(selector["disciplines"]) + " codes")
    listed = selector.get("codes") or []
    if parts:
        out: list[Inline] = [", ".join(parts) + f" ({len(resolved)})"]
        if listed:
            out += [" and ", codes_links(listed, ctx)]
        if len(resolved) <= 12:
            out += [": ", codes_links(resolved, ctx)]
        return out
    return codes_links(resolved or listed, ctx)


def visit_text(visit: dict[str, Any], ctx: SiteContext) -> Inline:
    """'97112 24 min GP + 97110 23 min GP (PT plan, OH)'."""
    lines: list[Inline] = []
    for line in visit.get("lines", []):
        text: list[Inline] = [code_link(line["code"], ctx)]
        if "minutes" in line:
            text.append(f" {line['minutes']} min")
        if line.get("assistant_minutes"):
            text.append(f" ({line['assistant_minutes']} by an assistant)")
        if line.get("modifiers"):
            text += [" ", joined([modifier_link(m, ctx) for m in line["modifiers"]], "-")]
        lines.append(text)
    extra = []
    if visit.get("plan_of_care"):
        extra.append(f"{visit['plan_of_care']} plan")
    if visit.get("state"):
        extra.append(f"in {visit['state']}")
    if visit.get("ytd_allowed") is not None:
        extra.append(f"${visit['ytd_allowed']:,.2f} allowed so far this year")
    return [joined(lines, " + ", ""), f" ({', '.join(extra)})" if extra else ""]


def units_text(units: dict[str, int]) -> str:
    """'97112 ×2, 97110 ×1'."""
    if not units:
        return "—"
    return ", ".join(f"{c} ×{u}" for c, u in units.items())


def notes_text(value: Any) -> Inline:
    """A rule's notes: its paragraphs, a blank line between two."""
    parts: list[Inline] = []
    for p in paragraphs(value):
        parts += ["", p] if parts else [p]
    return Lines(parts) if parts else ""


def notes_cell(ctx: SiteContext, pid: str, section: str, rule: dict[str, Any], anchor: str) -> Inline:
    """Where the rule comes from (own, overriding the parent, or inherited with a link) and its notes."""
    kind, by = ctx.origin(pid, section, rule)
    if kind == "inherited":
        return [Span("inherited", "kb-inherited"), " from ", payer_link(ctx, by, anchor), " (notes there)"]
    text = notes_text(rule.get("notes"))
    if kind == "overrides":
        return Lines([[Span("overrides", "kb-override"), " ", payer_link(ctx, by, anchor)], *([text] if text else [])])
    return text


def code_rule_flags(rule: dict[str, Any]) -> list[Inline]:
    """What a per-code rule says, as short phrases (the documentation checklist is left to the caller)."""
    flags: list[Inline] = []
    if rule.get("timed") is not None:
        flags.append("counted as timed" if rule["timed"] else "counted as untimed")
    if rule.get("covered") is False:
        flags.append(Strong("not covered"))
    if rule.get("one_on_one"):
        flags.append("one-on-one time only")
    if rule.get("daily_cap") is not None:
        flags.append(f"at most {rule['daily_cap']} a day")
    if rule.get("unit_minutes"):
        flags.append(f"{rule['unit_minutes']}-minute units")
    return flags


def count_text(n: int, word: str) -> str:
    return plural(n, word)


def note_sections(element: dict[str, Any]) -> Inline | None:
    """The kinds of note section that show a documentation element whatever their words (its `sections`), each with
    the first headings that open it (kb/check/note_lexicon.yaml); None when it names none. Read from the compiled
    element, where an item that takes its patterns from another (`patterns_from`) carries that item's sections."""
    kinds = element.get("sections") or []
    if not kinds:
        return None
    from kb.check.notes import lexicon  # the checker's note language (read once)

    headings = lexicon().sections
    examples = [f"{h[:1].upper()}{h[1:]}:" for kind in kinds for h in [h for h, k in headings.items() if k == kind][:3]]
    heads = f" (headed {', '.join(examples)} …)" if examples else ""
    return Span(f"Also shown by what the note's {' or '.join(kinds)} section says{heads}, whatever its words.",
                "kb-fix kb-sections")
