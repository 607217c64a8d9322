"""Workbooks and folders of CSV files -> Registry. Private to :mod:`medalliance.io.sheets`.

The sheets are read into plain rows (:class:`Sheet`), their headers matched to the columns of
the flat tables (:mod:`medalliance.io.tables`), their cells decoded, and the rows handed to the
conversion every table reader shares (:func:`~medalliance.io.tables._assemble.assemble`).
Problems found in table coordinates are then placed at ``sheet!row:column``.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from os import PathLike
from pathlib import Path
from typing import Any

from medalliance._optional import require
from medalliance.errors import MedAllianceError, Problem, SchemaError
from medalliance.io.sheets._cells import decode
from medalliance.io.tables._assemble import MISSING, assemble, records
from medalliance.io.tables._columns import _NESTED, _SPECS, _TOP, _Column
from medalliance.io.tables._headers import ALIASES, chinese, resolve, table_name
from medalliance.model.registry import Registry

REGISTRY_COLUMNS = (
    _Column("title", ("title",), "text"),
    _Column("description", ("description",), "text"),
)
"""The columns of the ``registry`` sheet (one row: the registry's title and description)."""


def columns_of(table: str) -> tuple[_Column, ...]:
    """Every column a table accepts (the ``registry`` sheet included)."""
    return REGISTRY_COLUMNS if table == "registry" else _SPECS[table]


@dataclass
class Sheet:
    """One sheet (or CSV file) as read: its label, its rows and where each row is."""

    label: str
    header: list[Any]
    rows: list[tuple[int, list[Any]]]
    """``(row number as the spreadsheet shows it, cells)`` of each data row."""
    problems: list[Problem] = field(default_factory=list)
    readable: bool = True


def letter(position: int) -> str:
    """The spreadsheet letter of a 0-based column position.

    Examples
    --------
    >>> letter(0), letter(25), letter(26), letter(702)
    ('A', 'Z', 'AA', 'AAA')
    """
    out = ""
    n = position + 1
    while n:
        n, rem = divmod(n - 1, 26)
        out = chr(65 + rem) + out
    return out


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


# -- reading the files -----------------------------------------------------------------------


def _csv_sheet(path: Path) -> Sheet:
    from medalliance.io._files import read_text

    label = path.name
    try:
        text = read_text(path)
    except MedAllianceError as exc:
        found = [Problem((label, *p.path), p.message) for p in exc.problems]
        return Sheet(label, [], [], found, readable=False)
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    rows: list[list[Any]] = []
    try:
        rows.extend(reader)
    except csv.Error as exc:
        at = f"{label}!{reader.line_num}" if reader.line_num else label
        return Sheet(label, [], [], [Problem((at,), f"not a readable CSV file: {exc}")], False)
    header = rows[0] if rows else []
    return Sheet(label, header, [(n + 2, cells) for n, cells in enumerate(rows[1:])])


def _csv_sheets(path: Path) -> list[Sheet]:
    folder = path if path.is_dir() else path.parent
    if not path.is_dir() and not path.is_file():
        raise SchemaError([Problem((), "file not found")], source=str(path))
    files = sorted(p for p in folder.iterdir() if p.suffix.lower() == ".csv" and p.is_file())
    if not files:
        raise SchemaError([Problem((), "no .csv files in this folder")], source=str(path))
    return [_csv_sheet(p) for p in files]


def _xlsx_sheets(path: Path) -> list[Sheet]:
    openpyxl = require("openpyxl", extra="sheets")
    source = str(path)
    if not path.is_file():
        what = "is a directory, not a file" if path.is_dir() else "file not found"
        raise SchemaError([Problem((), what)], source=source)
    try:
        book = openpyxl.load_workbook(path, data_only=True)
    except Exception as exc:  # a parser boundary: any failure of a damaged file is reported
        msg = f"not a readable .xlsx workbook ({type(exc).__name__}: {exc})"
        raise SchemaError([Problem((), msg)], source=source) from None
    return [_worksheet(ws) for ws in book.worksheets]


def _worksheet(ws: Any) -> Sheet:
    label = ws.title
    problems = [
        Problem(
            (f"{label}!{merged.min_row}:{letter(merged.min_col - 1)}",),
            f"merged cells {merged.coord}: unmerge them and fill in every cell",
        )
        for merged in ws.merged_cells.ranges
    ]
    header: list[Any] = []
    rows: list[tuple[int, list[Any]]] = []
    for cells in ws.iter_rows():
        values: list[Any] = []
        for cell in cells:
            if cell.data_type == "e":
                at = f"{label}!{cell.row}:{letter(cell.column - 1)}"
                problems.append(Problem((at,), f"the cell holds the error {cell.value}"))
                values.append(None)
            else:
                values.append(cell.value)
        if cells and cells[0].row == 1:
            header = values
        elif cells:
            rows.append((cells[0].row, values))
    return Sheet(label, header, rows, problems)


def read_raw(path: Path) -> list[Sheet]:
    """The sheets of a workbook (``.xlsx``), or the CSV files of a folder (or of a file's)."""
    if path.suffix.lower() == ".xlsx":
        return _xlsx_sheets(path)
    return _csv_sheets(path)


# -- from sheets to tables -------------------------------------------------------------------


@dataclass
class Layout:
    """Where a table's rows and columns are in its sheet."""

    label: str
    header: list[Any]
    columns: dict[str, int]
    rows: list[int]
    cells: list[list[Any]]


def _layout(table: str, sheet: Sheet, problems: list[Problem]) -> Layout | None:
    """Match the header to the table's columns; ``None`` when it does not fit."""
    label = sheet.label
    named = [pos for pos, h in enumerate(sheet.header) if not _blank(h)]
    ok = True
    for pos in range(max((len(c) for _, c in sheet.rows), default=0)):
        if pos in named:
            continue
        number = next((n for n, c in sheet.rows if pos < len(c) and not _blank(c[pos])), None)
        if number is not None:
            at = f"{label}!{number}:{letter(pos)}"
            problems.append(Problem((at,), f"a value in column {letter(pos)}, which has no header"))
            ok = False
    found, bad = resolve(table, [sheet.header[pos] for pos in named])
    for i, message in bad:
        pos = named[i]
        problems.append(Problem((f"{label}!1:{letter(pos)} ({sheet.header[pos]})",), message))
    for c in columns_of(table):
        if c.required and c.name not in found:
            alias = chinese(table, c.name) if c.name in ALIASES[table][1] else None
            also = f" ({alias})" if alias else ""
            problems.append(Problem((label,), f"required column {c.name!r}{also} is missing"))
            ok = False
    if bad or not ok:
        return None
    rows = [(n, cells) for n, cells in sheet.rows if not all(_blank(c) for c in cells)]
    return Layout(
        label,
        sheet.header,
        {name: named[i] for name, i in found.items()},
        [n for n, _ in rows],
        [cells for _, cells in rows],
    )


def _values(
    table: str, layout: Layout, problems: list[Problem], reported: set[tuple[Any, ...]]
) -> dict[str, list[Any]]:
    out: dict[str, list[Any]] = {}
    for col in columns_of(table):
        pos = layout.columns.get(col.name)
        if pos is None:
            continue
        column = []
        for i, cells in enumerate(layout.cells):
            try:
                column.append(decode(col, cells[pos] if pos < len(cells) else None))
            except ValueError as exc:
                where = (table, i, col.name)
                problems.append(Problem(where, str(exc)))
                reported.add(where)
                column.append(MISSING)
        out[col.name] = column
    return out


_INSTEAD = {"tier": "level", "grade": "level"}
"""Columns whose problems are shown at another column when they are not in the sheet (a
level column sets tier and grade)."""


class Locator:
    """Places a problem found in table coordinates at ``sheet!row:column``."""

    def __init__(self, layouts: dict[str, Layout]) -> None:
        self.layouts = layouts

    def cell(self, table: str, row: int | None, column: str) -> str:
        """The label of a cell (``row`` None: the header)."""
        layout = self.layouts[table]
        number = 1 if row is None else layout.rows[row]
        pos = layout.columns.get(column)
        if pos is None and column in _INSTEAD:
            pos = layout.columns.get(_INSTEAD[column])
        if pos is None:
            return f"{layout.label}!{number} ({column})"
        return f"{layout.label}!{number}:{letter(pos)} ({layout.header[pos]})"

    def __call__(self, path: Sequence[Any]) -> tuple[Any, ...]:
        """The sheet location of ``path``."""
        path = tuple(path)
        registry = self.layouts.get("registry")
        if path and path[0] in ("title", "description") and registry and registry.rows:
            path = ("registry", 0, *path)
        if not path or path[0] not in self.layouts:
            return path
        table, rest = path[0], path[1:]
        layout = self.layouts[table]
        if not rest:
            where: tuple[Any, ...] = (layout.label,)
        elif isinstance(rest[0], str):
            where = (self.cell(table, None, rest[0]), *rest[1:])
        elif not isinstance(rest[0], int) or rest[0] >= len(layout.rows):
            where = path
        elif len(rest) == 1:
            where = (f"{layout.label}!{layout.rows[rest[0]]}",)
        else:
            where = (self.cell(table, rest[0], rest[1]), *rest[2:])
        return where


def _tables(sheets: list[Sheet], problems: list[Problem]) -> dict[str, Sheet]:
    """The sheet of each table; unknown and repeated sheets are problems."""
    by_table: dict[str, Sheet] = {}
    accepted = ", ".join(f"{t} ({names[0]})" for t, (names, _) in ALIASES.items())
    for sheet in sheets:
        problems.extend(sheet.problems)
        stem = sheet.label[: -len(".csv")] if sheet.label.lower().endswith(".csv") else sheet.label
        table = table_name(stem)
        if table is None:
            problems.append(
                Problem((sheet.label,), f"not a table of a registry; name it one of: {accepted}")
            )
        elif table in by_table:
            first = by_table[table].label
            problems.append(Problem((sheet.label,), f"a second {table} table (after {first!r})"))
        else:
            by_table[table] = sheet
    return by_table


def read_sheets(path: str | PathLike[str]) -> Registry:
    r"""Read a registry from a workbook (``.xlsx``) or a folder of CSV files.

    See :mod:`medalliance.io.sheets` for the sheets, their headers and their cells.

    Parameters
    ----------
    path : str or path-like
        A ``.xlsx`` workbook; a folder of CSV files; or one CSV file of such a folder (the
        whole folder is read).

    Returns
    -------
    Registry
        The validated registry.

    Raises
    ------
    MedAllianceError
        Naming the file and listing every problem at ``sheet!row:column (header)``, with the
        spreadsheet's own row numbers (the header is row 1) and column letters.
    ImportError
        For a workbook, when openpyxl is not installed (``pip install 'medalliance[sheets]'``).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / "机构.csv").write_text(
    ...     "机构编码,机构名称,机构类别,等级,床位数,所属医联体,角色\n"
    ...     "county,某县人民医院,综合医院,二级甲等,320,某县医共体,牵头单位\n"
    ...     "town,某镇卫生院,乡镇卫生院,,x40,某县医共体,成员单位\n", encoding="utf-8")
    >>> _ = (folder / "医联体.csv").write_text(
    ...     "编号,医联体名称,组织形式\na,某县医共体,县域医共体\n", encoding="utf-8")
    >>> read_sheets(folder)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    medalliance.errors.MedAllianceError: 1 problem in ...:
      - 机构.csv!3:E (床位数): must be a whole number written with the digits 0-9, got 'x40'
    >>> _ = (folder / "机构.csv").write_text(
    ...     (folder / "机构.csv").read_text(encoding="utf-8").replace("x40", "40"),
    ...     encoding="utf-8")
    >>> reg = read_sheets(folder / "机构.csv")
    >>> reg.institution("county").grade.value, reg.alliance("a").lead
    ('A', ('county',))
    """
    p = Path(path)
    source = str(path)
    problems: list[Problem] = []
    by_table = _tables(read_raw(p), problems)
    layouts = {}
    for table, sheet in by_table.items():
        layout = _layout(table, sheet, problems) if sheet.readable else None
        if layout is not None:
            layouts[table] = layout
    if problems:
        raise MedAllianceError(problems, source=source)
    locate = Locator(layouts)
    reported: set[tuple[Any, ...]] = set()
    values = {t: _values(t, layout, problems, reported) for t, layout in layouts.items()}
    meta = _registry_row(values.get("registry"), problems)
    recs = {
        t: records(
            t, values.get(t, {}), len(layouts[t].rows) if t in layouts else 0, problems, reported
        )
        for t in (*_TOP, *_NESTED)
    }
    try:
        return assemble(recs, **meta, problems=problems, reported=reported)
    except MedAllianceError as exc:
        located = [Problem(locate(p.path), p.message) for p in exc.problems]
        raise MedAllianceError(located, source=source) from None


def _registry_row(values: dict[str, list[Any]] | None, problems: list[Problem]) -> dict[str, Any]:
    """The title and description of the ``registry`` sheet (at most one row)."""
    if not values:
        return {}
    rows = max((len(v) for v in values.values()), default=0)
    if rows > 1:
        problems.append(Problem(("registry", 1), "the registry sheet has one row"))
    return {k: v[0] for k, v in values.items() if v and v[0] is not MISSING}
