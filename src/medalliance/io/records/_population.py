"""Reading population points from CSV, JSON or YAML. Private to :mod:`medalliance.io.records`.

Both forms are read into :class:`_Point` s (the values that could be read, every other problem
already a :class:`~medalliance.io.records._csv.Spot`), then one :class:`Population` is built
and its problems are put back at the rows (CSV) or points (JSON/YAML) they come from.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, NamedTuple

from medalliance.accessibility import Population
from medalliance.errors import MedAllianceError, PathItem, Problem, SchemaError, quote
from medalliance.io.records._csv import (
    CellError,
    Spot,
    Table,
    expected,
    number_cell,
    problems,
    read_table,
)
from medalliance.io.records._headers import HEADER_ALIASES

_FIELDS = tuple(HEADER_ALIASES["population"])
_NUMBERS = ("people", "lat", "lon")
_Where = Callable[[int, "str | None"], tuple[tuple[int, ...], tuple[PathItem, ...]]]
"""Where a field of a point is: its sort order and its path (``None``: the whole point)."""


class _Point(NamedTuple):
    """One point as read: its place (row or position) and the values that could be read."""

    key: int
    id: str | None
    numbers: dict[str, float]


class _Points(NamedTuple):
    """The points of a file, whether they have coordinates, the problems found so far."""

    points: list[_Point]
    coordinates: bool
    spots: list[Spot]
    where: _Where


def population_from_csv(path: str | Path) -> _Points:
    """The points of a population CSV file, with the problems of its header and cells."""
    table = read_table(path, "population", what="id,people[,lat,lon] (or 村名,人口[,纬度,经度])")
    spots = table.spots
    coordinates = "lat" in table.columns or "lon" in table.columns
    wanted = ("id", "people", *(("lat", "lon") if coordinates else ()))
    absent = [f for f in wanted if f not in table.columns]
    if absent:
        spots.append(
            table.spot(
                table.header_row, None, f"missing column(s): {expected('population', absent)}"
            )
        )
    points = [_csv_point(table, n, cells, wanted) for n, cells in table.rows]
    return _Points(points, coordinates, spots, table.where)


def _csv_point(table: Table, n: int, cells: list[str], wanted: tuple[str, ...]) -> _Point:
    numbers: dict[str, float] = {}
    ident: str | None = None
    for field in wanted:
        col = table.columns.get(field)
        if col is None:
            continue  # reported once, at the header
        cell = cells[col.position] if col.position < len(cells) else ""
        if not cell:
            table.spots.append(table.spot(n, field, "missing"))
        elif field == "id":
            ident = cell
        else:
            try:
                numbers[field] = number_cell(cell)
            except CellError as exc:
                table.spots.append(table.spot(n, field, str(exc)))
    return _Point(n, ident, numbers)


def population_from_data(data: Any, source: str) -> _Points:
    """The points of parsed JSON/YAML: a list of points, or a mapping with only ``points``."""
    spots: list[Spot] = []
    if isinstance(data, Mapping):
        others = [str(k) for k in data if k != "points"]
        if "points" not in data:
            got = f"a mapping with {', '.join(others)}" if others else "an empty mapping"
            raise SchemaError(
                [Problem((), f"expected a list of points, or a mapping with 'points'; got {got}")],
                source=source,
            )
        if others:
            spots.append(
                Spot(
                    (-1, 0),
                    (),
                    f"unknown key(s) beside points: {', '.join(others)}; "
                    "a population file has only 'points'",
                )
            )
        data = data["points"]
    if not isinstance(data, list):
        raise SchemaError(
            [
                *problems(spots),
                Problem((), f"expected a list of points with id and people, got {_kind(data)}"),
            ],
            source=source,
        )
    points = [_data_point(k, item, spots) for k, item in enumerate(data)]
    coordinates = any(
        isinstance(item, Mapping) and ("lat" in item or "lon" in item) for item in data
    )

    def where(k: int, field: str | None) -> tuple[tuple[int, ...], tuple[PathItem, ...]]:
        if field is None:
            return (k, -1), ("points", k)
        return (k, _FIELDS.index(field)), ("points", k, field)

    for k, item in enumerate(data):
        if not isinstance(item, Mapping):
            continue
        for field in ("id", "people", *(("lat", "lon") if coordinates else ())):
            if field not in item:
                order, path = where(k, field)
                spots.append(Spot(order, path, "missing"))
    return _Points(
        [p or _Point(k, None, {}) for k, p in enumerate(points)], coordinates, spots, where
    )


def _kind(value: Any) -> str:
    return "null" if value is None else type(value).__name__


def _data_point(k: int, item: Any, spots: list[Spot]) -> _Point | None:
    """One point of a JSON/YAML list (its keys are the field names: id, people, lat, lon)."""
    if not isinstance(item, Mapping):
        spots.append(
            Spot(
                (k, -1), ("points", k), f"expected a mapping with id and people, got {quote(item)}"
            )
        )
        return None
    ident: str | None = None
    numbers: dict[str, float] = {}
    unknown = []
    for key, value in item.items():
        if key not in _FIELDS:
            unknown.append(str(key))
            continue
        try:
            if key == "id":
                ident = _id_value(value)
            else:
                numbers[key] = _number_value(value)
        except CellError as exc:
            spots.append(Spot((k, _FIELDS.index(key)), ("points", k, key), str(exc)))
    if unknown:
        spots.append(
            Spot(
                (k, -1),
                ("points", k),
                f"unknown field(s): {', '.join(unknown)}; expected id, people, lat, lon",
            )
        )
    return _Point(k, ident, numbers)


def _id_value(value: Any) -> str:
    """An id of a JSON/YAML point: text only (a number would not be kept as written)."""
    if isinstance(value, str):
        if not value.strip():
            raise CellError("must not be empty")
        return value
    if value is None:
        raise CellError("missing (null)")
    if isinstance(value, int) and not isinstance(value, bool):
        raise CellError(f'must be text: write it in quotes ("{value}")')
    raise CellError(f"must be text, got {_kind(value)} {quote(value)}")


def _number_value(value: Any) -> float:
    """A number of a JSON/YAML point: an int or a finite float; text is not converted."""
    if value is None:
        raise CellError("missing (null)")
    if isinstance(value, bool) or not isinstance(value, int | float):
        hint = ": write it without quotes" if isinstance(value, str) else ""
        raise CellError(f"must be a number, got {_kind(value)} {quote(value)}{hint}")
    try:
        number = float(value)
    except OverflowError:
        raise CellError(f"is too large: {quote(value)}") from None
    if not math.isfinite(number):
        raise CellError(f"must be a finite number, got {quote(value)}")
    return number


def build_population(found: _Points, source: str) -> Population:
    """The Population of ``found``, or every problem at its row or point."""
    spots = list(found.spots)
    ids: list[str] = []
    columns: dict[str, list[float]] = {f: [] for f in _NUMBERS}
    keys: list[int] = []
    held: set[tuple[int, str]] = set()  # (position, field) of values already reported
    wanted = _NUMBERS if found.coordinates else ("people",)
    for i, point in enumerate(found.points):
        keys.append(point.key)
        if point.id is None:
            held.add((i, "id"))
        ids.append(point.id if point.id is not None else "")
        for field in wanted:
            if field not in point.numbers:
                held.add((i, field))
            columns[field].append(point.numbers.get(field, 0.0))
    try:
        population = Population(
            ids,
            columns["people"],
            lat=columns["lat"] if found.coordinates else None,
            lon=columns["lon"] if found.coordinates else None,
        )
    except MedAllianceError as exc:
        # Population names its arrays by position; the file names its rows and columns.
        population = None
        for p in exc.problems:
            if len(p.path) == 2 and isinstance(p.path[1], int):
                i, field = p.path[1], {"ids": "id"}.get(str(p.path[0]), str(p.path[0]))
                if (i, field) not in held:
                    order, path = found.where(keys[i], field)
                    spots.append(Spot(order, path, p.message))
            else:
                spots.append(Spot((-1, 0), p.path, p.message))
    if spots or population is None:
        raise MedAllianceError(problems(spots), source=source)
    return population
