"""Registry -> a workbook or a folder of CSV files. Private to :mod:`medalliance.io.sheets`."""

from __future__ import annotations

import csv
import datetime as _dt
import io
import os
import tempfile
from collections.abc import Callable
from functools import partial
from os import PathLike
from pathlib import Path
from typing import Any, Literal

from medalliance._optional import require
from medalliance.errors import MedAllianceError, Problem
from medalliance.io.sheets._cells import encode
from medalliance.io.sheets._read import REGISTRY_COLUMNS, letter
from medalliance.io.tables._columns import _CHILDREN, _TOP, OWNER, written
from medalliance.io.tables._headers import chinese
from medalliance.io.tables._to_frames import _cells, nested_rows
from medalliance.model.registry import Registry

_ORDER = (
    "institutions",
    "alliances",
    "memberships",
    "agreements",
    *_CHILDREN[1:],
    "former_names",
    "sources",
    "divisions",
)
XLSX_CELL_LIMIT = 32_767
"""The most characters a workbook cell holds."""

Table = tuple[str, list[str], list[list[Any]]]


def tables(registry: Registry, *, headers: Literal["en", "zh"] = "en") -> list[Table]:
    """``(name, header, rows)`` of each table, with the cells as the writers store them.

    Examples
    --------
    >>> from medalliance import examples
    >>> name, header, rows = tables(examples.load("gangkou"), headers="zh")[1]
    >>> name, header[:3], rows[0][:3]
    ('机构', ['机构编码', '机构名称', '英文名称'], ['gangkou_peoples', '港口区人民医院', None])
    """
    zh = headers == "zh"
    out: list[Table] = []
    if registry.title is not None or registry.description is not None:
        row = [registry.title, registry.description]
        names = [c.name for c in REGISTRY_COLUMNS]
        out.append(
            (
                chinese("registry") if zh else "registry",
                [chinese("registry", n) for n in names] if zh else names,
                [row],
            )
        )
    for table in _ORDER:
        columns = written(table)
        if table in _TOP:
            records: list[Any] = list(getattr(registry, table))
            owners: list[str] = []
        else:
            records, owners = nested_rows(registry, table)
        owner = OWNER.get(table, ("", ""))[1]
        cells = []
        for col in columns:
            if col.name == owner:
                cells.append(list(owners))
            else:
                cells.append([encode(col, v) for v in _cells(col, records)])
        header = [chinese(table, c.name) if zh else c.name for c in columns]
        rows = [list(r) for r in zip(*cells, strict=True)] if records else []
        out.append((chinese(table) if zh else table, header, rows))
    return out


def _replace(path: Path, write: Callable[[Path], None]) -> None:
    """Write ``path`` through a temporary file in its folder, then rename it into place."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    try:
        write(Path(tmp))
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _csv_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, _dt.date):
        return value.isoformat()
    return str(value)


def _write_bytes(path: Path, *, data: bytes) -> None:
    path.write_bytes(data)


def _write_csv(folder: Path, parts: list[Table]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name, header, rows in parts:
        buffer = io.StringIO(newline="")
        out = csv.writer(buffer, lineterminator="\r\n")
        out.writerow(header)
        out.writerows([_csv_text(v) for v in row] for row in rows)
        data = buffer.getvalue().encode("utf-8-sig")  # the BOM tells Excel it is UTF-8
        _replace(folder / f"{name}.csv", partial(_write_bytes, data=data))


def _write_xlsx(path: Path, parts: list[Table]) -> None:
    openpyxl = require("openpyxl", extra="sheets")
    problems = [
        Problem(
            (f"{name}!{r + 2}:{letter(c)} ({header[c]})",),
            f"{len(v)} characters: a workbook cell holds at most {XLSX_CELL_LIMIT}",
        )
        for name, header, rows in parts
        for r, row in enumerate(rows)
        for c, v in enumerate(row)
        if isinstance(v, str) and len(v) > XLSX_CELL_LIMIT
    ]
    if problems:
        raise MedAllianceError(problems, source=str(path))
    book = openpyxl.Workbook(write_only=True)
    for name, header, rows in parts:
        sheet = book.create_sheet(title=name)
        sheet.append(header)
        for row in rows:
            sheet.append([_xlsx_cell(openpyxl, sheet, v) for v in row])
    _replace(path, book.save)


def _xlsx_cell(openpyxl: Any, sheet: Any, value: Any) -> Any:
    if isinstance(value, float) and float(f"{value:.16g}") != value:
        # openpyxl stores 16 significant digits; the few floats that need 17 are kept exact
        # as text, which the reader parses back to the same float
        value = repr(value)
    if isinstance(value, str) and value.startswith("="):  # text, not a formula
        cell = openpyxl.cell.WriteOnlyCell(sheet, value=value)
        cell.data_type = "s"
        return cell
    return value


def write_sheets(
    registry: Registry, path: str | PathLike[str], *, headers: Literal["en", "zh"] = "en"
) -> None:
    """Write a registry as a workbook (``.xlsx``) or a folder of CSV files.

    Every table gets a sheet (or a ``<table>.csv`` file), written even when it has no rows so
    that its columns can be filled in; a ``registry`` sheet holds the title and description
    when the registry has them. :func:`~medalliance.io.sheets.read_sheets` reads the result
    back into an equal registry. Each file is written to a temporary file beside it and
    renamed into place, so a reader never sees half a file.

    Parameters
    ----------
    registry : Registry
        The registry; not modified.
    path : str or path-like
        A ``.xlsx`` file, or a folder (created when missing) for the CSV files.
    headers : {"en", "zh"}
        Sheet names and headers in English (the column names) or in Chinese (the first
        Chinese alias of each, e.g. ``机构`` and ``机构名称``). Cells hold the canonical values
        either way.

    Raises
    ------
    MedAllianceError
        For a text longer than a workbook cell holds (32,767 characters), at its cell.
    ImportError
        For a workbook, when openpyxl is not installed (``pip install 'medalliance[sheets]'``).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from medalliance import examples
    >>> from medalliance.io.sheets import read_sheets
    >>> reg = examples.load("gangkou")
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> write_sheets(reg, folder / "gangkou.xlsx", headers="zh")
    >>> write_sheets(reg, folder / "csv")
    >>> read_sheets(folder / "gangkou.xlsx") == reg == read_sheets(folder / "csv")
    True
    >>> sorted(p.name for p in (folder / "csv").iterdir())[:3]
    ['agreements.csv', 'alliances.csv', 'changes.csv']
    """
    if headers not in ("en", "zh"):
        raise MedAllianceError([Problem(("headers",), f"must be 'en' or 'zh', got {headers!r}")])
    target = Path(path)
    parts = tables(registry, headers=headers)
    if target.suffix.lower() == ".xlsx":
        _write_xlsx(target, parts)
    elif target.suffix.lower() == ".csv":
        msg = "give a .xlsx file or a folder for the CSV files, not one .csv file"
        raise MedAllianceError([Problem((), msg)], source=str(path))
    else:
        _write_csv(target, parts)
