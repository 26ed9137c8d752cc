"""Sources: every document the rules cite, with its publisher, link, the date it was read and how."""

from __future__ import annotations

from kb.site import links
from kb.site.context import Page, SiteContext
from kb.site.text import attr, md, plural, safe_url, table

PAGE = links.SOURCES


def pages(ctx: SiteContext) -> list[Page]:
    docs = ctx.model["documents"]
    rows = []
    for doc_id, doc in sorted(docs.items(), key=lambda d: (str(d[1].get("publisher", "")).lower(), d[0])):
        title = md(doc.get("title", doc_id))
        url = safe_url(doc.get("url"))
        if url:
            title = f'<a href="{attr(url)}" rel="noopener">{title}</a>'
        details = []
        if doc.get("document"):
            details.append(md(doc["document"]))
        if doc.get("via"):
            details.append("read via: " + md(doc["via"]))
        if doc.get("notes"):
            details.append(md(doc["notes"]))
        rows.append([f'<span id="{links.doc_anchor(doc_id)}"></span>{title}<br><span class="kb-id">{md(doc_id)}</span>',
                     md(doc.get("publisher") or ""), md(doc.get("revised") or "—"), md(doc.get("read") or "—"),
                     md(doc.get("last_verified") or doc.get("read") or "—"),
                     str(ctx.citations.get(doc_id, 0)), "<br>".join(details)])
    body = [
        "# Sources",
        f"{plural(len(docs), 'document')} cited by the rules. *Revised* is the date the document carries; *read* the "
        "date a maintainer read it; *last checked* the last date a maintainer confirmed it still says what the rules "
        "cite it for; *read via* says how, when it was not read at the publisher (a quotation in "
        "another document, a copy). Check a rule against its source before you rely on it.",
        table(["Document", "Publisher", "Revised", "Read", "Last checked", "Cited by", "Details"], rows,
              cls="kb-sources"),
    ]
    return [Page(PAGE, "Sources", "\n\n".join(body) + "\n")]
