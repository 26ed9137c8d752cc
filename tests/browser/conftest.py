"""Browser fixtures: the built sites, served from a thread, and headless Chromium from Debian's packages.

Every test here is marked `browser`; they skip (with the reason) only when /usr/bin/chromium or
/usr/bin/chromedriver is missing — `bash scripts/setup.sh dev` installs both.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest
from sitekit import (
    COMMAND_TIMEOUT,
    MINI,
    PAGE_LOAD_TIMEOUT,
    POLICIES,
    SCRIPT_TIMEOUT,
    build,
    hostile_tree,
    serve_folder,
)

import kb

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-dev-shm-usage", "--window-size=1280,2000")


def pytest_collection_modifyitems(items):
    here = Path(__file__).parent
    missing = [str(p) for p in (CHROMIUM, CHROMEDRIVER) if not p.exists()]
    for item in items:
        if here in Path(item.fspath).parents:
            item.add_marker(pytest.mark.browser)
            if missing:
                item.add_marker(pytest.mark.skip(
                    reason=f"{' and '.join(missing)} not installed (bash scripts/setup.sh dev installs Debian's "
                           "chromium and chromium-driver)"))


@pytest.fixture(scope="session")
def driver():
    os.environ.setdefault("SE_OFFLINE", "true")  # never let Selenium Manager look for a browser online
    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="kb-chromium-")
    options = Options()
    options.binary_location = str(CHROMIUM)
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={profile}")
    browser = webdriver.Chrome(options=options, service=Service(executable_path=str(CHROMEDRIVER)))
    browser.command_executor.client_config.timeout = COMMAND_TIMEOUT
    browser.set_page_load_timeout(PAGE_LOAD_TIMEOUT)
    browser.set_script_timeout(SCRIPT_TIMEOUT)
    try:
        yield browser
    finally:
        browser.quit()
        shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture(scope="session")
def shipped_kb() -> kb.KnowledgeBase:
    """The shipped policies (scripts/test.sh runs `kb validate policies` before the tests)."""
    return kb.load(POLICIES)


@dataclass(frozen=True)
class Served:
    url: str  # base URL, ending in /
    folder: Path  # the built site on disk


@pytest.fixture(scope="session")
def site(tmp_path_factory, shipped_kb):
    """The site built from policies/, served on 127.0.0.1 (a free port) from a thread."""
    out = tmp_path_factory.mktemp("site") / "site"
    build(POLICIES, out)
    with serve_folder(out) as base:
        yield Served(base, out)


@pytest.fixture(scope="session")
def hostile_site(tmp_path_factory):
    """A site built from a copy of the mini tree with <script> and onerror= in its texts."""
    base = tmp_path_factory.mktemp("hostile")
    tree = hostile_tree(MINI, base / "policies")
    build(tree, base / "site")
    with serve_folder(base / "site") as url:
        yield Served(url, base / "site")
