"""Reading and writing the graph view of a registry as GraphML (see :mod:`medalliance.graph`)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from medalliance.errors import MedAllianceError, Problem, SchemaError
from medalliance.io._files import PathLike, _atomic_write, _require_path, read_text
from medalliance.io._staged import LARGE_FILE, file_size, staged_write, stages
from medalliance.model._require import require_registry
from medalliance.model.registry import Registry

__all__ = ["graph_for_graphml", "graph_from_graphml", "read_graphml", "write_graphml"]


def write_graphml(registry: Registry, path: PathLike, *, progress: bool | None = None) -> None:
    """Write the graph view of ``registry`` (see :mod:`medalliance.graph`) as GraphML.

    Graph-level structured metadata (alliance and agreement headers) is stored as JSON
    text; absent values are omitted. :func:`read_graphml` restores the identical registry.
    ``progress`` shows a progress bar as :func:`write_json` does.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from medalliance import examples
    >>> reg = examples.load("beijing_tongren")
    >>> with tempfile.TemporaryDirectory() as d:
    ...     p = pathlib.Path(d) / "r.graphml"
    ...     write_graphml(reg, p)
    ...     read_graphml(p) == reg
    True
    """
    import io

    import networkx as nx

    from medalliance.graph import to_graph

    require_registry(registry)
    _require_path(path)

    def serialise() -> bytes:
        buffer = io.BytesIO()
        nx.write_graphml(graph_for_graphml(to_graph(registry)), buffer, encoding="utf-8")
        return buffer.getvalue()

    staged_write(registry, path, serialise, progress, _atomic_write)


def read_graphml(path: PathLike, *, progress: bool | None = None) -> Registry:
    """Read a registry from a GraphML file written by :func:`write_graphml`.

    ``progress`` shows a progress bar as :func:`read_json` does.

    Raises
    ------
    MedAllianceError
        For unreadable GraphML or a graph that breaks the graph contract.

    Examples
    --------
    >>> read_graphml("missing.graphml")
    Traceback (most recent call last):
    ...
    medalliance.errors.SchemaError: 1 problem in missing.graphml:
      - <root>: file not found
    """
    from medalliance.graph import from_graph

    p = Path(path)
    with stages(f"reading {p.name}", progress, file_size(p), LARGE_FILE) as b:
        b.stage("read")
        text = read_text(p)  # existence and encoding errors, reported like the other formats
        G = _parse_graphml(text, p)
        b.update()
        b.stage("validate")
        try:
            return from_graph(graph_from_graphml(G))
        except MedAllianceError as exc:
            raise exc.with_source(str(path)) from None


def _parse_graphml(text: str, p: Path) -> Any:
    """The networkx graph in ``text``, the decoded file ``p`` (read once).

    What networkx would guess is refused. A decoded ``str`` parses whatever encoding its XML
    declaration names.
    """
    import warnings
    import xml.etree.ElementTree as ET

    import networkx as nx

    try:
        with warnings.catch_warnings():
            # networkx warns and guesses on what write_graphml never writes (a <key> without
            # attr.type, read as text): refuse it instead of guessing
            warnings.simplefilter("error")
            return nx.parse_graphml(text, force_multigraph=True)
    except (ET.ParseError, nx.NetworkXError, KeyError, ValueError, LookupError, Warning) as exc:
        why = str(exc)
        if "integer string conversion" in why:  # Python's own guard, 4,300 digits
            why = "an integer attribute has too many digits to read"
        raise SchemaError([Problem((), f"unreadable GraphML: {why}")], source=str(p)) from None


_GRAPH_JSON_KEYS = ("sources", "alliances", "agreements")


def graph_for_graphml(G: Any) -> Any:
    """Return a copy of the graph view ``G`` (:func:`medalliance.to_graph`) that GraphML can store.

    Structured graph attributes become JSON text and ``None`` attributes are dropped.

    Examples
    --------
    >>> from medalliance import examples, to_graph
    >>> H = graph_for_graphml(to_graph(examples.load("beijing_tongren")))
    >>> isinstance(H.graph["alliances"], str)
    True
    """
    import networkx as nx

    H = nx.MultiDiGraph()
    H.graph.update(
        {k: v for k, v in G.graph.items() if v is not None and k not in _GRAPH_JSON_KEYS}
    )
    for k in _GRAPH_JSON_KEYS:
        H.graph[k] = json.dumps(G.graph.get(k, {} if k != "sources" else []), ensure_ascii=False)
    if G.graph.get("divisions"):
        H.graph["divisions"] = json.dumps(G.graph["divisions"], ensure_ascii=False)
    H.add_nodes_from(
        (n, {k: v for k, v in a.items() if v is not None}) for n, a in G.nodes(data=True)
    )
    H.add_edges_from(
        (u, v, key, {k: x for k, x in d.items() if x is not None})
        for u, v, key, d in G.edges(keys=True, data=True)
    )
    return H


def graph_from_graphml(H: Any) -> Any:
    """Inverse of :func:`graph_for_graphml`.

    Decodes the JSON graph attributes and fills absent optional node, membership-edge and
    posting-edge attributes with ``None``.

    Examples
    --------
    >>> import networkx as nx
    >>> from medalliance import examples, to_graph
    >>> G = to_graph(examples.load("beijing_tongren"))
    >>> nx.utils.graphs_equal(graph_from_graphml(graph_for_graphml(G)), G)
    True
    """
    import networkx as nx

    from medalliance.graph import _REGION_FIELDS, _SCALAR_FIELDS, _loads

    G = nx.MultiDiGraph()
    G.graph.update(H.graph)
    for k in (*_GRAPH_JSON_KEYS, "divisions"):
        if isinstance(H.graph.get(k), str):
            G.graph[k] = _loads(H.graph[k], ("graph", k))
    G.graph.setdefault("title", None)
    G.graph.setdefault("description", None)
    for n, a in H.nodes(data=True):
        attrs = {
            k: a.get(k)
            for k in (*_SCALAR_FIELDS, *_REGION_FIELDS, "aliases", "former_names", "provenance")
        }
        attrs.update(a)
        attrs.setdefault("specialties", "")
        attrs.setdefault("services", "")
        G.add_node(n, **attrs)
    for u, v, key, d in H.edges(keys=True, data=True):
        attrs = dict(d)
        if attrs.get("relation") == "membership":
            attrs.setdefault("tightness", None)
            attrs.setdefault("joined", None)
            attrs.setdefault("left", None)
            attrs.setdefault("provenance", None)
        elif attrs.get("relation") == "posting":
            attrs.setdefault("title", None)
        G.add_edge(u, v, key=key, **attrs)
    return G
