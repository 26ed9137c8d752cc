"""The safe YAML loader: positions, duplicate keys, hostile documents."""

from __future__ import annotations

import time

from kb import yamlfile
from kb.yamlfile import load_yaml, parse_yaml


def test_positions_and_plain_data():
    doc, problems = parse_yaml("a: 1\nlist:\n  - {code: 97112, d: 2024-01-01}\n", "f.yaml")
    assert problems == []
    assert doc.data == {"a": 1, "list": [{"code": 97112, "d": "2024-01-01"}]}  # dates stay text
    assert doc.where(("list", 0, "code")) == (3, 12)
    assert doc.where(("list", 0, "missing")) == (3, 5)  # nearest ancestor


def test_mapping_keys_stay_as_written():
    doc, _ = parse_yaml("units: {97112: 2, 97110: 1}\n", "f.yaml")
    assert doc.data == {"units": {"97112": 2, "97110": 1}}


def test_every_duplicate_key_is_reported_with_both_lines():
    _, problems = parse_yaml("a: 1\nb: 2\na: 3\nc:\n  x: 1\n  x: 2\n", "f.yaml")
    assert [str(p) for p in problems] == [
        "f.yaml:3:1: a: duplicate key 'a' (first on line 1, again on line 3)",
        "f.yaml:6:3: c.x: duplicate key 'x' (first on line 5, again on line 6)",
    ]


def test_deep_nesting_is_a_problem_not_a_crash():
    doc, problems = parse_yaml("a: " + "[" * 20000 + "]" * 20000 + "\n", "deep.yaml")
    assert doc is None and len(problems) == 1
    assert "nested too deeply" in problems[0].message or "YAML" in problems[0].message


def test_alias_expansion_is_refused_quickly():
    bomb = 'a: &a ["x", "x"]\n' + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}]\n" for i in range(20))
    started = time.perf_counter()
    doc, problems = parse_yaml(bomb, "bomb.yaml")
    assert doc is None and problems and time.perf_counter() - started < 1.0
    assert all("aliases" in p.message for p in problems)


def test_oversized_file(tmp_path, monkeypatch):
    monkeypatch.setattr(yamlfile, "MAX_BYTES", 100)
    big = tmp_path / "big.yaml"
    big.write_text("a: " + "x" * 200 + "\n")
    doc, problems = load_yaml(big, "big.yaml")
    assert doc is None and "at most 100" in problems[0].message


def test_unsafe_tags_are_refused():
    doc, problems = parse_yaml("a: !!python/object/apply:os.system ['true']\n", "f.yaml")
    assert doc is None and "the tag !!python/object/apply:os.system is not allowed" in problems[0].message
    assert (problems[0].line, problems[0].column, problems[0].path) == (1, 4, "a")
