"""`kb graph export`: the knowledge graph (kb/graph.py) for other tools, in GraphML, GEXF or node-link JSON.

networkx's own writers and readers do the work; this module only makes every attribute survive the format.
GraphML and GEXF hold strings, numbers and booleans, not lists, mappings, dates or None, so before writing:

- a date (`effective_from`, `effective_to`, ...) becomes its ISO text, YYYY-MM-DD;
- a list or mapping (`sources`, `jurisdiction`, `applies_to_codes`, `documentation`, ...) becomes JSON text, and
  so does every other value of an attribute that is a list or mapping anywhere;
- None is left out (an absent attribute means None).

Node-link JSON keeps lists and None; its dates are YYYY-MM-DD text, each node's id is under `node` (catalogue nodes
have an attribute `id`) and the edges are under `edges`. GEXF keeps no graph attributes, so they go as JSON into
its `<meta><description>`, and attributes named as GEXF's own (`id`, `label`, `type`, ...) are written `kb_<name>`.

The graph attribute `kb_encoding` (JSON text) names the date and JSON attributes, so `read()` turns the file back
into the same graph (node-link JSON keeps lists and None as they are; only its dates are text). The node and edge
kinds are documented in kb/graph.py (`NODE_KINDS`, `EDGE_KINDS`) and on the developers page.
"""

from __future__ import annotations

import argparse
import io
import json
import sys
from collections.abc import Iterable
from datetime import date
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

if TYPE_CHECKING:  # networkx is imported where a graph is read or written: not by every `kb` command
    import networkx as nx

FORMATS = ("graphml", "gexf", "json")
ENCODING_KEY = "kb_encoding"
# attribute names networkx's GEXF writer takes over (written as kb_<name>)
GEXF_RESERVED = ("id", "label", "type", "start", "end", "weight", "pid", "viz", "key")
# node-link JSON: a node's id is under "node" (catalogue nodes have an attribute called id), its edges under "edges"
LINK_NAMES = {"name": "node", "edges": "edges"}
_GEXF = "{http://gexf.net/1.2}"


def _attribute_dicts(g: nx.MultiDiGraph) -> Iterable[dict[str, Any]]:
    yield from (d for _, d in g.nodes(data=True))
    yield from (d for _, _, _, d in g.edges(keys=True, data=True))


def encoding(g: nx.MultiDiGraph) -> dict[str, list[str]]:
    """Which attribute names hold dates and which need JSON text (a list or mapping somewhere, or values of
    mixed kinds a format cannot type as one)."""
    kinds: dict[str, set[str]] = {}
    for attrs in _attribute_dicts(g):
        for name, value in attrs.items():
            if value is None:
                continue
            kind = ("date" if isinstance(value, date) else "bool" if isinstance(value, bool)
                    else "number" if isinstance(value, int | float) else "str" if isinstance(value, str) else "json")
            kinds.setdefault(name, set()).add(kind)
    dates = sorted(n for n, k in kinds.items() if k == {"date"})
    as_json = sorted(n for n, k in kinds.items() if "json" in k or (len(k) > 1 and k != {"date"}))
    return {"date": dates, "json": as_json}


def encoded(g: nx.MultiDiGraph, reserved: Iterable[str] = ()) -> nx.MultiDiGraph:
    """A copy of the graph whose attributes GraphML and GEXF can hold (see the module docstring); attribute names
    in `reserved` (ones the format's writer takes over) are written as kb_<name>."""
    import networkx as nx

    enc: dict[str, Any] = dict(encoding(g))
    dates, as_json = set(enc["date"]), set(enc["json"])
    renamed = {name: f"kb_{name}" for name in reserved}
    enc["renamed"] = {new: old for old, new in renamed.items()}

    def convert(attrs: dict[str, Any]) -> dict[str, Any]:
        out = {}
        for name, value in attrs.items():
            if value is None:
                continue
            if name in as_json:
                value = json.dumps(value, default=_iso, ensure_ascii=False, sort_keys=True)
            elif name in dates:
                value = value.isoformat()
            out[renamed.get(name, name)] = value
        return out

    h: nx.MultiDiGraph = nx.MultiDiGraph(**convert(g.graph))
    h.graph[ENCODING_KEY] = json.dumps(enc, sort_keys=True)
    for n, d in g.nodes(data=True):
        h.add_node(n, **convert(d))
    for u, v, k, d in g.edges(keys=True, data=True):
        h.add_edge(u, v, key=k, **convert(d))
    return h


def decoded(h: nx.MultiDiGraph) -> nx.MultiDiGraph:
    """The graph back from an encoded copy (as read from a file): names, dates, lists and mappings restored."""
    import networkx as nx

    enc = json.loads(h.graph.get(ENCODING_KEY, '{"date": [], "json": []}'))
    dates, as_json, renamed = set(enc["date"]), set(enc["json"]), enc.get("renamed", {})

    def convert(attrs: dict[str, Any]) -> dict[str, Any]:
        out = {}
        for name, value in attrs.items():
            if name in (ENCODING_KEY, "node_default", "edge_default", "mode"):
                continue  # the encoding itself, and what networkx's readers add
            name = renamed.get(name, name)
            if name in as_json and isinstance(value, str):
                out[name] = json.loads(value)
            elif name in dates and isinstance(value, str):
                out[name] = date.fromisoformat(value)
            else:
                out[name] = value
        return out

    g: nx.MultiDiGraph = nx.MultiDiGraph(**convert(h.graph))
    for n, d in h.nodes(data=True):
        g.add_node(n, **convert(d))
    for u, v, k, d in h.edges(keys=True, data=True):
        g.add_edge(u, v, key=k, **convert(d))
    return g


def _iso(value: Any) -> str:
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f"cannot encode {type(value).__name__}")


def write(g: nx.MultiDiGraph, fmt: str, out: IO[bytes]) -> None:
    """Write the graph in one format to a binary stream."""
    import networkx as nx

    if fmt == "json":
        data = nx.node_link_data(g, **LINK_NAMES)
        data["graph"] = {**data["graph"], ENCODING_KEY: json.dumps({"date": encoding(g)["date"], "json": []})}
        out.write(json.dumps(data, default=_iso, ensure_ascii=False, indent=1).encode("utf-8"))
        out.write(b"\n")
        return
    if fmt == "graphml":
        nx.write_graphml(encoded(g), out)
    elif fmt == "gexf":
        _write_gexf(encoded(g, GEXF_RESERVED), out)
    else:
        raise ValueError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")


def _write_gexf(h: nx.MultiDiGraph, out: IO[bytes]) -> None:
    """GEXF keeps no graph attributes: they (content hash, version, encoding) go as JSON into <meta><description>."""
    import xml.etree.ElementTree as ET

    import networkx as nx

    buffer = io.BytesIO()
    nx.write_gexf(h, buffer)
    ET.register_namespace("", _GEXF[1:-1])
    ET.register_namespace("viz", "http://gexf.net/1.2/viz")
    ET.register_namespace("xsi", "http://www.w3.org/2001/XMLSchema-instance")
    root = ET.fromstring(buffer.getvalue())
    meta = root.find(f"{_GEXF}meta")
    if meta is None:
        meta = ET.SubElement(root, f"{_GEXF}meta")
    ET.SubElement(meta, f"{_GEXF}description").text = json.dumps(h.graph, sort_keys=True)
    ET.ElementTree(root).write(out, encoding="utf-8", xml_declaration=True)


def _gexf_graph_attributes(path: Path) -> dict[str, Any]:
    import xml.etree.ElementTree as ET

    found = ET.parse(path).getroot().find(f"{_GEXF}meta/{_GEXF}description")
    try:
        data = json.loads(found.text or "") if found is not None else {}
    except ValueError:
        return {}  # a GEXF file from elsewhere: no encoding to undo
    return data if isinstance(data, dict) else {}


def read(path: str | Path, fmt: str | None = None) -> nx.MultiDiGraph:
    """Read an exported graph back (format from the suffix when not given), with its attributes decoded."""
    import networkx as nx

    path = Path(path)
    fmt = fmt or {".graphml": "graphml", ".gexf": "gexf", ".json": "json"}.get(path.suffix, "")
    if fmt == "json":
        data = json.loads(path.read_text(encoding="utf-8"))
        h = nx.node_link_graph(data, directed=True, multigraph=True, **LINK_NAMES)
    elif fmt == "graphml":
        h = nx.read_graphml(path, force_multigraph=True)
    elif fmt == "gexf":
        h = nx.read_gexf(path)
        h.graph.update(_gexf_graph_attributes(path))
    else:
        raise ValueError(f"{path}: cannot tell the format; use one of {', '.join(FORMATS)}")
    g = decoded(nx.MultiDiGraph(h))
    if fmt == "gexf":  # GEXF stores a node's id and label, and an edge's id, beside its attributes
        for _, d in g.nodes(data=True):
            d.pop("label", None)
        for _, _, d in g.edges(data=True):
            d.pop("id", None)
    return g


# -- command line ------------------------------------------------------------------------------------


def register(subparsers: argparse._SubParsersAction) -> None:
    """`kb graph export`: registered by kb/cli.py."""
    from kb.cli import add_policies_option

    graph = subparsers.add_parser("graph", help="the knowledge graph for other tools")
    sub = graph.add_subparsers(dest="graph_command", metavar="ACTION", required=True)
    p = sub.add_parser("export", help="write the graph as GraphML, GEXF or node-link JSON (dates, sources and "
                                      "lists encoded so they survive the format)")
    add_policies_option(p)
    p.add_argument("--format", choices=FORMATS, default="graphml", help="graphml (default), gexf or json")
    p.add_argument("-o", "--output", type=Path, default=None, metavar="FILE",
                   help="where to write (default: standard output)")
    p.set_defaults(func=cmd_export)


def cmd_export(args: argparse.Namespace) -> int:
    from kb.cli import open_kb

    g = open_kb(args).graph
    if args.output is None:
        buffer = io.BytesIO()
        write(g, args.format, buffer)
        sys.stdout.buffer.write(buffer.getvalue())
        return 0
    args.output.parent.mkdir(parents=True, exist_ok=True)
    partial = args.output.with_name(args.output.name + ".partial")
    with partial.open("wb") as fh:
        write(g, args.format, fh)
    partial.replace(args.output)  # never a half-written file under the real name
    print(f"wrote {args.output}: {g.number_of_nodes()} nodes, {g.number_of_edges()} edges ({args.format})",
          file=sys.stderr)
    return 0
