"""The whole-visit check in the browser (kb/check run by Pyodide) against the Python library.

The browser runs the same checker, so any difference means the site ships something else: a module
left out of the archive, a stale kb.json, a visit the page reads differently from the form.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select, WebDriverWait
from sitekit import SCRIPT_TIMEOUT, WAIT

import kb
from kb.site import visitcheck

LOAD = 400  # seconds: Pyodide compiles 10 MB of WebAssembly, slow on a busy machine


@pytest.fixture(autouse=True)
def patient_scripts(driver):
    """Scripts that wait for Pyodide may take minutes on a loaded machine: a long script timeout, restored after."""
    driver.set_script_timeout(LOAD)
    yield
    driver.set_script_timeout(SCRIPT_TIMEOUT)


def checker_ready(driver, site) -> None:
    """Open the calculator and load the checker (once per page)."""
    if "/calculator/" not in driver.current_url:
        driver.get(site.url + "calculator/?payer=medicare&date=2026-03-02&97112=24")
    WebDriverWait(driver, WAIT).until(lambda d: d.execute_script("return !!window.kbVisitCheck"))
    error = driver.execute_async_script(
        "var done = arguments[arguments.length - 1];"
        "kbVisitCheck.load().then(function () { done(null); }, function (e) { done(String(e)); });")
    assert error is None, error


def browser_check(driver, visits: list) -> list:
    return driver.execute_async_script(
        "var done = arguments[arguments.length - 1];"
        "kbVisitCheck.checkMany(arguments[0]).then(done, function (e) { done({failed: String(e)}); });", visits)


def _days(payer: dict) -> list[str]:
    days = {date(2026, 3, 2), date(2025, 6, 30), date(2024, 1, 15)}
    for section in ("unit_methods", "code_rules", "modifier_rules", "thresholds", "ptp_edits"):
        for rule in payer["rules"][section]:
            for field in ("effective_from", "effective_to"):
                if rule.get(field):
                    day = date.fromisoformat(rule[field])
                    days.update({day - timedelta(days=1), day})
    return sorted(d.isoformat() for d in days if date(2015, 1, 1) <= d <= date(2028, 12, 31))


def generated_visits(k: kb.KnowledgeBase, n: int = 420, seed: int = 13) -> list[dict]:
    """Visits across every payer with modifiers, billed units, assistant minutes, plans, states, YTD amounts —
    and some with bad input, whose error must match too."""
    rng = random.Random(seed)
    codes = list(k.model["codes"])
    timed = [c for c in codes if k.model["codes"][c]["timed"]]
    modifiers = sorted(k.model["modifiers"])
    states = sorted({s for p in k.model["payers"].values() for sec in p["rules"].values()
                     for r in sec for s in (r.get("jurisdiction") or [])}) or ["OH"]
    payers = sorted(k.model["payers"])
    days = {pid: _days(k.model["payers"][pid]) for pid in payers}
    visits: list[dict] = []
    for pid in payers:  # every worked example as written
        for ex in k.model["payers"][pid]["examples"]:
            visits.append({"payer": pid, "date": ex["date"], **{key: v for key, v in ex["visit"].items()
                                                                  if key in ("lines", "plan_of_care", "state")}})
    while len(visits) < n:
        pid = rng.choice(payers)
        picked = rng.sample(timed if rng.random() < 0.7 else codes, rng.randint(1, 4))
        lines = []
        for code in picked:
            line: dict = {"code": code}
            if rng.random() < 0.9:
                line["minutes"] = rng.choice([0, 7, 8, 15, 22, 23, 30, 38, 45, rng.randint(1, 90)])
            if rng.random() < 0.8:
                line["units"] = rng.randint(0, 5)
            if rng.random() < 0.8:
                line["modifiers"] = rng.sample(modifiers, rng.randint(1, 3))
            if rng.random() < 0.2 and line.get("minutes"):
                line["assistant_minutes"] = rng.randint(0, line["minutes"])
            lines.append(line)
        visit: dict = {"payer": pid, "date": rng.choice(days[pid]), "lines": lines}
        if rng.random() < 0.7:
            visit["plan_of_care"] = rng.choice(["PT", "OT", "SLP"])
        if rng.random() < 0.4:
            visit["state"] = rng.choice(states)
        if rng.random() < 0.4:
            visit["ytd_allowed"] = rng.choice([0, 1500.0, 2400.5, 2480, 3000, 5000, 3500.25])
        if rng.random() < 0.03:  # bad input: the error and its field must agree too
            visit["lines"][0]["minutes"] = rng.choice(["twenty", -5, 99999])
        visits.append(visit)
    return visits


def test_the_visit_check_agrees_with_the_python_checker(driver, site, shipped_kb):
    if visitcheck.pyodide_dir() is None:
        pytest.fail("Pyodide is not installed (bash scripts/setup.sh dev runs npm ci in web/)")
    checker_ready(driver, site)
    visits = generated_visits(shipped_kb)
    assert len(visits) >= 400
    expected, got = [], []
    for start in range(0, len(visits), 100):  # batches as kb check --json takes them (index: within the batch)
        batch = visits[start:start + 100]
        expected += [r.to_dict() for r in shipped_kb.check_many(batch)]
        answer = browser_check(driver, batch)
        assert isinstance(answer, list), answer
        got += answer
    kinds = {"errors": sum(1 for r in expected if "error" in r), "findings": sum(len(r.get("findings", []))
                                                                                 for r in expected)}
    assert kinds["errors"] >= 5 and kinds["findings"] >= 400, kinds  # the visits reach the checker's rules
    differ = [(v, e, g) for v, e, g in zip(visits, expected, got, strict=True) if e != g]
    assert not differ, f"{len(differ)} of {len(visits)} visits differ; first: {differ[0]}"


def test_the_form_checks_a_whole_visit(driver, site, shipped_kb):
    """Filled in by keyboard as at the front desk; the page shows what kb check says."""
    driver.get(site.url + "calculator/?payer=medicare&date=2026-03-02&plan=PT&97112=20&units.97112=2"
               "&mods.97112=GP&97110=10")
    WebDriverWait(driver, WAIT).until(lambda d: d.find_elements(By.CSS_SELECTOR, "#kb-calc[data-ready='true']"))
    mods = driver.find_elements(By.CSS_SELECTOR, "#kb-calc-lines .kb-calc-mods")[1]
    mods.send_keys("GP")
    driver.find_element(By.ID, "kb-check-run").send_keys(Keys.ENTER)  # a button works from the keyboard
    WebDriverWait(driver, LOAD).until(
        lambda d: d.find_element(By.ID, "kb-calc").get_attribute("data-check") in ("done", "failed"))
    assert driver.find_element(By.ID, "kb-calc").get_attribute("data-check") == "done", \
        driver.find_element(By.ID, "kb-check-status").text
    expected = shipped_kb.check({"payer": "medicare", "date": "2026-03-02", "plan_of_care": "PT", "lines": [
        {"code": "97112", "minutes": 20, "units": 2, "modifiers": ["GP"]},
        {"code": "97110", "minutes": 10, "modifiers": ["GP"]}]})
    shown = [li.get_attribute("data-rule") for li in driver.find_elements(By.CSS_SELECTOR, "#kb-check-findings li")]
    assert shown == [f.rule for f in expected.findings] and "units.mismatch" in shown
    units = {tr.get_attribute("data-code"): tr.get_attribute("data-units")
             for tr in driver.find_elements(By.CSS_SELECTOR, "#kb-check-lines tr")}
    assert units == {ln.code: str(ln.units) for ln in expected.lines}
    summary = driver.find_element(By.ID, "kb-check-summary")
    assert summary.get_attribute("data-ok") == str(expected.ok).lower()
    # a change to the form checks again by itself; the address keeps the modifiers
    Select(driver.find_element(By.ID, "kb-calc-plan")).select_by_value("OT")
    WebDriverWait(driver, WAIT).until(lambda d: "plan=OT" in d.current_url)
    assert "mods.97110=GP" in driver.current_url
    redo = shipped_kb.check({"payer": "medicare", "date": "2026-03-02", "plan_of_care": "OT", "lines": [
        {"code": "97112", "minutes": 20, "units": 2, "modifiers": ["GP"]},
        {"code": "97110", "minutes": 10, "modifiers": ["GP"]}]})
    WebDriverWait(driver, WAIT).until(lambda d: [li.get_attribute("data-rule") for li in d.find_elements(
        By.CSS_SELECTOR, "#kb-check-findings li")] == [f.rule for f in redo.findings])


def test_bad_input_is_one_located_message(driver, site):
    driver.get(site.url + "calculator/?payer=medicare&date=2026-03-02&97112=20&units.97112=999")
    WebDriverWait(driver, WAIT).until(lambda d: d.find_elements(By.CSS_SELECTOR, "#kb-calc[data-ready='true']"))
    driver.find_element(By.ID, "kb-check-run").click()
    WebDriverWait(driver, LOAD).until(
        lambda d: d.find_element(By.ID, "kb-calc").get_attribute("data-check") in ("done", "failed"))
    text = driver.find_element(By.ID, "kb-check-summary").text
    assert text.startswith("Not checked: lines[0].units"), text
