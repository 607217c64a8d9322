"""Import hygiene: no heavy optional packages at import, and layering of modules."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "medalliance"


def test_import_loads_no_heavy_packages() -> None:
    code = (
        "import sys, medalliance\n"
        "heavy = ('pandas', 'matplotlib', 'scipy', 'fhir', 'fhir_core', 'geopandas')\n"
        "print(' '.join(sorted(m for m in sys.modules if m.split('.')[0] in heavy)))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert proc.stdout.strip() == ""


# The core never imports the edges: files, command line, bundled data, optional extras.
CORE = (
    "errors",
    "types",
    "labels",
    "vocab",
    "common",
    "institution",
    "agreement",
    "alliance",
    "registry",
    "checks",
    "channels",
    "graph",
    "report",
    "sharing",
    "_sharing_naive",
    "coverage/__init__",
    "coverage/_common",
    "coverage/_structure",
    "coverage/_overlap",
    "coverage/_reachability",
    "coverage/_resilience",
    "coverage/_population",
    "_reach",
    "indicators",
    "accessibility",
    "display",
)
EDGES = (
    "medalliance.io",
    "medalliance.cli",
    "medalliance.examples",
    "medalliance.synthetic",
    "medalliance.tables",
    "medalliance.plot",
    "medalliance.fhir",
    "medalliance._fhir_map",
    "medalliance._fhir_export",
    "medalliance._fhir_import",
)


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found.update(f"{node.module}.{a.name}" for a in node.names)
    return found


def _files(module: str) -> list[Path]:
    """The module's file, or every file of a subpackage."""
    folder = PACKAGE / module
    return sorted(folder.rglob("*.py")) if folder.is_dir() else [PACKAGE / f"{module}.py"]


@pytest.mark.parametrize("module", CORE)
def test_core_does_not_import_edges(module: str) -> None:
    imported = set().union(*(_imports(path) for path in _files(module)))
    bad = sorted(i for i in imported if any(i == e or i.startswith(e + ".") for e in EDGES))
    # graph.py may mention medalliance only for __version__; doctests use examples, not imports
    assert bad == []
