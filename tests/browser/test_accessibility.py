"""axe-core (npm, web/package.json) on a page of every template, at desktop and at phone width: no violation of any
impact (minor and moderate ones too: landmarks with the same name, empty table headers). Keyboard use of the
calculator is tested in test_visitcheck.py.

At desktop width the pages of test_layout.PAGES are checked whole, the biggest of each template included. At 400 px
each template's smallest page is checked (found from the built files), and long tables keep their first
`PHONE_ROWS` rows: the other rows are the same markup, checked at desktop width, and axe on a payer page's 600 PTP
rows takes minutes on a loaded machine. Each page is its own test, with a timeout made for a busy machine.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait
from sitekit import SCRIPT_TIMEOUT, WAIT
from test_layout import CALC, PAGES, resize

AXE = Path(__file__).resolve().parents[2] / "web" / "node_modules" / "axe-core" / "axe.min.js"
AXE_TIMEOUT = 900  # seconds: axe on a 1 MB page of a machine seven engineers share
PHONE_ROWS = 20
BAD = ("minor", "moderate", "serious", "critical")  # every impact axe reports


@pytest.fixture(scope="module")
def axe_source() -> str:
    if not AXE.is_file():
        pytest.fail(f"{AXE} is missing: bash scripts/setup.sh dev installs axe-core with npm")
    return AXE.read_text(encoding="utf-8")


def violations(driver, axe_source: str) -> list[dict]:
    driver.execute_script(axe_source)
    driver.set_script_timeout(AXE_TIMEOUT)
    try:
        found = _run_axe(driver)
    finally:
        driver.set_script_timeout(SCRIPT_TIMEOUT)
    return [v for v in found if v["impact"] in BAD]


def _run_axe(driver) -> list[dict]:
    return driver.execute_async_script(
        "var done = arguments[arguments.length - 1];"
        "axe.run(document, {resultTypes: ['violations']}).then(function (r) {"
        "  done(r.violations.map(function (v) { return {id: v.id, impact: v.impact, help: v.help,"
        "    nodes: v.nodes.slice(0, 3).map(function (n) { return n.target.join(' '); })}; }));"
        "}, function (e) { done([{id: 'axe-failed', impact: 'critical', help: String(e), nodes: []}]); });")


def open_page(driver, url: str) -> None:
    driver.get(url)
    WebDriverWait(driver, WAIT).until(lambda d: d.execute_script("return document.readyState") == "complete")
    WebDriverWait(driver, WAIT).until(  # a11y.js has run
        lambda d: d.execute_script("return document.documentElement.getAttribute('data-kb-a11y') === 'ready'"))
    if "/calculator/" in url:
        WebDriverWait(driver, WAIT).until(
            ec.presence_of_element_located((By.CSS_SELECTOR, "#kb-calc[data-ready='true']")))


# the templates with many pages: each a folder of pages; the other templates have one page each
MANY = ("payers", "codes", "modifiers")
SINGLE = ("", "payers/", "codes/", "modifiers/", CALC, "compare/", "changes/", "methods/", "sources/", "developers/",
          "maintainers/")


def smallest_pages(folder: Path) -> list[str]:
    """The smallest built page of each template with many pages (its path below the site)."""
    out = []
    for template in MANY:
        pages = sorted((f.stat().st_size, f.parent.name) for f in (folder / template).glob("*/index.html"))
        assert pages, f"no {template} pages in {folder}"
        out.append(f"{template}/{pages[0][1]}/")
    return out


def test_every_template_is_checked_at_both_widths(site):
    """PAGES (desktop) and SINGLE plus a page of each of MANY (phone) name every template of the built site."""
    built = {_template(f.parent.relative_to(site.folder).as_posix() + "/") for f in site.folder.rglob("index.html")
             if f.parent.relative_to(site.folder).parts[:1] not in (("assets",), ("search",), ("feeds",))}
    assert {_template(p) for p in PAGES} == built
    assert {_template(p) for p in SINGLE} | {f"{t}/*" for t in MANY} == built


def _template(page: str) -> str:
    parts = page.split("?")[0].strip("/").split("/")
    return f"{parts[0]}/*" if len(parts) == 2 else "/".join(parts).replace(".", "")


def shorten_long_tables(driver, rows: int) -> int:
    """Keep the first `rows` rows of each table body (the rest are the same markup); returns how many went."""
    return driver.execute_script(
        "var gone = document.querySelectorAll('tbody tr:nth-child(n+' + (arguments[0] + 1) + ')');"
        "gone.forEach(function (row) { row.remove(); }); return gone.length;", rows)


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.split("?")[0] or "home")
def test_no_violations_at_desktop_width(driver, site, axe_source, page):
    resize(driver, 1280, 1000)
    try:
        open_page(driver, site.url + page)
        assert violations(driver, axe_source) == [], f"{page or 'home'} at 1280 px"
    finally:
        resize(driver, 1280, 2000)


@pytest.mark.parametrize("which", [*SINGLE, *MANY], ids=lambda p: p.split("?")[0] or "home")
def test_no_violations_at_phone_width(driver, site, axe_source, which):
    page = dict(zip(MANY, smallest_pages(site.folder), strict=True)).get(which, which)
    resize(driver, 400, 1000)
    try:
        open_page(driver, site.url + page)
        shorten_long_tables(driver, PHONE_ROWS)
        assert violations(driver, axe_source) == [], f"{page or 'home'} at 400 px"
    finally:
        resize(driver, 1280, 2000)


def test_the_visit_check_results_are_accessible(driver, site, axe_source):
    open_page(driver, site.url + "calculator/?payer=medicare&date=2026-03-02&plan=PT&97112=20&units.97112=2"
                                 "&mods.97112=GP&97110=10")
    driver.find_element(By.ID, "kb-check-run").click()
    WebDriverWait(driver, 400).until(  # Pyodide starts slowly on a busy machine
        lambda d: d.find_element(By.ID, "kb-calc").get_attribute("data-check") in ("done", "failed"))
    assert driver.find_element(By.ID, "kb-calc").get_attribute("data-check") == "done"
    assert violations(driver, axe_source) == []
