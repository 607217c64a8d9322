"""The command line reads spreadsheets: ``validate`` and ``export`` take .xlsx and .csv files."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from medalliance import examples, read_json
from medalliance.cli import main
from medalliance.io.sheets import write_sheets


def run(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(args), out=out, err=err)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture
def sheets(tmp_path: Path) -> dict[str, Path]:
    reg = examples.load("gangkou")
    write_sheets(reg, tmp_path / "gangkou.xlsx", headers="zh")
    write_sheets(reg, tmp_path / "csv")
    return {"xlsx": tmp_path / "gangkou.xlsx", "csv": tmp_path / "csv" / "institutions.csv"}


@pytest.mark.parametrize("kind", ["xlsx", "csv"])
def test_validate_reads_a_workbook_and_a_csv_folder(kind: str, sheets: dict[str, Path]) -> None:
    code, out, err = run("validate", str(sheets[kind]))
    assert code == 0, err
    assert out.startswith(f"{sheets[kind]}: valid (5 institutions, 1 alliance, 0 agreements)")


@pytest.mark.parametrize("kind", ["xlsx", "csv"])
def test_export_reads_sheets(kind: str, sheets: dict[str, Path], tmp_path: Path) -> None:
    target = tmp_path / "out.json"
    code, _, err = run("export", str(sheets[kind]), "--format", "json", "-o", str(target))
    assert code == 0, err
    assert read_json(target) == examples.load("gangkou")


def test_bad_sheets_give_every_problem_and_no_traceback(sheets: dict[str, Path]) -> None:
    path = sheets["csv"]
    text = path.read_text(encoding="utf-8-sig")
    path.write_text(text.replace("gangkou_peoples,", "gangkou peoples,", 1), encoding="utf-8")
    code, out, err = run("validate", str(path), "--json")
    assert code != 0
    assert "Traceback" not in err
    assert err.startswith("error: ")
    assert "institutions.csv!2:A (id): invalid id" in err
    assert json.loads(out)["valid"] is False


def test_missing_workbook_is_reported(tmp_path: Path) -> None:
    code, _, err = run("validate", str(tmp_path / "none.xlsx"))
    assert code != 0
    assert "file not found" in err
    assert "Traceback" not in err
