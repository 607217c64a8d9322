r"""Travel-cost tables: a CSV file with one ``origin,site,cost_min`` row per pair.

:func:`read_cost_table` reads the rows as written and checks each cell; which ids are known
is for the caller to check (``medalliance access`` checks them against the population file
and the registry, then builds the cost structure with
:func:`~medalliance.accessibility.costs_from_table`).

- The header names the columns, in any order: ``origin`` (also ``起点``), ``site`` (also
  ``destination``, ``终点``) and ``cost_min`` (also ``travel_time_min``, ``分钟``). An unknown
  column, a column named twice or a missing one is a problem of row 1.
- Rows are numbered as a spreadsheet shows them (the header is row 1); blank rows are
  skipped. Line endings may be ``\n``, ``\r\n`` or ``\r``.
- A cost is a finite number of minutes >= 0 written with the digits 0-9 (``12.5``, ``1e2``).
"""

from __future__ import annotations

import csv
import io
import math
import re
from pathlib import Path
from typing import NamedTuple

from medalliance.errors import MedAllianceError, Problem
from medalliance.io._files import read_text

__all__ = ["COST_COLUMNS", "CostTable", "read_cost_table"]

COST_COLUMNS: dict[str, tuple[str, ...]] = {
    "origin": ("origin", "起点"),
    "site": ("site", "destination", "终点"),
    "cost_min": ("cost_min", "travel_time_min", "分钟"),
}
"""The headers each column may have (compared without case and surrounding spaces)."""

_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?\Z")
_SHOWN = 40


class CostTable(NamedTuple):
    """The rows of a cost table, as read: one entry per pair, in file order."""

    origin: tuple[str, ...]
    """Origin (population point) id of each row."""
    site: tuple[str, ...]
    """Site (institution) id of each row."""
    cost_min: tuple[float, ...]
    """Travel time of each row in minutes."""
    row: tuple[int, ...]
    """The row number of each entry as the file shows it (the header is row 1)."""


def read_cost_table(path: str | Path) -> CostTable:
    r"""Read a CSV cost table: ``origin,site,cost_min`` (see the module for the aliases).

    Raises
    ------
    MedAllianceError
        Naming every problem at once by row and column: a missing file or one that is not
        UTF-8 text, an unknown, repeated or missing column, an empty cell, a cost that is
        not a number >= 0, a row with too many cells.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "costs.csv"
    >>> _ = p.write_text("origin,site,cost_min\nv1,h1,12.5\nv2,h1,-3\n", encoding="utf-8")
    >>> read_cost_table(p)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    medalliance.errors.MedAllianceError: 1 problem in ...costs.csv:
      - row 3, column cost_min: must be a number of minutes >= 0, got '-3'
    >>> _ = p.write_text("起点,终点,分钟\nv1,h1,12.5\n", encoding="utf-8")
    >>> read_cost_table(p)
    CostTable(origin=('v1',), site=('h1',), cost_min=(12.5,), row=(2,))
    """
    source = str(path)
    if Path(path).suffix.lower() != ".csv":
        msg = f"unknown file type {Path(path).suffix!r} for a cost table; use .csv"
        raise MedAllianceError([Problem((), msg)], source=source)
    records, problems = _records(read_text(path))
    if not records:
        raise MedAllianceError(problems or [Problem((), "the file is empty")], source=source)
    columns = _header(records[0][1], problems)
    if columns is None:
        raise MedAllianceError(problems, source=source)
    headers = {f: records[0][1][i].strip() for f, i in columns.items()}
    origin: list[str] = []
    site: list[str] = []
    cost: list[float] = []
    rows: list[int] = []
    for number, cells in records[1:]:
        if not any(c.strip() for c in cells):
            continue
        if len(cells) > 3:
            problems.append(Problem((f"row {number}",), f"{len(cells)} cells; expected 3"))
            continue
        values = {f: (cells[i].strip() if i < len(cells) else "") for f, i in columns.items()}
        missing = [f for f, v in values.items() if not v]
        for f in missing:
            problems.append(Problem((f"row {number}, column {headers[f]}",), "missing"))
        where = (f"row {number}, column {headers['cost_min']}",)
        minutes = _minutes(values["cost_min"], where, problems) if values["cost_min"] else None
        if missing or minutes is None:
            continue
        origin.append(values["origin"])
        site.append(values["site"])
        cost.append(minutes)
        rows.append(number)
    if problems:
        raise MedAllianceError(problems, source=source)
    return CostTable(tuple(origin), tuple(site), tuple(cost), tuple(rows))


def _records(text: str) -> tuple[list[tuple[int, list[str]]], list[Problem]]:
    """Every record with its row number; a malformed one ends the reading with a problem."""
    reader = csv.reader(io.StringIO(text, newline=""))
    out: list[tuple[int, list[str]]] = []
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return out, []
        except csv.Error as exc:
            reason = str(exc)
            if "field larger than field limit" in reason:
                reason = f"a cell has more than {csv.field_size_limit():,} characters"
            where = (f"row {len(out) + 1}",)
            return out, [Problem(where, f"{reason}; the file is not read further")]
        out.append((len(out) + 1, cells))


def _header(cells: list[str], problems: list[Problem]) -> dict[str, int] | None:
    """The position of each column, or ``None`` (with problems) when the header is wrong."""
    alias = {a.casefold(): field for field, names in COST_COLUMNS.items() for a in names}
    found: dict[str, int] = {}
    bad = len(problems)
    for i, cell in enumerate(cells):
        field = alias.get(cell.strip().casefold())
        if field is None:
            known = ", ".join(names[0] for names in COST_COLUMNS.values())
            problems.append(Problem(("row 1",), f"unknown column {_shown(cell)}; use {known}"))
        elif field in found:
            problems.append(Problem(("row 1",), f"column {field} is named twice"))
        else:
            found[field] = i
    for field in COST_COLUMNS:
        if field not in found:
            problems.append(Problem(("row 1",), f"no column {field}"))
    return found if len(problems) == bad else None


def _minutes(cell: str, where: tuple[str], problems: list[Problem]) -> float | None:
    value = float(cell) if _NUMBER.match(cell) else math.nan
    if not (math.isfinite(value) and value >= 0):
        msg = f"must be a number of minutes >= 0, got {_shown(cell)}"
        problems.append(Problem(where, msg))
        return None
    return value


def _shown(text: str) -> str:
    return repr(text) if len(text) <= _SHOWN else repr(text[:_SHOWN])[:-1] + "…'"
