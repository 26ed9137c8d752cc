"""Search answers with the right page first, for the questions billing staff type."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait
from sitekit import WAIT

# (what staff type, the page that answers it)
QUERIES = [
    ("97112", "codes/97112/"),
    ("97110", "codes/97110/"),
    ("97530", "codes/97530/"),
    ("G0283", "codes/G0283/"),
    ("8 minute rule", "methods/"),
    ("8-minute", "methods/"),
    ("KX", "modifiers/KX/"),
    ("KX threshold 2026", "modifiers/KX/"),
    ("GP", "modifiers/GP/"),
    ("CQ", "modifiers/CQ/"),
    ("59", "modifiers/59/"),
    ("XU", "modifiers/XU/"),
    ("TRICARE", "payers/tricare/"),
    ("Anthem", "payers/anthem/"),
]


def results(driver) -> list[str]:
    """The pages of the search results, in order (without ?h= highlighting or #sections)."""
    pages = []
    for link in driver.find_elements(By.CSS_SELECTOR, ".md-search-result__list a.md-search-result__link"):
        path = urlsplit(link.get_attribute("href")).path
        if path not in pages:
            pages.append(path)
    return pages


def query_terms(query: str) -> set[str]:
    """The terms Material's search makes of a query: lower case, split at spaces and hyphens (its separator)."""
    return {t for t in re.split(r"[\s\-]+", query.lower()) if t}


def answered_terms(driver) -> set[str] | None:
    """The query terms the shown results answer (None while there are none): Material marks each result with the
    query's terms, those it matched in the ?h= of its link and those it did not as <del>."""
    terms = driver.execute_script(
        "var first = document.querySelector('.md-search-result__list > li');"
        "var link = first && first.querySelector('a.md-search-result__link');"
        "if (!link) return null;"
        "var terms = (new URL(link.href).searchParams.get('h') || '').split(' ');"
        "first.querySelectorAll('del').forEach(function (d) { terms.push(d.textContent); });"
        "return terms;")
    return None if terms is None else {t.lower() for t in terms if t}


def type_query(driver, site, query: str):
    """Open the home page and type a query into the search box; returns the box."""
    driver.get(site.url)
    box = WebDriverWait(driver, WAIT).until(ec.element_to_be_clickable((By.CSS_SELECTOR, "input.md-search__input")))
    box.click()
    box.send_keys(query)
    return box


def search(driver, site, query: str) -> list[str]:
    """The result pages for a query, once the results shown are those of the whole query: the worker answers each
    keystroke, and a prefix's results ("9711" of "97112") may stay on screen a while before the last answer."""
    type_query(driver, site, query)
    WebDriverWait(driver, WAIT).until(lambda d: answered_terms(d) == query_terms(query),
                                      f"no results for {query!r} came")
    return results(driver)


def test_the_wait_tells_a_prefix_s_results_from_the_query_s(driver, site):
    """Results on screen for "9711" (settled: they do not change) are not taken for the results of "97112"."""
    type_query(driver, site, "9711")
    WebDriverWait(driver, WAIT).until(lambda d: answered_terms(d) == {"9711"})
    assert results(driver), "no results for 9711"
    assert answered_terms(driver) != query_terms("97112")  # a wait for a list that stopped changing would take them


@pytest.mark.parametrize(("query", "page"), QUERIES, ids=[q for q, _ in QUERIES])
def test_the_first_hit_answers(driver, site, query, page):
    found = search(driver, site, query)
    assert found and found[0].endswith("/" + page), f"{query!r}: first hits {found[:5]}"


def test_a_code_pair_lands_on_a_page_that_shows_it(driver, site, shipped_kb):
    """Payer pages no longer repeat inherited bundling edits: a code pair must still find a page showing the edit."""
    edit = next(r for r in shipped_kb.model["payers"]["medicare"]["rules"]["ptp_edits"] if not r.get("effective_to"))
    pair = (edit["column1"], edit["column2"])
    found = search(driver, site, f"{pair[0]} {pair[1]}")
    assert found and found[0].endswith((f"/codes/{pair[0]}/", f"/codes/{pair[1]}/")), found[:5]
    driver.get(site.url + found[0].lstrip("/"))
    matrix = WebDriverWait(driver, WAIT).until(ec.presence_of_element_located((By.ID, "rules")))
    table = matrix.find_element(By.XPATH, "following::table[1]")
    other = pair[1] if found[0].endswith(f"/{pair[0]}/") else pair[0]
    assert table.find_elements(By.CSS_SELECTOR, f"a[href$='/{other}/']"), f"{found[0]} does not show {pair}"
