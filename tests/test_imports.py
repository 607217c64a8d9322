"""Import hygiene: no heavy optional packages at import, the layer contracts, no cycles.

The layers themselves are import-linter contracts in ``pyproject.toml`` (run here and by
``lint-imports`` in CI), not a hand-kept list of modules.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import grimp
import networkx as nx
import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_import_loads_no_heavy_packages() -> None:
    code = (
        "import sys, medalliance\n"
        "heavy = ('pandas', 'matplotlib', 'scipy', 'fhir', 'fhir_core', 'geopandas', 'openpyxl')\n"
        "print(' '.join(sorted(m for m in sys.modules if m.split('.')[0] in heavy)))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert proc.stdout.strip() == ""


def _lint_imports(*config: str) -> subprocess.CompletedProcess[str]:
    code = (
        "import sys\n"
        "from importlinter.cli import lint_imports\n"
        "sys.exit(lint_imports(no_cache=True, config_filenames=tuple(sys.argv[1:])))\n"
    )
    return subprocess.run(
        [sys.executable, "-c", code, *config], cwd=ROOT, capture_output=True, text=True, check=False
    )


@pytest.mark.slow
def test_layer_contracts_hold() -> None:
    proc = _lint_imports()
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.count("KEPT") >= 3  # the contracts of pyproject.toml ran
    assert "BROKEN" not in proc.stdout


@pytest.mark.slow
def test_a_broken_contract_is_reported(tmp_path: Path) -> None:
    # the model imports medalliance.errors: a contract forbidding that must fail
    config = tmp_path / "contracts.ini"
    config.write_text(
        "[importlinter]\nroot_package = medalliance\n\n"
        "[importlinter:contract:probe]\nname = probe\ntype = forbidden\n"
        "source_modules = medalliance.model\nforbidden_modules = medalliance.errors\n",
        encoding="utf-8",
    )
    proc = _lint_imports(str(config))
    assert proc.returncode != 0
    assert "BROKEN" in proc.stdout


def _module_graph() -> nx.DiGraph:
    """Every import between medalliance's modules, lazy (function-level) imports included."""
    graph = grimp.build_graph("medalliance", cache_dir=None)
    G = nx.DiGraph()
    for module in graph.modules:
        G.add_node(module)
        for imported in graph.find_modules_directly_imported_by(module):
            G.add_edge(module, imported)
    return G


def test_no_import_cycle_between_modules() -> None:
    G = _module_graph()
    # a package's __init__ re-exporting its own submodules is not a loop; everything else is
    for u, v in list(G.edges):
        if u == v.rsplit(".", 1)[0]:
            G.remove_edge(u, v)
    cycles = [sorted(c) for c in nx.strongly_connected_components(G) if len(c) > 1]
    assert cycles == []


def test_module_graph_sees_lazy_imports() -> None:
    # the cycle test is meaningful only if function-level imports are edges too:
    # Tabular.to_frame imports medalliance._optional inside the method
    assert _module_graph().has_edge("medalliance.model.types", "medalliance._optional")
