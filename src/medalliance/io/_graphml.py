"""Reading and writing the graph view of a registry as GraphML (see :mod:`medalliance.graph`)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from medalliance.errors import MedAllianceError, Problem, SchemaError
from medalliance.io._files import PathLike, _atomic_write, _require_path, read_text
from medalliance.io._staged import LARGE_FILE, file_size, staged_write, stages
from medalliance.model._require import require_registry
from medalliance.model.registry import Registry

__all__ = ["read_graphml", "write_graphml"]


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

    from medalliance.graph import graph_for_graphml, to_graph

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
    from medalliance.graph import from_graph, graph_from_graphml

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
