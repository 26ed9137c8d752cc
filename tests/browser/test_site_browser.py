"""The built site in headless Chromium: search, the calculator (and its agreement with the Python API),
every internal link, and hostile text staying text."""

from __future__ import annotations

import random
import urllib.error
import urllib.request
from datetime import date, timedelta
from urllib.parse import urldefrag, urlsplit

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import Select, WebDriverWait
from sitekit import WAIT

import kb


def wait(driver, condition, timeout: float = WAIT):
    return WebDriverWait(driver, timeout).until(condition)


def open_calculator(driver, url: str) -> dict[str, int]:
    driver.get(url)
    wait(driver, ec.presence_of_element_located((By.CSS_SELECTOR, "#kb-calc[data-ready='true']")))
    return result_rows(driver)


def result_rows(driver) -> dict[str, int]:
    rows = driver.find_elements(By.CSS_SELECTOR, "#kb-calc-results tr[data-code]")
    return {r.get_attribute("data-code"): int(r.get_attribute("data-units")) for r in rows}


# -- search --------------------------------------------------------------------------------------


def test_search_finds_97112(driver, site):
    driver.get(site.url)
    box = wait(driver, ec.element_to_be_clickable((By.CSS_SELECTOR, "input.md-search__input")))
    box.click()
    box.send_keys("97112")

    def page_of(link) -> str:
        return urlsplit(link.get_attribute("href")).path  # without ?h=97112 (highlighting) and #section

    def hit(d):
        for link in d.find_elements(By.CSS_SELECTOR, ".md-search-result__list a.md-search-result__link"):
            if page_of(link).endswith("/codes/97112/"):
                return link
        return False

    link = wait(driver, hit)
    first = driver.find_elements(By.CSS_SELECTOR, ".md-search-result__list a.md-search-result__link")[0]
    assert page_of(first).endswith("/codes/97112/"), "the code's page is the first hit"
    link.click()
    heading = wait(driver, ec.presence_of_element_located((By.CSS_SELECTOR, "article h1")))
    assert heading.text.startswith("97112")
    assert "Units by payer" in driver.page_source


# -- the calculator ------------------------------------------------------------------------------


def test_calculator_medicare_and_cpt_midpoint(driver, site):
    base = site.url + "calculator/?payer={}&date=2026-03-02&97112=24&97110=23"
    assert open_calculator(driver, base.format("medicare")) == {"97112": 2, "97110": 1}
    assert driver.find_element(By.ID, "kb-calc-total").text == "3"
    steps = driver.find_element(By.ID, "kb-calc-steps").text
    assert "47 minutes, which allows 3 units" in steps
    assert open_calculator(driver, base.format("commercial-cpt-midpoint")) == {"97112": 2, "97110": 2}


def test_calculator_follows_the_form_and_writes_the_query(driver, site):
    open_calculator(driver, site.url + "calculator/?payer=medicare&date=2026-03-02&97112=24&97110=23")
    Select(driver.find_element(By.ID, "kb-calc-payer")).select_by_value("commercial-cpt-midpoint")
    wait(driver, lambda d: result_rows(d) == {"97112": 2, "97110": 2})
    assert "payer=commercial-cpt-midpoint" in driver.current_url and "97112=24" in driver.current_url
    minutes = driver.find_elements(By.CSS_SELECTOR, "#kb-calc-lines input.kb-calc-minutes")[1]
    minutes.send_keys(Keys.CONTROL, "a")
    minutes.send_keys("7")
    wait(driver, lambda d: result_rows(d) == {"97112": 2, "97110": 0})
    assert "97110=7" in driver.current_url
    # the shared link reproduces the result
    assert open_calculator(driver, driver.current_url) == {"97112": 2, "97110": 0}


def test_calculator_reports_bad_input(driver, site):
    open_calculator(driver, site.url + "calculator/?payer=medicare&date=2026-03-02&99999=20&97110=23")
    assert "99999" in driver.find_element(By.ID, "kb-calc-message").text
    assert result_rows(driver) == {"97110": 2}
    result = driver.execute_script(
        "return kbCalc.units('medicare', '2026-03-02', null, [['97110', -1]])")
    assert "between 0 and" in result["error"]


def _boundary_days(payer: dict) -> list[date]:
    """Days around the start and end of a payer's unit-method and code rules, and a few ordinary days."""
    days = {date(2026, 3, 2), date(2024, 7, 1), date(2027, 5, 5)}
    for section in ("unit_methods", "code_rules"):
        for rule in payer["rules"][section]:
            for field in ("effective_from", "effective_to"):
                if rule.get(field):
                    day = date.fromisoformat(rule[field])
                    days.update({day - timedelta(days=1), day, day + timedelta(days=1)})
    starts = [date.fromisoformat(r["effective_from"]) for r in payer["rules"]["unit_methods"]]
    first = min(starts, default=date.min) - timedelta(days=1)  # one day before: no method yet (an error)
    return sorted(d for d in days if d >= first)


def generated_visits(k: kb.KnowledgeBase, n: int = 400, seed: int = 5) -> list[tuple[str, str, str | None, list]]:
    """Visits across every payer, around every rule's start and end, in and out of limited states."""
    rng = random.Random(seed)
    codes = list(k.model["codes"])
    timed = [c for c in codes if k.model["codes"][c]["timed"]]
    states = sorted({s for p in k.model["payers"].values() for sec in ("unit_methods", "code_rules")
                     for r in p["rules"][sec] for s in (r.get("jurisdiction") or [])}) or ["OH"]
    days = {pid: _boundary_days(payer) for pid, payer in k.model["payers"].items()}
    visits = []
    for pid, payer in k.model["payers"].items():  # every worked example first
        for ex in payer["examples"]:
            lines = [[ln["code"], ln.get("minutes", 0)] for ln in ex["visit"]["lines"]]
            if len({c for c, _ in lines}) == len(lines):
                visits.append((pid, ex["date"], ex["visit"].get("state"), lines))
    # ties next to a daily cap that counts only listed codes (Anthem's states): the tie-break must match too
    for state in ("OH", "WI", None):
        visits += [("anthem", "2026-03-02", state, [["97110", 36], ["97530", 36]]),
                   ("anthem", "2026-03-02", state, [["97112", 21], ["97530", 36], ["97140", 36]]),
                   ("anthem", "2026-03-02", state, [["97110", 20], ["97112", 20], ["97530", 20], ["97535", 20]])]
    payers = sorted(k.model["payers"])
    while len(visits) < n:
        pool = timed if rng.random() < 0.7 else codes
        picked = rng.sample(pool, rng.randint(1, 5))
        lines = [[c, rng.choice([0, 5, 7, 8, 14, 15, 16, 22, 23, 30, 37, 38])
                  if rng.random() < 0.4 else rng.randint(0, 75 if rng.random() < 0.9 else 300)] for c in picked]
        state = rng.choice(states) if rng.random() < 0.4 else None
        pid = rng.choice(payers)
        visits.append((pid, rng.choice(days[pid]).isoformat(), state, lines))
    return visits


def python_answer(k: kb.KnowledgeBase, visit) -> dict:
    pid, day, state, lines = visit
    try:
        explained = k.payer(pid, as_of=date.fromisoformat(day), state=state).explain_units(dict(lines))
    except kb.QueryError as err:
        return {"error": str(err)}
    return {"units": [[c, u] for c, u in explained.units.items()], "steps": list(explained.steps),
            "tie_broken": explained.tie_broken, "method": explained.method}


def test_calculator_agrees_with_the_python_api(driver, site, shipped_kb):
    visits = generated_visits(shipped_kb)
    assert len(visits) >= 400
    open_calculator(driver, site.url + "calculator/")
    answers = driver.execute_script(
        "return arguments[0].map(function (v) {"
        "  var r = kbCalc.units(v[0], v[1], v[2], v[3]);"
        "  return r.error ? {error: r.error} : {units: r.units, steps: r.steps, tie_broken: r.tie_broken,"
        "                                      method: r.method};"
        "});", [list(v) for v in visits])
    assert len(answers) == len(visits)
    mismatches = []
    for visit, got in zip(visits, answers, strict=True):
        want = python_answer(shipped_kb, visit)
        if "error" in want:
            if "error" not in got:
                mismatches.append((visit, want, got))
            continue
        if got != want:
            mismatches.append((visit, want, got))
    assert not mismatches, f"{len(mismatches)} of {len(visits)} differ; first: {mismatches[0]}"
    errors = sum(1 for v in visits if "error" in python_answer(shipped_kb, v))
    assert errors < len(visits) / 4  # most visits are counted, not refused


# -- links ---------------------------------------------------------------------------------------


CRAWL = """
const done = arguments[arguments.length - 1];
const start = arguments[0];
(async () => {
  const origin = new URL(start).origin;
  const pages = {}, links = [], resources = [], queue = [start];
  while (queue.length) {
    const url = queue.shift();
    if (url in pages) continue;
    const response = await fetch(url);
    if (!response.ok) { pages[url] = null; continue; }
    const doc = new DOMParser().parseFromString(await response.text(), "text/html");
    pages[url] = Array.from(doc.querySelectorAll("[id]"), e => e.id)
      .concat(Array.from(doc.querySelectorAll("a[name]"), a => a.name));
    for (const a of doc.querySelectorAll("a[href]")) {
      const u = new URL(a.getAttribute("href"), url);  // resolved as the browser resolves it on that page
      if (u.origin !== origin) continue;
      links.push([url, u.href]);
      const target = u.origin + u.pathname;
      if (target.endsWith("/") && !(target in pages) && !queue.includes(target)) queue.push(target);
    }
    for (const el of doc.querySelectorAll("script[src], link[href][rel~=stylesheet], img[src]")) {
      const u = new URL(el.getAttribute("src") || el.getAttribute("href"), url);
      if (u.origin === origin) resources.push([url, u.origin + u.pathname]);
    }
  }
  return {pages, links, resources};
})().then(done, e => done({error: String(e)}));
"""


def _status(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=WAIT) as response:
            return response.status
    except urllib.error.HTTPError as err:
        return err.code


def test_every_internal_link_resolves(driver, site):
    """Crawl from the home page inside the browser: every internal link opens, every #anchor exists,
    every script, stylesheet and image loads, and every built page is reachable."""
    driver.get(site.url)
    found = driver.execute_async_script(CRAWL, site.url)
    assert "error" not in found, found.get("error")
    pages: dict[str, list[str] | None] = found["pages"]
    problems = [f"{url}: HTTP error" for url, ids in pages.items() if ids is None]
    checked: dict[str, int] = {}

    def status(url: str) -> int:
        if url not in checked:
            checked[url] = _status(url)
        return checked[url]

    for page, href in found["links"]:
        target, fragment = urldefrag(href)
        target = target.split("?")[0]
        if target in pages:
            if pages[target] is not None and fragment and fragment not in pages[target]:
                problems.append(f"{page}: {href} -> no #{fragment} on the page")
        elif status(target) != 200:
            problems.append(f"{page}: {href} -> HTTP {status(target)}")
    for page, src in found["resources"]:
        if status(src) != 200:
            problems.append(f"{page}: {src} -> HTTP {status(src)}")
    assert not problems, f"{len(problems)} broken links, e.g.:\n" + "\n".join(problems[:20])
    built = {site.url + p.parent.relative_to(site.folder).as_posix() + "/" for p in site.folder.rglob("index.html")}
    unreached = sorted(u.replace("/./", "/") for u in built if u.replace("/./", "/") not in pages)
    assert not unreached, f"pages no link leads to: {unreached[:10]}"
    assert len(pages) >= 60 and len(found["links"]) > 5000


def test_calculator_links_resolve(driver, site):
    """The links the calculator writes with JavaScript (to codes and to the payer's rule) resolve too."""
    open_calculator(driver, site.url + "calculator/?payer=anthem&date=2026-03-02&state=OH&97112=24&97530=23")
    hrefs = driver.execute_script("return Array.from(document.querySelectorAll('#kb-calc a[href]'), a => a.href)")
    internal = [h for h in hrefs if h.startswith(site.url)]
    assert any("/codes/97530/" in h for h in internal) and any("/payers/anthem/#units" in h for h in internal)
    for href in internal:
        target, fragment = urldefrag(href)
        driver.get(target)
        if fragment:
            assert driver.find_elements(By.ID, fragment), href


# -- hostile text --------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["", "payers/medicare/", "payers/commercial-cpt-midpoint/", "codes/97112/",
                                  "modifiers/GP/", "sources/", "changes/", "compare/", "payers/",
                                  "calculator/?payer=medicare&date=2026-03-02&97112=24"])
def test_hostile_text_renders_as_text(driver, hostile_site, path):
    driver.get(hostile_site.url + path)
    wait(driver, ec.presence_of_element_located((By.CSS_SELECTOR, "article h1")))
    if path.startswith("calculator"):
        wait(driver, ec.presence_of_element_located((By.CSS_SELECTOR, "#kb-calc[data-ready='true']")))
    assert driver.execute_script("return window.__kbPwned === undefined"), "hostile markup ran"
    assert not driver.find_elements(By.CSS_SELECTOR, "article script:not([src]), article img[onerror]")
    body = driver.find_element(By.TAG_NAME, "body").text
    if path.startswith("calculator"):
        assert "Medicare Part B <img src=x onerror=" in Select(
            driver.find_element(By.ID, "kb-calc-payer")).first_selected_option.text
    else:
        assert "<img src=x onerror=" in body or "<script>window.__kbPwned = 1</script>" in body, \
            "the hostile text is shown as text"
    assert "<img src=x onerror=" in driver.title or not path.startswith("payers/medicare")


def test_hostile_text_in_search_results(driver, hostile_site):
    driver.get(hostile_site.url)
    box = wait(driver, ec.element_to_be_clickable((By.CSS_SELECTOR, "input.md-search__input")))
    box.click()
    box.send_keys("pipe")  # from the hostile text: results show the summaries that hold it
    wait(driver, lambda d: d.find_elements(By.CSS_SELECTOR, ".md-search-result__list li"))
    assert driver.execute_script("return window.__kbPwned === undefined"), "hostile markup ran in search results"
