"""The site: escaping, page generation, the strict MkDocs build, `kb site build|serve`, hostile text.

The browser tests (tests/browser/) drive the built site in headless Chromium.
"""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import threading
import urllib.request
from datetime import date
from pathlib import Path

import pytest
import yaml

import kb
from kb.cli import main
from kb.site import build as site_build
from kb.site import feeds as feeds_module
from kb.site import links, templates, text
from kb.site.context import Page, SiteContext
from kb.site.nodes import Block, Heading, Items, Lines, Link, Para, Span, Strong, Table
from kb.site.pages import calculator, payers

sys.path.insert(0, str(Path(__file__).parent / "browser"))
from sitekit import AS_OF, HOSTILE, MINI, ROOT, build, hostile_tree

RAW_HOSTILE = re.compile(r"<script>window\.__kbPwned|<img src=x onerror", re.IGNORECASE)


# -- escaping ------------------------------------------------------------------------------------


HOSTILE_VALUES = [
    "<script>alert(1)</script>", '<img src=x onerror="alert(1)">', "a | b", "*bold* _it_ `code` [l](u)",
    "&amp; &lt;", "{: .x} <!-- c -->", "\\ backslash", "# heading", "line\nbreak", "1. item", "- item", "> quote",
]


def _markdown(text: str) -> str:
    """A generated fragment as MkDocs turns it into HTML (the site's Markdown extensions)."""
    import markdown

    return markdown.markdown(text, extensions=["attr_list", "toc", "tables", "def_list", "abbr", "admonition"])


@pytest.mark.parametrize("value", HOSTILE_VALUES)
def test_templates_write_policy_text_as_text(value):
    """Text from the policies in every kind of block comes out of Markdown as that text, never as markup."""
    found = []
    blocks = [Heading(2, value, "h"), Para(value), Para(["x ", Link(value, links.CODES, title=value)]),
              Table([value], [[value, Span(value, "kb-x", value), Lines([value, value])]]),
              Block(Items([value, Strong(value)]))]
    html_out = _markdown(templates.Writer("payers/x.md", found).blocks(blocks))
    assert "<script" not in html_out and "<img" not in html_out and "<!--" not in html_out, html_out
    for tag in ("<em>", "<code>", "<ol>", "<blockquote>", "<h1", 'class="x"', 'href="u"'):
        assert tag not in html_out, (tag, html_out)
    assert html_out.count("<li>") == 2 and html_out.count("<h2") == 1 and html_out.count("<table>") == 1
    shown = re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", html_out)))
    assert " ".join(value.split()) in shown, shown
    assert found == [templates.LinkUse("payers/x.md", links.CODES, None)]


def test_heading_text_is_escaped_for_markdown():
    out = _markdown(templates.Writer("x.md", []).blocks([Heading(2, "a *b* [c](d) {#e} <f>", "g")]))
    assert '<h2 id="g">a *b* [c](d) {#e} &lt;f&gt;' in out, out


def test_attributes_and_urls():
    found = []
    out = _markdown(templates.Writer("x.md", found).blocks([Para([
        Link("l", url="https://www.cms.gov/x?a=1&b=2", title='a"b<c>|[x](javascript:alert(1)) *a*'),
        Span("s", "kb-x", title="[x](javascript:alert(1))")])]))
    assert 'href="https://www.cms.gov/x?a=1&amp;b=2"' in out and "javascript:alert(1)" in out
    assert 'href="javascript' not in out and "<em>" not in out and 'title="a&#34;b&lt;c&gt;|' in out
    assert found == []  # external URLs are not checked as pages
    assert text.safe_url("https://www.cms.gov/x?a=1&b=2") == "https://www.cms.gov/x?a=1&b=2"
    for bad in ("javascript:alert(1)", "data:text/html,x", "https://x.org/a b", 'https://x.org/"onmouseover=', None):
        assert text.safe_url(bad) is None


def test_front_matter_escapes_the_title():
    page = Page("x.md", 'A <img src=x onerror="x()">', [Para("body")], hide=("navigation",), boost=2)
    out = templates.Writer("x.md", []).page(page)
    front = yaml.safe_load(out.split("---\n")[1])
    assert "<img" not in out and front["title"] == "A &lt;img src=x onerror=&quot;x()&quot;&gt;"
    assert front["hide"] == ["navigation"] and front["search"] == {"boost": 2}


def test_a_documentation_checklist_is_a_list(mini_source):
    folder, _ = mini_source
    page = (folder / "payers" / "medicare.md").read_text()
    assert '<ol class="kb-checklist">' in page and "<li>" in page
    code = (folder / "codes" / "97112.md").read_text()
    assert '<ul class="kb-checklist"><li>' in code


def test_a_checklist_element_shows_the_note_sections_that_show_it(tmp_path):
    """An element's `sections` (kb/check/note_lexicon.yaml kinds) are shown under it on the payer page, with headings
    that open such a section; an element without them shows none."""
    tree = tmp_path / "policies"
    shutil.copytree(MINI, tree)
    med = tree / "payers" / "medicare.yaml"
    text = med.read_text(encoding="utf-8")
    old = "        match: ['\\bPNF\\b', 'perturbation', 'proprioceptive']\n"
    assert old in text
    med.write_text(text.replace(old, old + "        sections: [assessment, goal]\n      - id: minutes\n"
                                             "        element: The minutes of the service\n"
                                             "        match: ['\\bmin']\n"), encoding="utf-8")
    knowledge = kb.load(tree)
    page = templates.Writer("payers/medicare.md", []).page(
        payers.payer_page(SiteContext(knowledge, AS_OF), "medicare"))
    items = re.findall(r"<li>(.*?)</li>", page.split('<ol class="kb-checklist">', 1)[1].split("</ol>", 1)[0])
    technique = [i for i in items if i.startswith("The neuromuscular technique used")]
    assert len(technique) == 1 and "assessment or goal section says (headed A:, Assessment:, Response:, Goal:" \
        in technique[0], technique
    assert len(items) == 2 and [i for i in items if "kb-sections" in i] == technique


# -- generation (no MkDocs) ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def mini_source(tmp_path_factory, mini):
    project = tmp_path_factory.mktemp("gen") / "site-src"
    ctx = SiteContext(mini, AS_OF, last_changed="2026-01-01")
    count = site_build.generate(ctx, project)
    return project / "docs", count


def test_generate_writes_every_page(mini_source, mini):
    folder, count = mini_source
    pages = {p.relative_to(folder).as_posix() for p in folder.rglob("*.md")}
    assert count == len(pages)
    for pid in mini.payers():
        assert f"payers/{pid}.md" in pages
    for code in mini.codes():
        assert f"codes/{code}.md" in pages
    for mid in mini.modifiers():
        assert f"modifiers/{mid}.md" in pages
    for page in ("index.md", "payers/index.md", "codes/index.md", "modifiers/index.md", "compare.md", "changes.md",
                 "methods.md", "sources.md", "calculator/index.md", "maintainers.md", "developers.md"):
        assert page in pages
    assert (folder / "calculator" / "data.js").is_file()
    assert json.loads((folder / "kb.json").read_text())["content_hash"] == mini.content_hash
    project = folder.parent
    assert (project / "overrides" / "main.html").is_file()
    config = (project / "mkdocs.yml").read_text()
    assert "\ndocs_dir: docs\n" in config and "\nsite_dir: site\n" in config


def test_project_config_changes_only_the_folders():
    source = (ROOT / "site" / "mkdocs.yml").read_text()
    derived = site_build.project_config(source)
    changed = [(a, b) for a, b in zip(source.splitlines(), derived.splitlines()[1:], strict=True) if a != b]
    assert [b for _, b in changed] == ["docs_dir: docs", "site_dir: site"]
    with pytest.raises(site_build.SiteError, match="docs_dir"):
        site_build.project_config("site_name: x\n")


def test_markers_are_filled(mini_source):
    folder, _ = mini_source
    for page in folder.rglob("*.md"):
        assert "<!-- kb:" not in page.read_text(encoding="utf-8"), page
    maintainers = (folder / "maintainers.md").read_text()
    assert "schema-payer-ptp-edit" in maintainers and "effective_from" in maintainers
    developers = (folder / "developers.md").read_text()
    assert "kb site build" in developers and "content_hash" in developers


def test_unknown_marker_is_an_error(mini):
    ctx = SiteContext(mini, AS_OF)
    with pytest.raises(site_build.SiteError, match="unknown marker"):
        site_build.fill_markers("<!-- kb:nope -->", ctx, "x.md")


def test_every_rule_row_shows_grade_dates_and_source(mini_source, mini):
    folder, _ = mini_source
    page = (folder / "payers" / "medicare.md").read_text()
    rows = [row for row in page.split("<tr>") if "kb-anchor" in row]
    assert len(rows) > 10
    for row in rows:
        dated = "from " in row or " – " in row or re.match(r"<td><strong>\d{4}</strong></td>", row)  # a year
        assert "kb-ev kb-ev-" in row and dated and "href=" in row, row


def test_calculator_data_is_the_model_trimmed(mini):
    ctx = SiteContext(mini, AS_OF)
    data = calculator.calculator_data(ctx)
    assert [p["id"] for p in data["payers"]] == ctx.payer_ids
    assert [c for c, _ in data["codes"]] == list(mini.model["codes"])
    medicare = next(p for p in data["payers"] if p["id"] == "medicare")
    assert medicare["unit_methods"][0]["method"] == "cms-total-time"
    script = calculator.data_script(ctx)
    assert "<" not in script.split("=", 1)[1]


def test_payer_order_puts_the_base_payer_first(mini):
    assert SiteContext(mini, AS_OF).payer_ids[0] == "medicare"


# -- the full build ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def mini_site(tmp_path_factory):
    out = tmp_path_factory.mktemp("mini") / "site"
    result = build(MINI, out)
    return result


def test_build_is_strict_and_complete(mini_site):
    out = mini_site.output
    assert mini_site.pages >= 30
    for page in ("index.html", "payers/medicare/index.html", "codes/97112/index.html", "calculator/index.html",
                 "modifiers/GP/index.html", "search/search_index.json", "kb.json", "calculator/data.js",
                 "assets/javascripts/calculator.js", "assets/stylesheets/kb.css"):
        assert (out / page).is_file(), page
    assert mini_site.source == out.with_name("site-src")
    html = (out / "codes" / "97112" / "index.html").read_text()
    assert "Units by payer" in html and "commercial-cpt-midpoint" in html


def test_the_kb_json_links_download_the_file(mini_site):
    """The home page's Download row and the developers page link kb.json with `download`: a file to save."""
    for page in ("index.html", "developers/index.html"):
        text = (mini_site.output / page).read_text(encoding="utf-8")
        found = re.findall(r'<a [^>]*href="(?:\.\./)?kb\.json"[^>]*>', text)
        assert found, f"{page} does not link kb.json"
        assert all(re.search(r"\sdownload(=|\s|>)", a) for a in found), f"{page}: {found}"


def test_every_visible_table_header_names_its_column(mini_site):
    """A header cell with no text leaves its column unnamed for a screen reader (axe: empty-table-header); only the
    fact and code-list tables, whose header row the stylesheet hides, have none."""
    hidden = re.compile(r'<div class="kb-table (?:kb-facts|kb-codes)".*?</table>', re.S)
    empty = {}
    for page in sorted(mini_site.output.rglob("*.html")):
        found = hidden.sub("", page.read_text(encoding="utf-8")).count("<th></th>")
        if found:
            empty[page.relative_to(mini_site.output).as_posix()] = found
    assert not empty, f"empty header cells: {empty}"


def test_failed_build_keeps_the_previous_site(mini_site, tmp_path):
    out = tmp_path / "site"
    shutil.copytree(mini_site.output, out)
    src = tmp_path / "site-src"
    shutil.copytree(mini_site.source, src)
    (src / "docs" / "index.md").write_text("# Home\n\n[broken](nowhere.md)\n")
    with pytest.raises(site_build.SiteError, match=r"nowhere\.md"):
        site_build.run_mkdocs(src, out)
    assert (out / "payers" / "medicare" / "index.html").is_file()
    assert not list(tmp_path.glob(".site.new-*"))


def test_mkdocs_alone_builds_the_generated_project(mini_site, tmp_path):
    """The generated project is plain MkDocs: `mkdocs build --strict` builds it without kb."""
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-q", "-f", str(mini_site.source / "mkdocs.yml"),
         "-d", str(tmp_path / "out")],
        capture_output=True, text=True, env={"NO_MKDOCS_2_WARNING": "1", "PATH": "/usr/bin:/bin"},
    )
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "out" / "codes" / "97112" / "index.html").is_file()


@pytest.mark.skipif(shutil.which("zensical") is None, reason="zensical is not installed (pip install zensical)")
def test_zensical_builds_the_generated_project(mini_site, tmp_path):
    project = tmp_path / "project"
    shutil.copytree(mini_site.source, project)
    result = subprocess.run(["zensical", "build", "--strict", "-f", str(project / "mkdocs.yml")],
                            capture_output=True, text=True, cwd=project)
    assert result.returncode == 0, result.stdout + result.stderr
    assert (project / "site" / "codes" / "97112" / "index.html").is_file()


# -- hostile text --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory):
    base = tmp_path_factory.mktemp("hostile")
    tree = hostile_tree(MINI, base / "policies")
    return build(tree, base / "site")


def test_hostile_text_never_reaches_the_page_as_markup(hostile_site):
    out = hostile_site.output
    checked = 0
    for page in out.rglob("*.html"):
        html = page.read_text(encoding="utf-8")
        assert not RAW_HOSTILE.search(html), page
        assert 'href="javascript:' not in html, page
        checked += 1
    assert checked > 30
    index = (out / "search" / "search_index.json").read_text(encoding="utf-8")
    assert "kbPwned" in index and not RAW_HOSTILE.search(index)
    data = (out / "calculator" / "data.js").read_text(encoding="utf-8")
    assert "kbPwned" in data and "<" not in data.split("=", 1)[1]


def test_hostile_text_is_shown_as_text(hostile_site):
    html = (hostile_site.output / "payers" / "medicare" / "index.html").read_text(encoding="utf-8")
    # the summary's <script> and onerror= are there, escaped by the templates: the browser shows them as text
    assert "&lt;script&gt;window.__kbPwned = 1&lt;/script&gt;" in html
    assert "*stars* [link](javascript:alert(1)) | pipe &amp; amp" in html  # no Markdown read into it
    assert "&lt;img src=x onerror=&quot;window.__kbPwned = 2&quot;&gt;" in html  # the title
    assert HOSTILE.count("<") == 3


# -- the command line ----------------------------------------------------------------------------


def test_cli_build(tmp_path, capsys):
    out = tmp_path / "web"
    assert main(["site", "build", "--policies", str(MINI), "-o", str(out), "--as-of", "2026-03-02"]) == 0
    said = capsys.readouterr().out
    assert re.search(r"built .*web: \d+ pages, [\d.]+ MB in [\d.]+ s", said), said
    assert (out / "index.html").is_file() and (tmp_path / "web-src" / "docs" / "index.md").is_file()


def test_cli_build_reports_policy_problems(tmp_path, capsys):
    broken = ROOT / "tests" / "fixtures" / "broken" / "extends-missing"
    assert main(["site", "build", "--policies", str(broken), "-o", str(tmp_path / "site")]) == 1
    assert "problem" in capsys.readouterr().err
    assert not (tmp_path / "site").exists()


def test_cli_misuse_exits_2(tmp_path):
    with pytest.raises(SystemExit) as exc:
        main(["site", "build", "--as-of", "yesterday"])
    assert exc.value.code == 2
    assert main(["site", "build", "--policies", str(tmp_path / "none"), "-o", str(tmp_path / "s")]) == 2


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str) -> str:
    with urllib.request.urlopen(url, timeout=120) as response:
        return response.read().decode("utf-8")


class _Output:
    """The lines a server prints, read in a thread, so a test can wait for the one it expects."""

    def __init__(self, stream):
        self.lines: list[str] = []
        self._cond = threading.Condition()
        self._thread = threading.Thread(target=self._read, args=(stream,), daemon=True)
        self._thread.start()

    def _read(self, stream) -> None:
        for line in stream:
            with self._cond:
                self.lines.append(line.rstrip("\n"))
                self._cond.notify_all()

    def wait_for(self, needle: str, after: int = 0, timeout: float = 240) -> int:
        """Index of the first line from `after` on that contains `needle`; fails after `timeout` seconds."""
        def found() -> int | None:
            return next((i for i in range(after, len(self.lines)) if needle in self.lines[i]), None)

        with self._cond:
            if not self._cond.wait_for(lambda: found() is not None, timeout=timeout):
                pytest.fail(f"the server never printed {needle!r}; it printed:\n" + "\n".join(self.lines))
            return found()


def test_serve_rebuilds_when_a_policy_changes(tmp_path):
    """A broken edit keeps the last good site up (and shows the problems on it); a good edit replaces it.

    Each step waits for the event it asserts — the server's own message — never for a fixed time."""
    policies = tmp_path / "policies"
    shutil.copytree(MINI, policies)
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "kb", "site", "serve", "--policies", str(policies), "-o", str(tmp_path / "site"),
         "--port", str(port)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=tmp_path,
    )
    out = _Output(proc.stdout)
    base = f"http://127.0.0.1:{port}/"
    try:
        at = out.wait_for("with live reload")
        page = _get(base + "payers/medicare/")
        assert "Medicare" in page and "livereload(" in page
        medicare = policies / "payers" / "medicare.yaml"
        good = medicare.read_text()
        # a broken edit: the problems are printed and shown on the last good site
        medicare.write_text(good.replace("kind: medicare", "kind: nonsense"))
        at = out.wait_for("still serving the last good build", at)
        page = _get(base + "payers/medicare/")
        assert "Medicare" in page and 'id="kb-build-errors"' in page and "nonsense" in page
        # a good edit: the page changes and the banner goes
        medicare.write_text(good.replace("summary: Fee-for-service", "summary: Rebuilt fee-for-service"))
        out.wait_for("rebuilt", at)
        page = _get(base + "payers/medicare/")
        assert "Rebuilt fee-for-service" in page and "kb-build-errors" not in page
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def test_last_changed_names_a_day(mini):
    day = site_build.last_changed(ROOT / "policies", mini.model)
    assert re.match(r"\d{4}-\d{2}-\d{2}", day), day
    assert date.fromisoformat(day[:10]) <= date.today()


def test_last_changed_outside_git_comes_from_the_content(tmp_path, mini):
    """Identical policies outside git build identical pages, whatever their file times; new content, new text."""
    a, b = tmp_path / "a", tmp_path / "b"
    shutil.copytree(MINI, a)
    shutil.copytree(MINI, b)
    for i, path in enumerate(sorted(b.rglob("*.yaml"))):
        os.utime(path, (1_000_000 + i, 1_000_000 + i))  # 1970: file times that differ from a's
    first, second = site_build.last_changed(a, kb.load(a).model), site_build.last_changed(b, kb.load(b).model)
    assert first == second
    assert "content " + mini.model["content_hash"][:12] in first and "sources last read" in first
    medicare = b / "payers" / "medicare.yaml"
    medicare.write_text(medicare.read_text().replace("summary: Fee-for-service", "summary: Changed"))
    assert site_build.last_changed(b, kb.load(b).model) != first


def test_the_shipped_policies_build(tmp_path):
    """The real tree builds (skipped while it does not validate: kb validate reports that)."""
    try:
        k = kb.load(ROOT / "policies")
    except kb.PolicyError:
        pytest.skip("policies/ does not validate right now")
    ctx = SiteContext(k, AS_OF)
    count = site_build.generate(ctx, tmp_path / "src")
    assert (tmp_path / "src" / "docs" / "codes" / "97112.md").is_file()
    assert count >= len(k.payers()) + len(k.codes()) + len(k.modifiers())


# -- change alerts (Atom) ------------------------------------------------------------------------

ATOM = "{http://www.w3.org/2005/Atom}"
RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")


def _check_atom(path: Path) -> list:
    """One feed as RFC 4287 requires it: feedparser finds no fault, and the required elements are there."""
    import xml.etree.ElementTree as ET

    import feedparser

    parsed = feedparser.parse(path.read_bytes())
    assert not parsed.bozo, f"{path.name}: {parsed.get('bozo_exception')}"
    assert parsed.version == "atom10", path.name
    root = ET.fromstring(path.read_bytes())
    assert root.tag == ATOM + "feed"
    for tag in ("id", "title", "updated", "author"):
        assert root.find(ATOM + tag) is not None, f"{path.name}: the feed has no <{tag}>"
    assert RFC3339.match(root.findtext(ATOM + "updated")), path.name
    assert root.find(f"{ATOM}link[@rel='self']") is not None
    entries = root.findall(ATOM + "entry")
    ids = [e.findtext(ATOM + "id") for e in entries]
    assert len(ids) == len(set(ids)), f"{path.name}: entry ids repeat"
    for e in entries:
        for tag in ("id", "title", "updated", "summary"):
            assert (e.findtext(ATOM + tag) or "").strip(), f"{path.name}: an entry has no <{tag}>"
        assert RFC3339.match(e.findtext(ATOM + "updated"))
        assert e.find(f"{ATOM}link[@rel='alternate']") is not None
    assert max((e.findtext(ATOM + "updated") for e in entries), default="") <= root.findtext(ATOM + "updated")
    return entries


def test_the_change_feeds_validate(mini_source, mini):
    folder, _ = mini_source
    feeds = {p.stem: p for p in (folder / "feeds").glob("*.xml")}
    assert set(feeds) == {"changes", *mini.payers()}
    everything = _check_atom(feeds["changes"])
    assert everything, "the overall feed has every change"
    for pid in mini.payers():
        entries = _check_atom(feeds[pid])
        extends = mini.model["payers"][pid].get("extends")
        own = [r for sec in mini.model["payers"][pid]["rules"].values() for r in sec
               if r.get("declared_by", pid) == pid and r.get("effective_from")]
        assert len(entries) >= min(len(own), feeds_module.LIMIT), pid
        assert len(entries) <= feeds_module.LIMIT
        if extends:  # a payer's feed carries what it inherits too
            assert any(f"/{extends}/" in (e.find(ATOM + "id").text.replace(",2026:", "/")) for e in entries), pid


def test_feeds_escape_hostile_text(tmp_path):
    tree = hostile_tree(MINI, tmp_path / "policies")
    ctx = SiteContext(kb.load(tree), AS_OF)
    site_build.generate(ctx, tmp_path / "src")
    for path in (tmp_path / "src" / "docs" / "feeds").glob("*.xml"):
        _check_atom(path)
        text = path.read_text(encoding="utf-8")
        assert "<script>" not in text and "<img" not in text
    assert "&lt;img src=x onerror" in (tmp_path / "src" / "docs" / "feeds" / "medicare.xml").read_text()


def test_pages_link_their_feed(mini_source):
    folder, _ = mini_source
    payer = (folder / "payers" / "medicare.md").read_text(encoding="utf-8")
    assert "feed: \"feeds/medicare.xml\"" in payer and 'href="../../feeds/medicare.xml"' in payer
    assert 'href="../feeds/changes.xml"' in (folder / "changes.md").read_text(encoding="utf-8")
