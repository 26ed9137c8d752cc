"""Sources: every document the rules cite, with its publisher, link, the date it was read and how."""

from __future__ import annotations

from kb.site import links
from kb.site.context import Page, SiteContext
from kb.site.nodes import Heading, Inline, Lines, Link, Para, Span, Strong, table
from kb.site.text import plural, safe_url

PAGE = links.SOURCES


def pages(ctx: SiteContext) -> list[Page]:
    docs = ctx.model["documents"]
    rows: list[list[Inline]] = []
    for doc_id, doc in sorted(docs.items(), key=lambda d: (str(d[1].get("publisher", "")).lower(), d[0])):
        title: Inline = str(doc.get("title", doc_id))
        url = safe_url(doc.get("url"))
        if url:
            title = Link(title, url=url)
        details: list[Inline] = []
        if doc.get("document"):
            details.append(doc["document"])
        if doc.get("via"):
            details.append("read via: " + str(doc["via"]))
        if doc.get("notes"):
            details.append(doc["notes"])
        rows.append([[Span("", id=links.doc_anchor(doc_id)), title, Lines(["", Span(doc_id, "kb-id")])],
                     doc.get("publisher") or "", doc.get("revised") or "—", doc.get("read") or "—",
                     doc.get("last_verified") or doc.get("read") or "—",
                     str(ctx.citations.get(doc_id, 0)), Lines(details)])
    return [Page(PAGE, "Sources", [b for b in [
        Heading(1, "Sources", ""),
        Para([f"{plural(len(docs), 'document')} cited by the rules. ", Strong("Revised"), " is the date the "
              "document carries; ", Strong("read"), " the date a maintainer read it; ", Strong("last checked"),
              " the last date a maintainer confirmed it still says what the rules cite it for; ", Strong("read via"),
              " says how, when it was not read at the publisher (a quotation in another document, a copy). Check a "
              "rule against its source before you rely on it."]),
        table(["Document", "Publisher", "Revised", "Read", "Last checked", "Cited by", "Details"], rows,
              cls="kb-sources"),
    ] if b is not None])]
