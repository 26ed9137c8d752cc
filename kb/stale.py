"""Which sources have not been checked for a while: documents whose `last_verified` is older than a cut-off."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from kb.rules import parse_date


@dataclass(frozen=True)
class StaleDocument:
    """A document not checked since `checked` (its last_verified, else the date it was read)."""

    id: str
    title: str
    url: str | None
    checked: date | None
    days: int | None  # since it was checked; None when no date is known
    cited_by: int

    def __str__(self) -> str:
        when = f"checked {self.checked.isoformat()} ({self.days} days ago)" if self.checked else "never checked"
        return f"{self.id}: {when}, cited by {self.cited_by} rule(s) — {self.title}" + (f" <{self.url}>" if self.url
                                                                                     else "")


def citations(model: dict[str, Any]) -> dict[str, int]:
    """How many rules, catalogue entries and examples cite each document."""
    counts: dict[str, int] = {}

    def walk(value: Any) -> None:
        if isinstance(value, dict) and value.get("inherited") is True:
            return  # a payer's copy of an inherited rule: counted once, where it is stated
        if isinstance(value, dict):
            for key, item in value.items():
                if key in ("sources", "fact_sources") and isinstance(item, list):
                    for src in item:
                        if isinstance(src, dict) and isinstance(src.get("doc"), str):
                            counts[src["doc"]] = counts.get(src["doc"], 0) + 1
                else:
                    walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    walk({k: v for k, v in model.items() if k != "documents"})
    return counts


def stale_documents(model: dict[str, Any], today: date, older_than_days: int) -> list[StaleDocument]:
    """Documents last checked more than `older_than_days` before `today`, the longest unchecked first."""
    cited = citations(model)
    limit = today - timedelta(days=older_than_days)
    out = []
    for ident, doc in model["documents"].items():
        checked = parse_date(doc.get("last_verified")) or parse_date(doc.get("read"))
        if checked is None or checked < limit:
            out.append(StaleDocument(ident, str(doc.get("title", ident)), doc.get("url"), checked,
                                     (today - checked).days if checked else None, cited.get(ident, 0)))
    return sorted(out, key=lambda d: (d.checked or date.min, d.id))


@dataclass(frozen=True)
class DeadLink:
    """A document whose URL did not open."""

    id: str
    url: str
    problem: str

    def __str__(self) -> str:
        return f"{self.id}: {self.url} — {self.problem}"


def check_urls(model: dict[str, Any], timeout: float = 20.0, workers: int = 8) -> list[DeadLink]:
    """Open every document's URL (HEAD, then GET when HEAD is refused); the ones that fail, by id."""
    from concurrent.futures import ThreadPoolExecutor

    docs = sorted((ident, doc["url"]) for ident, doc in model["documents"].items() if doc.get("url"))
    with ThreadPoolExecutor(max_workers=workers) as pool:
        results = list(pool.map(lambda item: _open(item[1], timeout), docs))
    return [DeadLink(ident, url, problem) for (ident, url), problem in zip(docs, results, strict=True) if problem]


def _open(url: str, timeout: float) -> str:
    """'' when the URL opens, else what went wrong."""
    import urllib.error
    import urllib.request

    headers = {"User-Agent": "payer-policy-kb source check (+https://github.com/)"}
    problem = ""
    for method in ("HEAD", "GET"):
        request = urllib.request.Request(url, method=method, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:  # the schema allows http(s) only
                if response.status < 400:
                    return ""
                problem = f"HTTP {response.status}"
        except urllib.error.HTTPError as exc:
            problem = f"HTTP {exc.code} {exc.reason}"
            if exc.code not in (403, 405, 501):  # some servers refuse HEAD only
                return problem
        except (urllib.error.URLError, TimeoutError, OSError, ValueError) as exc:
            return f"did not open: {getattr(exc, 'reason', exc)}"
    return problem


def markdown_report(stale: list[StaleDocument], dead: list[DeadLink] | None, older_than: int) -> str:
    """The weekly report, for an issue or a job summary."""
    out = ["## Source check", ""]
    if dead is not None:
        out += [f"### Sources that did not open ({len(dead)})", ""]
        out += ["| Document | URL | Problem |", "|---|---|---|"] + [f"| `{d.id}` | {d.url} | {d.problem} |"
                                                               for d in dead] if dead else ["None."]
        out.append("")
    out += [f"### Documents not checked for more than {older_than} days ({len(stale)})", ""]
    if stale:
        out += ["| Document | Last checked | Cited by | Title |", "|---|---|---|---|"]
        out += [f"| `{d.id}` | {d.checked.isoformat() if d.checked else 'never'} | {d.cited_by} | "
                f"{d.title.replace('|', '/')} |" for d in stale]
    else:
        out.append("None.")
    out += ["", "Check each against its publisher; update `last_verified` in policies/documents.yaml (and the rules "
            "if the document changed)."]
    return "\n".join(out) + "\n"
