"""axe-core (npm, web/package.json) on one page of every template, at desktop and phone width: no serious or
critical violation. Keyboard use of the calculator is tested in test_visitcheck.py."""

from __future__ import annotations

from pathlib import Path

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait
from test_layout import CALC, PAGES, resize

AXE = Path(__file__).resolve().parents[2] / "web" / "node_modules" / "axe-core" / "axe.min.js"
WAIT = 60
BAD = ("serious", "critical")


@pytest.fixture(scope="module")
def axe_source() -> str:
    if not AXE.is_file():
        pytest.fail(f"{AXE} is missing: bash scripts/setup.sh dev installs axe-core with npm")
    return AXE.read_text(encoding="utf-8")


def violations(driver, axe_source: str) -> list[dict]:
    driver.execute_script(axe_source)
    found = driver.execute_async_script(
        "var done = arguments[arguments.length - 1];"
        "axe.run(document, {resultTypes: ['violations']}).then(function (r) {"
        "  done(r.violations.map(function (v) { return {id: v.id, impact: v.impact, help: v.help,"
        "    nodes: v.nodes.slice(0, 3).map(function (n) { return n.target.join(' '); })}; }));"
        "}, function (e) { done([{id: 'axe-failed', impact: 'critical', help: String(e), nodes: []}]); });")
    return [v for v in found if v["impact"] in BAD]


def open_page(driver, url: str) -> None:
    driver.get(url)
    WebDriverWait(driver, WAIT).until(lambda d: d.execute_script("return document.readyState") == "complete")
    WebDriverWait(driver, WAIT).until(  # a11y.js has run
        lambda d: d.execute_script("return document.documentElement.getAttribute('data-kb-a11y') === 'ready'"))
    if "/calculator/" in url:
        WebDriverWait(driver, WAIT).until(
            ec.presence_of_element_located((By.CSS_SELECTOR, "#kb-calc[data-ready='true']")))


# at phone width, the templates whose layout changes most (axe takes long on the big pages of a busy machine)
PHONE_PAGES = ("", "codes/97112/", "modifiers/KX/", CALC, "developers/")


@pytest.mark.parametrize(("width", "pages"), [(1280, PAGES), (400, PHONE_PAGES)], ids=["desktop", "phone"])
def test_no_serious_violations(driver, site, axe_source, width, pages):
    resize(driver, width, 1000)
    try:
        problems = {}
        for page in pages:
            open_page(driver, site.url + page)
            bad = violations(driver, axe_source)
            if bad:
                problems[page or "home"] = bad
        assert not problems, f"at {width} px: {problems}"
    finally:
        resize(driver, 1280, 2000)


def test_the_visit_check_results_are_accessible(driver, site, axe_source):
    open_page(driver, site.url + "calculator/?payer=medicare&date=2026-03-02&plan=PT&97112=20&units.97112=2"
                                 "&mods.97112=GP&97110=10")
    driver.find_element(By.ID, "kb-check-run").click()
    WebDriverWait(driver, 240).until(
        lambda d: d.find_element(By.ID, "kb-calc").get_attribute("data-check") in ("done", "failed"))
    assert driver.find_element(By.ID, "kb-calc").get_attribute("data-check") == "done"
    assert violations(driver, axe_source) == []
