"""The example notebooks run from top to bottom without errors or warnings."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "docs" / "notebooks").glob("*.ipynb"))

STRICT = """\
import warnings
warnings.simplefilter("error")
import matplotlib
matplotlib.use("Agg")
"""
"""Run first: any warning fails the notebook (as in the test suite); no display needed."""


def test_there_are_notebooks() -> None:
    assert {p.stem for p in NOTEBOOKS} >= {"tour", "referral"}


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs(path: Path, tmp_path: Path) -> None:
    book = nbformat.read(path, as_version=4)
    for cell in book.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [], f"{path.name}: store notebooks without outputs"
            assert cell.execution_count is None, f"{path.name}: store notebooks without outputs"
    book.cells.insert(0, nbformat.v4.new_code_cell(STRICT))
    client = NotebookClient(
        book,
        timeout=120,
        kernel_name="python3",
        resources={"metadata": {"path": str(tmp_path)}},
    )
    client.execute()  # raises CellExecutionError naming the failing cell
    for cell in book.cells:
        for out in cell.get("outputs", []):
            assert out.get("output_type") != "error", out
            if out.get("output_type") == "stream":
                assert out.get("name") != "stderr", out.get("text")
