r"""Readers for the record files the metric modules take: activity, targets, population.

An edge module (it reads files); the metric modules themselves stay pure.

- :func:`read_activity`: activity records (:class:`~medalliance.indicators.Activity`) from a
  JSON or YAML file with the keys ``care``, ``referrals``, ``postings``, ``residents``;
  :func:`read_activity_csv`: the same from one CSV file per kind of record, with a header
  naming the fields (empty cells are left out; counts must be whole numbers).
- :func:`read_targets`: indicator targets
  (:class:`~medalliance.indicators.IndicatorTargets`) from YAML or JSON, in the format of
  the bundled ``data/indicator_targets.yaml``.
- :func:`read_population`: population points
  (:class:`~medalliance.accessibility.Population`) from CSV (columns ``id``, ``people`` and
  optionally ``lat``, ``lon``) or from JSON/YAML (a list of such mappings).

Every reader raises a :class:`~medalliance.errors.MedAllianceError` naming the file and
every problem with its place (``care[3].count``, ``rows[12].people``).

Examples
--------
>>> import tempfile, pathlib
>>> d = pathlib.Path(tempfile.mkdtemp())
>>> _ = (d / "pop.csv").write_text("id,people,lat,lon\nv1,1200,36.6,101.7\n", encoding="utf-8")
>>> read_population(d / "pop.csv").people.tolist()
[1200.0]
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, NamedTuple

from medalliance._parse import load_plain_yaml
from medalliance.accessibility import Population
from medalliance.errors import MedAllianceError, Problem, SchemaError
from medalliance.indicators import Activity, IndicatorTargets
from medalliance.io._files import read_text
from medalliance.referral.policy import ReferralPolicy, policy_from_data

__all__ = [
    "read_activity",
    "read_activity_csv",
    "read_policy",
    "read_population",
    "read_targets",
]

PathLike = str | Path
_INT = re.compile(r"^[+-]?[0-9]+$")
_POINT_FIELDS = ("id", "people", "lat", "lon")
_TRUE = frozenset({"true", "yes", "y", "1", "是"})
_FALSE = frozenset({"false", "no", "n", "0", "否"})


def _int_cell(cell: str) -> Any:
    return int(cell) if _INT.match(cell) else cell


def _float_cell(cell: str) -> Any:
    try:
        value = float(cell)
    except ValueError:
        return cell
    return value if math.isfinite(value) else cell


def _bool_cell(cell: str) -> Any:
    low = cell.lower()
    return True if low in _TRUE else False if low in _FALSE else cell


_ACTIVITY_CELLS: Mapping[str, Callable[[str], Any]] = {
    "count": _int_cell,
    "signed": _int_cell,
    "insurance_fund_yuan": _float_cell,
    "cost_yuan": _float_cell,
    "tcm": _bool_cell,
}
"""How activity CSV cells become numbers and flags; a cell that does not convert is kept as
text, so that the record's model reports it with its place."""


def _structured(path: PathLike) -> Any:
    text = read_text(path)
    return load_plain_yaml(text, source=str(path))


def _validated(model: Any, data: Any, source: str) -> Any:
    try:
        return model.model_validate(data)
    except MedAllianceError as exc:
        raise exc.with_source(source) from None


def read_activity(path: PathLike) -> Activity:
    r"""Read activity records from a JSON or YAML file.

    Raises
    ------
    MedAllianceError
        For a missing or malformed file, or invalid records (every problem, with its path).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "activity.yaml"
    >>> _ = p.write_text("referrals:\n  - {period: '2019', origin: a, destination: b, "
    ...                  "count: 55}\n", encoding="utf-8")
    >>> read_activity(p).referrals[0].count
    55
    """
    data = _structured(path)
    if not isinstance(data, dict):
        raise SchemaError(
            [Problem((), "expected a mapping with care, referrals, postings, residents")],
            source=str(path),
        )
    result: Activity = _validated(Activity, data, str(path))
    return result


def read_targets(path: PathLike) -> IndicatorTargets:
    """Read indicator targets from a YAML or JSON file.

    Raises
    ------
    MedAllianceError
        For a missing or malformed file, or invalid targets.

    Examples
    --------
    >>> read_targets("missing.yaml")
    Traceback (most recent call last):
    ...
    medalliance.errors.SchemaError: 1 problem in missing.yaml:
      - <root>: file not found
    """
    data = _structured(path)
    if not isinstance(data, dict):
        raise SchemaError([Problem((), "expected a mapping with targets")], source=str(path))
    result: IndicatorTargets = _validated(IndicatorTargets, data, str(path))
    return result


def _csv_rows(path: PathLike, field: str) -> tuple[list[dict[str, Any]], list[Problem]]:
    """Rows of an activity CSV file as dicts (numbers and flags converted).

    Empty cells are left out; the columns of :data:`_ACTIVITY_CELLS` are converted.
    """
    _, rows, problems = _csv_table(path, field, _ACTIVITY_CELLS)
    return rows, problems


def _csv_table(
    path: PathLike, field: str, cells: Mapping[str, Callable[[str], Any]] | None = None
) -> tuple[list[str] | None, list[dict[str, Any]], list[Problem]]:
    """Header (``None`` for an empty file) and rows of a CSV file.

    Empty cells are left out; the columns of ``cells`` are converted.
    """
    text = read_text(path)
    reader = csv.DictReader(io.StringIO(text))
    if reader.fieldnames is None:
        return None, [], []
    problems: list[Problem] = []
    header = [h.strip() for h in reader.fieldnames]
    if len(set(header)) != len(header):
        problems.append(Problem((field,), f"{path}: a column name appears twice"))
    rows: list[dict[str, Any]] = []
    for k, raw in enumerate(reader):
        if None in raw:  # reported; the row is kept so that later rows keep their positions
            problems.append(Problem((field, k), f"{path}: more cells than columns"))
            del raw[None]
        row: dict[str, Any] = {}
        for name, value in zip(header, raw.values(), strict=True):
            cell = (value or "").strip()
            if not cell:
                continue
            convert = cells.get(name) if cells is not None else None
            row[name] = convert(cell) if convert is not None else cell
        rows.append(row)
    return header, rows, problems


def read_activity_csv(
    *,
    care: PathLike | None = None,
    referrals: PathLike | None = None,
    postings: PathLike | None = None,
    residents: PathLike | None = None,
) -> Activity:
    r"""Read activity records from CSV files, one per kind of record.

    Each file has a header naming the fields of its record (e.g. ``period,kind,institution,
    county,resident_county,count`` for care, optionally with ``county_code``,
    ``resident_county_code``, ``insurance_fund_yuan``, ``cost_yuan`` and ``tcm``;
    ``period,origin,destination,count[,person]`` for referrals; ``period,county,count[,signed]``
    for residents). Empty cells are left out; ``count`` and ``signed`` must be whole numbers,
    the ``_yuan`` columns numbers, ``tcm`` true/false (是/否).

    Raises
    ------
    MedAllianceError
        For missing files, rows with too many cells, or invalid records, listing every
        problem with its place (``care[3].count``).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "referrals.csv"
    >>> _ = p.write_text("period,origin,destination,count\n2019,h,t,55\n2018,h,t,45\n",
    ...                  encoding="utf-8")
    >>> [r.count for r in read_activity_csv(referrals=p).referrals]
    [55, 45]
    """
    data: dict[str, Any] = {}
    problems: list[Problem] = []
    sources = []
    for field, path in (
        ("care", care),
        ("referrals", referrals),
        ("postings", postings),
        ("residents", residents),
    ):
        if path is None:
            continue
        sources.append(str(path))
        rows, bad = _csv_rows(path, field)
        data[field] = rows
        problems.extend(bad)
    source = ", ".join(sources) or None
    if problems:
        raise MedAllianceError(problems, source=source)
    try:
        return Activity.model_validate(data)
    except MedAllianceError as exc:
        raise exc.with_source(source) if source else exc from None


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return None
    return None


def read_population(path: PathLike) -> Population:
    r"""Read population points: CSV with ``id,people[,lat,lon]`` or a JSON/YAML list.

    Raises
    ------
    MedAllianceError
        Naming every problem at once: a missing, empty or malformed file; a CSV header with
        an unknown or a missing column (once, at ``columns``); a missing value or one that is
        not a finite number; and every problem :class:`~medalliance.accessibility.Population`
        finds in the other values (duplicate ids, negative people, coordinates out of
        range), each with its row. When some points have coordinates, all must.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "pop.csv"
    >>> _ = p.write_text("id,people\nv1,12\nv2,many\n", encoding="utf-8")
    >>> read_population(p)
    Traceback (most recent call last):
    ...
    medalliance.errors.MedAllianceError: 1 problem in ...pop.csv:
      - rows[1].people: must be a number, got 'many'
    """
    source = str(path)
    if Path(path).suffix.lower() == ".csv":
        found = _csv_points(path, source)
    else:
        found = _structured_points(path, source)
    problems = found.problems
    columns = _point_columns(found)
    population = _population(columns, coordinates=found.coordinates, problems=problems)
    if problems or population is None:
        raise MedAllianceError(problems, source=source)
    return population


class _PointRows(NamedTuple):
    """Population rows as read, before their values are checked."""

    rows: list[Any]
    problems: list[Problem]
    coordinates: bool
    """Whether the points have coordinates (``lat``/``lon`` given anywhere)."""
    absent: frozenset[str] = frozenset()
    """CSV columns missing from the header (reported once, not per row)."""
    per_row_fields: bool = True
    """Whether unknown fields are reported per row (a CSV reports its header instead)."""


class _PointColumns(NamedTuple):
    """The values of population rows by column; ``bad_cells`` hold placeholders."""

    ids: list[str]
    people: list[float]
    lats: list[float]
    lons: list[float]
    bad_cells: set[tuple[int, str]]


def _csv_points(path: PathLike, source: str) -> _PointRows:
    """The rows of a population CSV, with the problems of its header."""
    header, rows, problems = _csv_table(path, "rows")
    if header is None:
        raise SchemaError(
            [Problem((), "empty file: expected a header line id,people[,lat,lon]")],
            source=source,
        )
    unknown = [h for h in header if h not in _POINT_FIELDS]
    if unknown:
        problems.append(
            Problem(
                ("columns",),
                f"unknown column(s): {', '.join(unknown)}; expected id, people, lat, lon",
            )
        )
    coordinates = "lat" in header or "lon" in header
    wanted = ("id", "people", *(("lat", "lon") if coordinates else ()))
    absent = frozenset(h for h in wanted if h not in header)
    if absent:
        missing = ", ".join(h for h in wanted if h in absent)
        problems.append(Problem(("columns",), f"missing column(s): {missing}"))
    return _PointRows(rows, problems, coordinates, absent, per_row_fields=False)


def _structured_points(path: PathLike, source: str) -> _PointRows:
    """The points of a population JSON/YAML file (a list, or a mapping with ``points``)."""
    data = _structured(path)
    if isinstance(data, dict) and "points" in data:
        data = data["points"]
    if not isinstance(data, list) or not all(isinstance(r, dict) for r in data):
        raise SchemaError(
            [Problem((), "expected a list of points with id and people")], source=source
        )
    coordinates = any("lat" in r or "lon" in r for r in data)
    return _PointRows(data, [], coordinates)


def _point_columns(found: _PointRows) -> _PointColumns:
    """Check every row's values; a missing or non-numeric cell is reported and held by 0."""
    problems = found.problems
    out = _PointColumns([], [], [], [], set())
    for k, r in enumerate(found.rows):
        unknown_fields = sorted(set(r) - set(_POINT_FIELDS))
        if unknown_fields and found.per_row_fields:
            problems.append(Problem(("rows", k), f"unknown field(s): {', '.join(unknown_fields)}"))
        for name, values in (
            ("id", None),
            ("people", out.people),
            *((("lat", out.lats), ("lon", out.lons)) if found.coordinates else ()),
        ):
            if name not in r:
                out.bad_cells.add((k, name))
                if name not in found.absent:
                    problems.append(Problem(("rows", k, name), "missing"))
                if values is not None:
                    values.append(0.0)
                continue
            if values is None:
                continue
            v = _number(r[name])
            if v is None or not math.isfinite(v):
                problems.append(Problem(("rows", k, name), f"must be a number, got {r[name]!r}"))
                out.bad_cells.add((k, name))
                v = 0.0
            values.append(v)
        out.ids.append(str(r.get("id", "")))
    return out


def _population(
    columns: _PointColumns, *, coordinates: bool, problems: list[Problem]
) -> Population | None:
    """Build the Population; its problems are added to ``problems`` at their rows."""
    ids, people, lats, lons, bad_cells = columns
    try:
        return Population(
            ids, people, lat=lats if coordinates else None, lon=lons if coordinates else None
        )
    except MedAllianceError as exc:
        # Population names its arrays by position; the file names its columns by row. Cells
        # already reported (missing, not a number) hold placeholders: their checks are dropped.
        column = {"ids": "id"}
        for p in exc.problems:
            if len(p.path) == 2 and isinstance(p.path[1], int):
                row, name = p.path[1], column.get(str(p.path[0]), str(p.path[0]))
                if (row, name) not in bad_cells:
                    problems.append(Problem(("rows", row, name), p.message))
            else:
                problems.append(p)
        return None


def read_policy(path: PathLike) -> ReferralPolicy:
    """Read a referral policy from a YAML or JSON file (UTF-8, safe loading).

    Raises
    ------
    MedAllianceError
        For a missing or unreadable file, malformed content or invalid criteria, each
        problem with its path and the file's name.

    Examples
    --------
    >>> read_policy("no_such_policy.yaml")
    Traceback (most recent call last):
    ...
    medalliance.errors.SchemaError: 1 problem in no_such_policy.yaml:
      - <root>: file not found
    """
    source = str(path)
    return policy_from_data(load_plain_yaml(read_text(path), source=source), source=source)
