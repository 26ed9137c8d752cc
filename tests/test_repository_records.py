"""The records a data project keeps: licences, templates that ask for the source, code owners."""

from __future__ import annotations

import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
GITHUB = ROOT / ".github"


def test_the_code_is_mit_and_the_data_licence_is_stated():
    assert (ROOT / "LICENSE").read_text().startswith("MIT License")
    assert tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["license"] == {"text": "MIT"}
    data = (ROOT / "DATA-LICENSE.md").read_text()
    assert "CC BY 4.0" in data and "policies/" in data


def test_the_issue_forms_ask_for_the_source():
    forms = {p.name: yaml.safe_load(p.read_text()) for p in (GITHUB / "ISSUE_TEMPLATE").glob("*.yml")
             if p.name != "config.yml"}
    assert set(forms) == {"rule-is-wrong.yml", "add-a-payer.yml"}
    for name, form in forms.items():
        assert form["name"] and form["description"] and form["body"], name
        fields = [item for item in form["body"] if item["type"] != "markdown"]
        assert all(item.get("id") and item["attributes"].get("label") for item in fields), name
        assert any("ource" in item["attributes"]["label"] and item.get("validations", {}).get("required")
                   for item in fields), f"{name} must require a source"


def test_the_pull_request_template_asks_for_source_dates_grade_and_diff():
    text = (GITHUB / "pull_request_template.md").read_text()
    for words in ("Its source", "effective_from", "Evidence grade", "kb diff", "kb validate", "kb fmt"):
        assert words in text, words


def test_code_owners_cover_the_policies_and_the_schema():
    owners = (GITHUB / "CODEOWNERS").read_text()
    assert "/policies/" in owners and "/schema/" in owners and "\n*" in "\n" + owners
