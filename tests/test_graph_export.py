"""`kb graph export`: GraphML, GEXF and node-link JSON written by networkx's own writers; every attribute (dates,
sources, lists, None) survives the format and reads back into the same graph; the README's queries run on it."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import networkx as nx
import pytest

import kb
from kb.cli import main
from kb.graph import EDGE_KINDS, NODE_KINDS
from kb.graph_export import FORMATS, read

ROOT = Path(__file__).resolve().parent.parent
MINI = Path(__file__).parent / "fixtures" / "mini"
SUFFIX = {"graphml": "graphml", "gexf": "gexf", "json": "json"}


@pytest.fixture(scope="module")
def shipped() -> kb.KnowledgeBase:
    return kb.load(ROOT / "policies")


@pytest.fixture(scope="module")
def exported(shipped, tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("graph")
    out = {}
    for fmt in FORMATS:
        path = folder / f"kb.{SUFFIX[fmt]}"
        assert main(["graph", "export", "--policies", str(ROOT / "policies"), "--format", fmt, "-o", str(path)]) == 0
        out[fmt] = path
    return out


def _plain(attrs: dict) -> dict:
    return {k: v for k, v in attrs.items() if v is not None}


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_node_edge_and_attribute_survives_the_format(shipped, exported, fmt):
    g, h = shipped.graph, read(exported[fmt])
    assert h.graph == g.graph
    assert set(h.nodes) == set(g.nodes)
    assert set(h.edges(keys=True)) == set(g.edges(keys=True))
    keep_none = fmt == "json"  # node-link JSON holds None; GraphML and GEXF leave it out
    for n, d in g.nodes(data=True):
        assert h.nodes[n] == (d if keep_none else _plain(d)), n
    for u, v, key, d in g.edges(keys=True, data=True):
        assert h.edges[u, v, key] == (d if keep_none else _plain(d)), key


def test_graphml_holds_only_types_graphml_has(exported):
    """The raw file, read by networkx without our decoding: dates as text, sources as JSON text, no lists."""
    raw = nx.read_graphml(exported["graphml"], force_multigraph=True)
    edge = next(d for _, _, d in raw.edges(data=True) if d.get("kind") == "bundles")
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", edge["effective_from"])
    assert edge["sources"].startswith("[{") and '"title"' in edge["sources"]
    assert '"date"' in raw.graph["kb_encoding"]


def test_gexf_is_valid_xml_with_the_graph_attributes_in_its_meta(exported):
    root = ET.parse(exported["gexf"]).getroot()
    description = root.find("{http://gexf.net/1.2}meta/{http://gexf.net/1.2}description")
    assert description is not None and "content_hash" in (description.text or "")
    raw = nx.read_gexf(exported["gexf"])
    assert any(d.get("kb_id") for _, d in raw.nodes(data=True))  # `id` is GEXF's own: written as kb_id


def test_export_to_standard_output(capsysbinary):
    assert main(["graph", "export", "--policies", str(MINI), "--format", "json"]) == 0
    out = capsysbinary.readouterr().out
    assert out.startswith(b"{") and b'"edges"' in out


def test_the_readme_queries_run_on_every_format(exported, monkeypatch):
    text = (ROOT / "README.md").read_text()
    block = text.split("<!-- graph-queries -->", 1)[1].split("```python\n", 1)[1].split("```", 1)[0]
    for fmt, path in exported.items():
        monkeypatch.chdir(path.parent)
        scope: dict = {}
        exec(compile(block.replace('"kb.graphml"', f'"{path.name}"'), "README.md", "exec"), scope)
        assert ("medicare", 1) in scope["bundling"], fmt
        assert {"GP", "GO", "GN"} <= scope["needs"]["97110"], fmt
        assert scope["parent"] == "payer:medicare" and scope["inherits"] and scope["overrides"], fmt
        assert scope["overrides"] <= scope["declares"], fmt


def test_the_readme_names_every_node_and_edge_kind():
    text = (ROOT / "README.md").read_text()
    section = text.split("**The graph.**", 1)[1].split("<!-- graph-queries -->", 1)[0]
    for kind in [*NODE_KINDS, *EDGE_KINDS]:
        assert f"`{kind}`" in section, kind
