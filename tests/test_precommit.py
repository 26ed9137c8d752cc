"""pre-commit: this repository's hooks and the hooks other policy repositories use (.pre-commit-hooks.yaml),
run by pre-commit itself on a scratch repository. Offline: the hooks run as `repo: local` hooks with the tools of
this environment (a consumer's `language: python` hook installs the same package)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
MINI = Path(__file__).parent / "fixtures" / "mini"
BIN = Path(sys.executable).parent


def _pre_commit() -> str:
    found = shutil.which("pre-commit", path=str(BIN)) or shutil.which("pre-commit")
    if found is None:
        pytest.skip("pre-commit is not installed (it is in the dev extra)")
    return found


@pytest.fixture
def scratch(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    repo = tmp_path / "clinic-policies"
    shutil.copytree(MINI, repo / "policies")
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    for hook in hooks:
        hook["language"] = "system"  # offline: this environment's kb instead of a fresh install
    (repo / ".pre-commit-config.yaml").write_text(yaml.safe_dump({"repos": [{"repo": "local", "hooks": hooks}]}))
    (repo / ".github").mkdir()
    (repo / ".github" / "other.yaml").write_text("zeta: 1\nalpha: [b, a]\n")  # not a policy file: left alone
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
           "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home"), "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@t"}
    for cmd in (["git", "init", "-q"], ["git", "add", "-A"], ["git", "commit", "-qm", "policies"]):
        subprocess.run(cmd, cwd=repo, check=True, env=env)
    return repo, env


def _run(repo: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([_pre_commit(), "run", "--all-files"], cwd=repo, env=env, capture_output=True, text=True,
                          timeout=600)


def test_the_hooks_format_then_pass_then_catch_a_broken_rule(scratch):
    repo, env = scratch
    first = _run(repo, env)
    assert first.returncode == 1 and "files were modified by this hook" in first.stdout, first.stdout
    assert (repo / ".github" / "other.yaml").read_text() == "zeta: 1\nalpha: [b, a]\n"
    second = _run(repo, env)
    assert second.returncode == 0, second.stdout
    medicare = repo / "policies" / "payers" / "medicare.yaml"
    medicare.write_text(medicare.read_text().replace("evidence: primary", "evidence: strong", 1))
    third = _run(repo, env)
    assert third.returncode == 1
    assert "policies/payers/medicare.yaml:" in third.stdout and "'strong' is not one of" in third.stdout


def test_this_repositorys_config_is_valid_and_local():
    config = yaml.safe_load((ROOT / ".pre-commit-config.yaml").read_text())
    assert [r["repo"] for r in config["repos"]] == ["local"]
    ids = {h["id"] for h in config["repos"][0]["hooks"]}
    assert {"ruff", "kb-fmt", "kb-validate", "kb-changelog"} <= ids
    for name, kind in ((".pre-commit-config.yaml", "validate-config"), (".pre-commit-hooks.yaml", "validate-manifest")):
        proc = subprocess.run([_pre_commit(), kind, str(ROOT / name)], capture_output=True, text=True, timeout=120)
        assert proc.returncode == 0, proc.stdout + proc.stderr
