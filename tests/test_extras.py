"""Optional extras: each is declared in pyproject.toml, `dev` holds them all, and a missing one is a clear error
naming the extra to install (never a traceback)."""

from __future__ import annotations

import sys
import tomllib
from pathlib import Path

import pytest

from kb import extras
from kb.cli import main

ROOT = Path(__file__).resolve().parent.parent
MINI = Path(__file__).parent / "fixtures" / "mini"


def test_every_extra_is_declared_and_dev_installs_them_all():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    optional = project["optional-dependencies"]
    assert set(extras.EXTRAS) <= set(optional)
    itself = [d for d in optional["dev"] if d.startswith("payer-policy-kb[")]
    assert len(itself) == 1 and set(extras.EXTRAS) <= set(itself[0].split("[")[1].rstrip("]").split(","))
    core = " ".join(project["dependencies"])
    assert "mkdocs" not in core and "mcp" not in core  # an API-only install stays light
    for name in extras.EXTRAS:
        assert extras.installed(name), f"the dev install lacks the {name} extra"


def test_a_missing_extra_names_the_extra(monkeypatch, tmp_path, capsys):
    monkeypatch.setitem(sys.modules, "mkdocs", None)  # as if mkdocs were not installed
    assert not extras.installed("site")
    code = main(["site", "build", "--policies", str(MINI), "-o", str(tmp_path / "site")])
    err = capsys.readouterr().err
    assert code == 2
    assert "kb site build needs the optional 'site' dependencies" in err
    assert "pip install 'payer-policy-kb[site]'" in err
    assert not (tmp_path / "site").exists()


def test_load_raises_missing_extra_for_a_missing_module(monkeypatch):
    monkeypatch.setitem(sys.modules, "mcp", None)
    with pytest.raises(extras.MissingExtra, match=r"payer-policy-kb\[mcp\]") as err:
        extras.load("mcp", "mcp.server", "kb mcp")
    assert err.value.extra == "mcp"


def test_kb_mcp_without_the_mcp_extra_names_it(monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "mcp", None)
    assert main(["mcp", "--policies", str(MINI)]) == 2
    assert "pip install 'payer-policy-kb[mcp]'" in capsys.readouterr().err
