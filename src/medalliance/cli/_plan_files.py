"""The small CSV files of ``medalliance plan``: capacities, units, adjacency, groups, values.

Each file has a header naming its columns (in any order; case and surrounding spaces do not
matter; the Chinese names work too). Rows are numbered as a spreadsheet shows them (the
header is row 1); blank rows are skipped. Every problem of a file is named at once by row
and column, and the file is not used at all when there is one:

- capacities (``plan sites --capacity``): ``site,capacity`` — people each site can serve;
- units (``plan partition --units``, ``plan check-grid --units``): ``unit,people[,lead]`` —
  ``people`` >= 0 (needed by ``partition`` only), ``lead`` ``yes``/``no`` (是/否; the units
  where a group's lead hospital sits);
- adjacency (``plan partition --adjacency``): ``unit,neighbour`` — one row per pair of units
  that touch, in either order;
- groups (``plan check-grid --groups``): ``group,unit`` — one row per unit of a group;
- values (``plan equity``): an id column and the columns ``--value`` names (any headers).
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import NamedTuple

from medalliance.errors import MedAllianceError, Problem

_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?\Z")
_YES = frozenset({"yes", "y", "true", "1", "是"})
_NO = frozenset({"no", "n", "false", "0", "否", ""})
_SHOWN = 20

UNIT = ("unit", "id", "street", "cell", "街道", "单元", "网格")
CAPACITY_COLUMNS = {"site": ("site", "id", "机构"), "capacity": ("capacity", "容量")}
UNIT_COLUMNS = {"unit": UNIT, "people": ("people", "population", "人口"), "lead": ("lead", "牵头")}
ADJACENCY_COLUMNS = {"unit": UNIT, "neighbour": ("neighbour", "neighbor", "相邻")}
GROUP_COLUMNS = {"group": ("group", "集团", "医疗集团"), "unit": UNIT}


class Rows(NamedTuple):
    """A CSV file as read: the header cells and every non-blank row with its number."""

    header: list[str]
    rows: list[tuple[int, list[str]]]


def read_rows(path: str, what: str) -> Rows:
    """The header and rows of a CSV file (``what`` describes its columns for messages)."""
    from medalliance.io._files import read_text

    if Path(path).suffix.lower() != ".csv":
        suffix = Path(path).suffix
        msg = f"unknown file type {suffix!r} for {what}; use .csv"
        raise MedAllianceError([Problem((), msg)], source=path)
    text = read_text(path)
    reader = csv.reader(io.StringIO(text, newline=""))
    records: list[tuple[int, list[str]]] = []
    try:
        for n, cells in enumerate(reader, start=1):
            if any(c.strip() for c in cells):
                records.append((n, [c.strip() for c in cells]))
    except csv.Error as exc:
        msg = f"{exc}; the file is not read further"
        raise MedAllianceError([Problem((f"row {len(records) + 1}",), msg)], source=path) from None
    if not records:
        msg = f"empty file: expected a header line {what}"
        raise MedAllianceError([Problem((), msg)], source=path)
    (_, header), rows = records[0], records[1:]
    return Rows(header, rows)


def positions(
    header: Sequence[str],
    columns: Mapping[str, tuple[str, ...]],
    required: Sequence[str],
    problems: list[Problem],
    *,
    strict: bool = True,
) -> dict[str, int]:
    """The position of each field's column; unknown (``strict``), repeated, missing: problems."""
    alias = {a.casefold(): f for f, names in columns.items() for a in names}
    found: dict[str, int] = {}
    for i, cell in enumerate(header):
        field = alias.get(cell.casefold())
        if field is None:
            if strict:
                known = ", ".join(names[0] for names in columns.values())
                problems.append(Problem(("row 1",), f"unknown column {cell!r}; use {known}"))
        elif field in found:
            problems.append(Problem(("row 1",), f"column {field} is named twice"))
        else:
            found[field] = i
    for field in required:
        if field not in found:
            problems.append(Problem(("row 1",), f"no column {field}"))
    return found


def cell(cells: list[str], i: int) -> str:
    """The cell at ``i`` (empty when the row is short)."""
    return cells[i] if i < len(cells) else ""


def number(text: str, where: tuple[str], problems: list[Problem], *, what: str) -> float | None:
    """A finite number >= 0 written with the digits 0-9, or ``None`` with a problem."""
    if not text:
        problems.append(Problem(where, "missing"))
        return None
    if not _NUMBER.match(text):
        problems.append(Problem(where, f"must be a number of {what} >= 0, got {text!r}"))
        return None
    value = float(text)
    if not math.isfinite(value) or value < 0:
        problems.append(Problem(where, f"must be a number of {what} >= 0, got {text!r}"))
        return None
    return value


def fail(problems: list[Problem], source: str) -> None:
    """Raise one error with the problems (at most ``_SHOWN`` rows and a count of the rest)."""
    if not problems:
        return
    if len(problems) > _SHOWN:
        more = len(problems) - _SHOWN
        problems = [*problems[:_SHOWN], Problem((), f"... and {more} more problems like these")]
    raise MedAllianceError(problems, source=source)


def _ident(text: str, where: tuple[str], problems: list[Problem]) -> str | None:
    if not text:
        problems.append(Problem(where, "missing"))
        return None
    return text


def read_capacities(path: str) -> dict[str, float]:
    """``site,capacity`` rows: the people each site can serve."""
    table = read_rows(path, "site,capacity")
    problems: list[Problem] = []
    pos = positions(table.header, CAPACITY_COLUMNS, ("site", "capacity"), problems)
    fail(problems, path)
    out: dict[str, float] = {}
    for n, cells in table.rows:
        site = _ident(cell(cells, pos["site"]), (f"row {n}, column site",), problems)
        where = (f"row {n}, column capacity",)
        value = number(cell(cells, pos["capacity"]), where, problems, what="people")
        if site is not None and site in out:
            problems.append(Problem((f"row {n}, column site",), f"site {site!r} is listed twice"))
        elif site is not None and value is not None:
            out[site] = value
    fail(problems, path)
    return out


class Units(NamedTuple):
    """The units of a units file, their people (0 when not given) and the lead units."""

    ids: list[str]
    people: list[float]
    leads: list[str]
    has_people: bool


def read_units(path: str, *, need_people: bool) -> Units:
    """``unit,people[,lead]`` rows (``people`` required when ``need_people``)."""
    table = read_rows(path, "unit,people[,lead]")
    problems: list[Problem] = []
    required = ("unit", "people") if need_people else ("unit",)
    pos = positions(table.header, UNIT_COLUMNS, required, problems)
    fail(problems, path)
    ids: list[str] = []
    people: list[float] = []
    leads: list[str] = []
    seen: set[str] = set()
    for n, cells in table.rows:
        unit = _ident(cell(cells, pos["unit"]), (f"row {n}, column unit",), problems)
        count = 0.0
        if "people" in pos:
            where = (f"row {n}, column people",)
            got = number(cell(cells, pos["people"]), where, problems, what="people")
            count = 0.0 if got is None else got
        lead = False
        if "lead" in pos:
            flag = cell(cells, pos["lead"]).casefold()
            lead = flag in _YES
            if flag not in _YES and flag not in _NO:
                msg = f"must be yes or no (是/否), got {cell(cells, pos['lead'])!r}"
                problems.append(Problem((f"row {n}, column lead",), msg))
        if unit is None:
            continue
        if unit in seen:
            problems.append(Problem((f"row {n}, column unit",), f"unit {unit!r} is listed twice"))
            continue
        seen.add(unit)
        ids.append(unit)
        people.append(count)
        if lead:
            leads.append(unit)
    fail(problems, path)
    return Units(ids, people, leads, "people" in pos)


def read_pairs(
    path: str, columns: Mapping[str, tuple[str, ...]], known: set[str] | None
) -> list[tuple[str, str]]:
    """Two-column rows (``unit,neighbour`` or ``group,unit``); units checked against ``known``."""
    first, second = list(columns)
    table = read_rows(path, f"{first},{second}")
    problems: list[Problem] = []
    pos = positions(table.header, columns, (first, second), problems)
    fail(problems, path)
    out: list[tuple[str, str]] = []
    for n, cells in table.rows:
        values = []
        for field in (first, second):
            where = (f"row {n}, column {field}",)
            value = _ident(cell(cells, pos[field]), where, problems)
            is_unit = field in ("unit", "neighbour")
            if value is not None and known is not None and is_unit and value not in known:
                problems.append(Problem(where, f"unit {value!r} is not in the units file"))
                value = None
            values.append(value)
        a, b = values
        if a is not None and b is not None:
            out.append((a, b))
    fail(problems, path)
    return out
