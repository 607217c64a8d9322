"""Reading activity records from CSV files, one per kind. Private to :mod:`medalliance.io.records`.

Each file's cells are read strictly (``_csv``), the records are validated together as one
:class:`~medalliance.indicators.Activity`, and every problem the model finds is put back at the
row and column of the file it comes from.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, NamedTuple

from pydantic import BaseModel

from medalliance.errors import MedAllianceError, Problem
from medalliance.indicators import (
    Activity,
    CareRecord,
    PostingRecord,
    ReferralRecord,
    ResidentCount,
)
from medalliance.io.records._csv import (
    CellError,
    Spot,
    Table,
    bool_cell,
    count_cell,
    expected,
    number_cell,
    problems,
    read_table,
    suffix_problem,
)

RECORDS: Mapping[str, type[BaseModel]] = {
    "care": CareRecord,
    "referrals": ReferralRecord,
    "postings": PostingRecord,
    "residents": ResidentCount,
}
"""The model of each kind of activity record, in the order files are read and reported."""

_CELLS: Mapping[str, Callable[[str], Any]] = {
    "count": count_cell,
    "signed": count_cell,
    "insurance_fund_yuan": number_cell,
    "cost_yuan": number_cell,
    "tcm": bool_cell,
}
"""How cells of these fields become numbers and flags; other cells are text."""


class _File(NamedTuple):
    """One activity CSV file as read."""

    kind: str
    path: str
    table: Table
    rows: list[int]
    """The row number of each record, by position."""
    held: set[tuple[int, str]]
    """(position, field) of cells already reported, or of fields without a column."""


def _read_file(kind: str, path: str | Path, data: dict[str, list[dict[str, Any]]]) -> _File:
    model = RECORDS[kind]
    if Path(path).suffix.lower() != ".csv":
        raise suffix_problem(path, (".csv",))
    fields = model.model_fields
    header = ",".join(f for f, info in fields.items() if info.is_required())
    table = read_table(path, kind, what=f"{header}[,...]")
    required = [f for f, info in fields.items() if info.is_required()]
    absent = [f for f in required if f not in table.columns]
    if absent:
        table.spots.append(
            table.spot(table.header_row, None, f"missing column(s): {expected(kind, absent)}")
        )
    records: list[dict[str, Any]] = []
    rows: list[int] = []
    held: set[tuple[int, str]] = set()
    for i, (n, cells) in enumerate(table.rows):
        record: dict[str, Any] = {}
        for field, col in table.columns.items():
            cell = cells[col.position] if col.position < len(cells) else ""
            if not cell:
                continue  # an empty cell is a value left out
            convert = _CELLS.get(field)
            try:
                record[field] = convert(cell) if convert is not None else cell
            except CellError as exc:
                table.spots.append(table.spot(n, field, str(exc)))
                held.add((i, field))
        held.update((i, f) for f in absent)
        records.append(record)
        rows.append(n)
    data[kind] = records
    return _File(kind, str(path), table, rows, held)


def _place(files: Mapping[str, _File], problem: Problem) -> tuple[str | None, Spot | None]:
    """The file and the located problem of a problem the Activity model reports."""
    path = problem.path
    if len(path) < 2 or not isinstance(path[1], int) or path[0] not in files:
        return None, Spot((-1,), path, problem.message)
    f = files[str(path[0])]
    i = path[1]
    field = path[2] if len(path) > 2 and isinstance(path[2], str) else None
    if field is not None and (i, field) in f.held:
        return None, None  # reported already: a bad cell or a missing column
    order, where = f.table.where(f.rows[i], field)
    return f.path, Spot(order, where, problem.message)


def read_activity_files(paths: Mapping[str, str | Path]) -> Activity:
    """Read the activity CSV files ``paths`` (by kind), reporting every problem by row."""
    data: dict[str, list[dict[str, Any]]] = {}
    files = {kind: _read_file(kind, paths[kind], data) for kind in RECORDS if kind in paths}
    found: dict[str, list[Spot]] = {f.path: list(f.table.spots) for f in files.values()}
    activity: Activity | None = None
    try:
        activity = Activity.model_validate(data)
    except MedAllianceError as exc:
        for p in exc.problems:
            where, spot = _place(files, p)
            if spot is not None:
                found.setdefault(where or "", []).append(spot)
    bad = {name: spots for name, spots in found.items() if spots}
    if not bad and activity is not None:
        return activity
    if len(bad) == 1:
        [(name, spots)] = bad.items()
        raise MedAllianceError(problems(spots), source=name or None)
    out: list[Problem] = []
    for name, spots in bad.items():  # in the order of the kinds
        for p in problems(spots):
            if name and p.path:
                out.append(Problem((f"{name}, {p.path[0]}", *p.path[1:]), p.message))
            else:
                out.append(p)
    raise MedAllianceError(out, source=", ".join(n for n in bad if n))
