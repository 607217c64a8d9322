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


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs(path: Path, tmp_path: Path) -> None:
    book = nbformat.read(path, as_version=4)  # type: ignore[no-untyped-call]  # untyped library
    for cell in book.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [], f"{path.name}: store notebooks without outputs"
            assert cell.execution_count is None, f"{path.name}: store notebooks without outputs"
    book.cells.insert(0, nbformat.v4.new_code_cell(STRICT))  # type: ignore[no-untyped-call]
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


DOCS = Path(__file__).resolve().parents[1] / "docs"


def test_notebooks_page_lists_every_notebook() -> None:
    page = (DOCS / "notebooks.md").read_text(encoding="utf-8")
    for path in NOTEBOOKS:
        assert f"(notebooks/{path.stem}.md)" in page, path.name


def test_howto_yaml_is_the_registry_the_page_describes(tmp_path: Path) -> None:
    import re

    from medalliance import check_registry, read_yaml

    page = (DOCS / "howto-own-alliance.md").read_text(encoding="utf-8")
    [text] = re.findall(r"```yaml\n(.*?)```", page, flags=re.S)
    (tmp_path / "my_alliance.yaml").write_text(text, encoding="utf-8")
    reg = read_yaml(tmp_path / "my_alliance.yaml")
    assert repr(reg) == "Registry('某县医共体', institutions=4, alliances=1, agreements=1)"
    findings = [str(f) for f in check_registry(reg)]
    assert findings == [
        "[info] county-community: declares grassroots_members 18 but lists 2 (16 not itemised)"
    ]
    bad = (
        text.replace("village-a1, role: 基础", "village-a9, role: 基础")
        .replace("    beds: 60\n", "    beds: -60\n")
        .replace("role: 成员单位", "role: 会员单位")  # 成员医院 is a member role now
    )
    (tmp_path / "bad.yaml").write_text(bad, encoding="utf-8")
    shown = page[page.index("error: 3 problems in bad.yaml:") :].split("```")[0].strip()
    import io

    from medalliance.cli import main

    out, err = io.StringIO(), io.StringIO()
    assert main(["validate", str(tmp_path / "bad.yaml")], out=out, err=err) == 1
    assert err.getvalue().strip().replace(str(tmp_path / "bad.yaml"), "bad.yaml") == shown
