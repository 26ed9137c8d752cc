"""The site at phone width (400 and 360 px) and at desktop width: nothing scrolls the page sideways, the
calculator is usable, a matrix keeps its payer column in view while the rest scrolls."""

from __future__ import annotations

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait
from sitekit import WAIT

CALC = "calculator/?payer=medicare&date=2026-03-02&plan=PT&97112=24&units.97112=2&mods.97112=GP&97110=23"
# one page of every template
PAGES = ("", "payers/", "payers/medicare/", "payers/anthem/", "codes/", "codes/97112/", "codes/97161/",
         "modifiers/", "modifiers/KX/", CALC, "compare/", "changes/", "methods/", "sources/", "developers/",
         "maintainers/")


@pytest.fixture
def width(driver, request):
    """The browser at a width (restored afterwards); the window's inner width is checked, not assumed."""
    resize(driver, request.param, 900)
    yield driver.execute_script("return window.innerWidth")
    resize(driver, 1280, 2000)


def resize(driver, w: int, h: int) -> None:
    """Resize and wait until the page sees the new width (a resize lands later on a busy machine)."""
    driver.set_window_size(w, h)
    WebDriverWait(driver, WAIT).until(lambda d: abs(d.execute_script("return window.innerWidth") - w) <= 20,
                                      f"the window never became {w} px wide")


def load(driver, url: str) -> None:
    driver.get(url)
    WebDriverWait(driver, WAIT).until(lambda d: d.execute_script("return document.readyState") == "complete")
    if "/calculator/" in url:
        WebDriverWait(driver, WAIT).until(
            ec.presence_of_element_located((By.CSS_SELECTOR, "#kb-calc[data-ready='true']")))


def sideways(driver) -> int:
    """How far the page itself scrolls sideways, in px (0: not at all)."""
    return driver.execute_script("return document.documentElement.scrollWidth - window.innerWidth")


@pytest.mark.parametrize("width", [400, 360, 1280], indirect=True)
def test_no_page_scrolls_sideways(driver, site, width):
    wide = {}
    for page in PAGES:
        load(driver, site.url + page)
        if sideways(driver) > 0:
            wide[page or "home"] = sideways(driver)
    assert not wide, f"at {width} px these pages scroll sideways (by px): {wide}"


@pytest.mark.parametrize("width", [400], indirect=True)
def test_the_calculator_works_at_phone_width(driver, site, width):
    load(driver, site.url + CALC)
    for field in driver.find_elements(By.CSS_SELECTOR, "#kb-calc-lines input, #kb-calc-lines select, #kb-calc-form *"
                                                       " input, #kb-calc-form select"):
        box = driver.execute_script("var r = arguments[0].getBoundingClientRect(); return [r.left, r.right]", field)
        assert box[0] >= 0 and box[1] <= width, f"{field.get_attribute('aria-label') or field.get_attribute('id')} " \
                                                f"is off screen: {box}"
    minutes = driver.find_elements(By.CSS_SELECTOR, "#kb-calc-lines input.kb-calc-minutes")[1]
    minutes.click()
    minutes.send_keys(Keys.CONTROL, "a")
    minutes.send_keys("7")
    WebDriverWait(driver, WAIT).until(lambda d: d.find_element(By.ID, "kb-calc-total").text == "2")
    assert sideways(driver) <= 0


@pytest.mark.parametrize("width", [400], indirect=True)
def test_a_matrix_keeps_the_payer_column(driver, site, width):
    load(driver, site.url + "codes/97112/")
    table = driver.find_element(By.CSS_SELECTOR, "#units ~ .kb-matrix table")
    scroller = driver.execute_script(  # the table or the box around it (Material wraps tables in one)
        "for (var n = arguments[0]; n && n !== document.body; n = n.parentElement)"
        "  if (n.scrollWidth > n.clientWidth) return n;"
        "return arguments[0];", table)
    assert driver.execute_script("return arguments[0].scrollWidth > arguments[0].clientWidth", scroller), \
        "the matrix is wider than a phone: it should scroll in its own box"
    before = driver.execute_script(
        "return arguments[0].querySelector('tbody td').getBoundingClientRect().left", table)
    driver.execute_script("arguments[0].scrollLeft = 400", scroller)
    WebDriverWait(driver, WAIT).until(lambda d: d.execute_script("return arguments[0].scrollLeft > 0", scroller))
    after = driver.execute_script(
        "return arguments[0].querySelector('tbody td').getBoundingClientRect().left", table)
    edge = driver.execute_script("return arguments[0].getBoundingClientRect().left", scroller)
    # scrolled 400 px: a cell that scrolled with the rest would be far left of the box's edge
    assert edge - 1 <= after <= before + 1, f"the payer column scrolled away ({before} -> {after}, box at {edge})"


@pytest.mark.parametrize("width", [400], indirect=True)
def test_the_extended_by_list_is_not_indented_at_phone_width(driver, site, width):
    """The Medicare page's "Extended by" payers start where their cell's text starts (a list indent took a sixth of
    the width), and every name stays inside the cell."""
    load(driver, site.url + "payers/medicare/")
    boxes = driver.execute_script(
        "var ul = document.querySelector('.kb-facts .kb-payer-list'); if (!ul) return null;"
        "var td = ul.closest('td'), style = getComputedStyle(td), box = td.getBoundingClientRect();"
        "var text = box.left + parseFloat(style.borderLeftWidth) + parseFloat(style.paddingLeft);"
        "return {text: text, right: box.right,"
        "  items: Array.prototype.map.call(ul.querySelectorAll('li'), function (li) {"
        "  var range = document.createRange(); range.selectNodeContents(li); var r = range.getBoundingClientRect();"
        "  return [li.textContent, r.left, r.right]; })};")
    assert boxes and boxes["items"], "no Extended by list on the Medicare page"
    for name, left, right in boxes["items"]:
        assert abs(left - boxes["text"]) <= 1, f"{name!r} starts at {left} px, its cell's text at {boxes['text']} px"
        assert right <= boxes["right"] + 1, f"{name!r} runs out of its cell"
