"""``medalliance export``: write a registry as JSON, YAML, GraphML or a FHIR Bundle."""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING, TextIO

from medalliance.cli._common import add_quiet_flag, add_target, path_argument
from medalliance.cli._load import load_registry
from medalliance.errors import MedAllianceError, Problem
from medalliance.io._files import _atomic_write, registry_to_json, registry_to_yaml

if TYPE_CHECKING:
    from medalliance.cli._common import Subparsers
    from medalliance.io.fhir import FhirVersion
    from medalliance.model.registry import Registry


def add_parser(subparsers: Subparsers) -> None:
    """Register ``export`` and its options."""
    e = subparsers.add_parser("export", help="convert a registry to json, yaml, graphml or FHIR")
    add_target(e)
    e.add_argument("--format", required=True, choices=("json", "yaml", "graphml", "fhir"))
    e.add_argument(
        "--fhir-version", choices=("R5", "R4B"), help="FHIR version for --format fhir (default R5)"
    )
    e.add_argument(
        "-o",
        "--output",
        metavar="OUT",
        type=path_argument,
        help="output file (default: standard output)",
    )
    add_quiet_flag(e)
    e.set_defaults(func=run)


def run(args: argparse.Namespace, out: TextIO) -> int:
    """Write the target in ``--format`` to ``-o OUT`` or to ``out``."""
    if args.fhir_version is not None and args.format != "fhir":
        raise MedAllianceError(["--fhir-version applies to --format fhir only"])
    reg, _ = load_registry(args.target, args.as_of)
    text = _render(reg, args.format, args.fhir_version)
    if args.output is not None:
        _write(text, args.output)
    else:
        out.write(text)
    return 0


def _render(reg: Registry, fmt: str, fhir_version: FhirVersion | None) -> str:
    if fmt == "json":
        return registry_to_json(reg)
    if fmt == "fhir":
        from medalliance.io.fhir import to_fhir

        bundle = to_fhir(reg, version=fhir_version or "R5")
        return json.dumps(bundle, ensure_ascii=False, indent=2) + "\n"
    if fmt == "yaml":
        return registry_to_yaml(reg)
    import networkx as nx

    from medalliance.graph import to_graph
    from medalliance.io import graph_for_graphml

    return "\n".join(nx.generate_graphml(graph_for_graphml(to_graph(reg)))) + "\n"


def _write(text: str, output: str) -> None:
    try:
        _atomic_write(output, text)  # never a half-written file, even with two writers
    except IsADirectoryError:
        raise MedAllianceError([Problem((), "is a directory, not a file")], source=output) from None
    except OSError as exc:
        raise MedAllianceError(
            [Problem((), f"cannot write: {exc.strerror or exc}")], source=output
        ) from None
