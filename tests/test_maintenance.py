"""Maintainers' records: every source says when it was last checked (`kb stale` lists the old ones) and the
changelog of the knowledge is generated from the data (`kb changelog`)."""

from __future__ import annotations

import html
import json
import shutil
from datetime import date
from pathlib import Path

import pytest
import yaml

import kb
from kb.changelog import changelog
from kb.cli import main
from kb.compiler import compile_tree
from kb.problems import PolicyError
from kb.rules import SECTIONS
from kb.ruletext import describe
from kb.site import templates
from kb.site.context import SiteContext
from kb.site.pages import changes

ROOT = Path(__file__).resolve().parent.parent
POLICIES = ROOT / "policies"
MINI = Path(__file__).parent / "fixtures" / "mini"


def test_every_shipped_document_says_when_it_was_last_checked():
    docs = yaml.safe_load((POLICIES / "documents.yaml").read_text())["documents"]
    assert docs and all("last_verified" in d for d in docs), [d["id"] for d in docs if "last_verified" not in d]


def test_sources_carry_last_verified_into_the_compiled_knowledge():
    model = compile_tree(POLICIES)
    src = model["payers"]["medicare"]["rules"]["unit_methods"][0]["sources"][0]
    assert src["last_verified"] == model["documents"][src["doc"]]["last_verified"]


def _tree_with_dates(tmp_path: Path, read: str, checked: str | None) -> Path:
    tree = tmp_path / "policies"
    shutil.copytree(MINI, tree)
    path = tree / "documents.yaml"
    text = path.read_text()
    first = text.index("read:")
    line_end = text.index("\n", first)
    indent = text[text.rindex("\n", 0, first) + 1:first]
    new = f"read: {read}" + (f"\n{indent}last_verified: {checked}" if checked else "")
    path.write_text(text[:first] + new + text[line_end:])
    return tree


def test_kb_stale_lists_documents_not_checked_for_a_year(tmp_path, capsys):
    tree = _tree_with_dates(tmp_path, "2020-01-02", "2024-12-31")
    first_id = yaml.safe_load((tree / "documents.yaml").read_text())["documents"][0]["id"]
    assert main(["stale", "--policies", str(tree), "--today", "2026-01-01", "--json"]) == 1
    found = json.loads(capsys.readouterr().out)
    assert [d["id"] for d in found] == [first_id]
    assert found[0]["checked"] == "2024-12-31" and found[0]["days"] == 366  # more than a year: listed
    assert main(["stale", "--policies", str(tree), "--today", "2025-12-31", "--json"]) == 0  # exactly a year: not yet
    assert json.loads(capsys.readouterr().out) == []
    assert main(["stale", "--policies", str(tree), "--today", "2026-01-01", "--older-than", "400"]) == 0
    assert main(["stale", "--policies", str(tree), "--older-than", "-1"]) == 2


def test_a_check_before_the_reading_is_a_problem(tmp_path):
    tree = _tree_with_dates(tmp_path, "2024-05-01", "2024-04-30")
    with pytest.raises(PolicyError) as err:
        compile_tree(tree)
    assert [p.message for p in err.value.problems] == [
        "last_verified 2024-04-30 is before the document was read (2024-05-01): a document is checked when it is "
        "read, or later"]


def test_the_changelog_lists_each_stated_rule_by_date_newest_first():
    model = compile_tree(MINI)
    text = changelog(model)
    assert text.startswith("# Changelog of the knowledge\n")
    dates = [line[4:] for line in text.splitlines() if line.startswith("### ")]
    assert dates == sorted(dates, reverse=True) and dates
    # 97140/97530 ended on 2019-12-31: listed on the day after, as ended
    assert "- **medicare**: bundling edit 97140/97530 (modifier indicator 1) [primary] — ended (last day 2019-12-31)" \
        in text.split("### 2020-01-01\n")[1].split("###")[0]
    # inherited rules are listed once, under the payer that states them
    assert "**commercial-cpt-midpoint**: bundling edit" not in text
    assert changelog(model) == text


def test_kb_changelog_writes_and_checks_the_file(tmp_path, capsys):
    target = tmp_path / "CHANGELOG.md"
    assert main(["changelog", "--policies", str(MINI), "--check", str(target)]) == 1
    assert main(["changelog", "--policies", str(MINI), "-o", str(target)]) == 0
    assert main(["changelog", "--policies", str(MINI), "--check", str(target)]) == 0


def test_kb_stale_check_urls_lists_sources_that_do_not_open(tmp_path, capsys):
    import http.server
    import threading

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_HEAD(self):
            self.send_response(200 if self.path == "/ok" else 405 if self.path == "/no-head" else 404)
            self.end_headers()

        def do_GET(self):
            self.send_response(200 if self.path in ("/ok", "/no-head") else 404)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        tree = tmp_path / "policies"
        shutil.copytree(MINI, tree)
        path = tree / "documents.yaml"
        data = yaml.safe_load(path.read_text())
        ids = [d["id"] for d in data["documents"]]
        text = path.read_text()
        for ident, suffix in zip(ids, ["/ok", "/no-head", "/gone"] + ["/ok"] * len(ids), strict=False):
            text = text.replace(f"id: {ident}\n", f"id: {ident}\n    url: {base}{suffix}\n", 1)
        path.write_text(_drop_other_urls(text, base))
        assert main(["stale", "--policies", str(tree), "--check-urls", "--older-than", "100000", "--json"]) == 1
        report = json.loads(capsys.readouterr().out)
        assert report["stale"] == []
        assert [(d["id"], d["problem"]) for d in report["dead_links"]] == [(ids[2], "HTTP 404 Not Found")]
        assert main(["stale", "--policies", str(tree), "--check-urls", "--older-than", "100000",
                     "--format", "markdown"]) == 1
        md = capsys.readouterr().out
        assert f"| `{ids[2]}` | {base}/gone | HTTP 404 Not Found |" in md
    finally:
        server.shutdown()


def _drop_other_urls(text: str, keep: str) -> str:
    """Only the test server's URLs: the test must not need the internet."""
    return "\n".join(line for line in text.splitlines()
                     if not line.strip().startswith("url:") or keep in line) + "\n"


def test_the_changelog_and_the_site_describe_a_rule_in_the_same_words():
    """One wording (kb/ruletext.py): each rule line of CHANGELOG.md and each row of the site's "What changed" page."""
    knowledge = kb.load(MINI)
    text = changelog(knowledge.model)
    ctx = SiteContext(knowledge, date(2026, 3, 2))
    page = templates.Writer("changes.md", []).page(changes.pages(ctx)[0])
    described = 0
    for pid, payer in knowledge.model["payers"].items():
        for section in SECTIONS:
            for rule in payer["rules"][section]:
                if rule.get("inherited") or not rule.get("effective_from"):
                    continue
                words = describe(section, rule)
                assert f"**{pid}**: {words}" in text, words
                assert f">{html.escape(words, quote=False)}</a>" in page, words
                described += 1
    assert described > 10
