"""Helpers the site tests share: build a site, make a hostile copy of a policy tree, serve a folder."""

from __future__ import annotations

import functools
import http.server
import shutil
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import yaml

import kb
from kb.site import BuildResult, build_site

ROOT = Path(__file__).resolve().parents[2]
MINI = ROOT / "tests" / "fixtures" / "mini"
POLICIES = ROOT / "policies"
AS_OF = date(2026, 3, 2)
# How long a browser test waits for what it expects (an element, a result, a page load, a script's answer): generous,
# since the machine may be busy (seven engineers' tests on two cores); a passing test never waits that long.
WAIT = 240
PAGE_LOAD_TIMEOUT = 300
SCRIPT_TIMEOUT = 300
# Selenium's HTTP client gives up on chromedriver after 120 s by default, whatever the script timeout: a script a test
# lets run longer (axe on a big page, Pyodide starting) then fails with a ReadTimeoutError. Longer than any of them.
COMMAND_TIMEOUT = 1200

# Runs if it ever reaches the page as HTML: sets a flag the tests look for.
SCRIPT = "<script>window.__kbPwned = 1</script>"
IMG = '<img src=x onerror="window.__kbPwned = 2">'
HOSTILE = f"{SCRIPT} {IMG} *stars* [link](javascript:alert(1)) | pipe & amp"


def build(policies: Path, output: Path, as_of: date = AS_OF) -> BuildResult:
    return build_site(kb.load(policies), output, as_of=as_of, policies=policies)


def _rewrite(path: Path, change) -> None:
    lines = path.read_text(encoding="utf-8").splitlines()
    schema_line = lines[0] if lines and lines[0].startswith("# yaml-language-server") else None
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=1000)
    path.write_text((schema_line + "\n" if schema_line else "") + text, encoding="utf-8")


def hostile_tree(source: Path, target: Path) -> Path:
    """A copy of a policy tree with <script> and onerror= in summaries, notes, names and source titles."""
    shutil.copytree(source, target)

    def payer(data):
        data["name"] = data["name"] + " " + IMG
        data["summary"] = (data.get("summary") or "") + " " + HOSTILE
        data["unit_methods"][0]["notes"] = HOSTILE
        for rule in data.get("code_rules", [])[:1]:
            rule["notes"] = HOSTILE
        for rule in data.get("ptp_edits", [])[:1]:
            rule["notes"] = HOSTILE
            rule["rationale"] = SCRIPT
        for example in data.get("examples", [])[:1]:
            example["title"] = "Example " + SCRIPT
            example["notes"] = HOSTILE

    def documents(data):
        for doc in data["documents"]:
            doc["title"] = doc["title"] + " " + HOSTILE

    def codes(data):
        for code in data["codes"]:
            if code["code"] == "97112":
                code["notes"] = HOSTILE

    def modifiers(data):
        for mod in data["modifiers"]:
            if mod["id"] == "GP":
                mod["notes"] = HOSTILE

    _rewrite(target / "payers" / "medicare.yaml", payer)
    _rewrite(target / "documents.yaml", documents)
    _rewrite(target / "codes.yaml", codes)
    _rewrite(target / "modifiers.yaml", modifiers)
    kb.load(target)  # still a valid tree: the hostile text is only text
    return target


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):
        pass


@contextmanager
def serve_folder(folder: Path) -> Iterator[str]:
    """Serve a folder on 127.0.0.1 (a free port) from a thread; yields the base URL."""
    handler = functools.partial(_Quiet, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
