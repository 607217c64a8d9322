"""pandas and GeoPandas tables of a registry, and back (the ``tables`` extra).

:func:`to_frames` turns a :class:`~medalliance.model.registry.Registry` into one DataFrame per kind
of record (a :class:`RegistryFrames`); :func:`from_frames` validates such frames back into a
registry, so ``from_frames(to_frames(reg)) == reg`` for every registry.
:func:`to_geodataframe` gives the institutions as points (EPSG:4326) for GeoPandas.

The tables and their columns:

================  =====================================================================
table             one row per
================  =====================================================================
``sources``       :class:`~medalliance.model.registry.Source`
``institutions``  :class:`~medalliance.model.institution.Institution`
``alliances``     :class:`~medalliance.model.alliance.Alliance` (without its nested records)
``memberships``   :class:`~medalliance.model.alliance.Membership`, with its ``alliance`` id
``shared_centres``  :class:`~medalliance.model.alliance.SharedCentre`, with its ``alliance`` id
``expert_clinics``  :class:`~medalliance.model.alliance.ExpertClinic`, with its ``alliance`` id
``declared``      :class:`~medalliance.model.alliance.DeclaredFigure`, with its ``alliance`` id
``agreements``    :class:`~medalliance.model.agreement.Agreement`, items included
================  =====================================================================

Encoding rules (the same both ways):

- Columns are named like the model fields. ``region`` is flattened to ``province``,
  ``city``, ``county``, ``township`` and ``division_code``; ``provenance`` to
  ``provenance_source``, ``provenance_quote``, ``provenance_inferred`` and
  ``provenance_note``.
- Categorical fields (tier, kind, role, form, ...) are pandas categoricals of their canonical
  values; ordered ones (``tier``, ``tightness``) sort by rank. Any accepted label is read
  back, e.g. ``三级`` for ``tertiary``.
- Tuple fields (``aliases``, ``specialties``, ``services``, ``lead``, ``parties``,
  ``items``, ``weekdays``, ...) hold Python tuples in object columns: no separator, nothing
  to escape. Use ``DataFrame.explode`` for a long table. When reading, a list, tuple or
  array is accepted; a string is an error (split it first, e.g.
  ``df["aliases"].str.split(";")``). ``serves`` holds ``"all"`` or a tuple of ids.
- Counts (``beds``, ``population_served``, ``capacity_per_day``) are nullable ``Int64``.
  When reading, a float is accepted only if it is a whole number (pandas stores integer
  columns with gaps as floats); ``12.5`` is an error, never rounded. A declared figure's
  ``value`` (an object column of ints and floats) is read the same way when its unit is a
  count.
- Dates are ``datetime64[s]``. When reading, a date, an ISO ``YYYY-MM-DD`` string or a
  timestamp at midnight without a time zone is accepted; any other time of day is an error.
- A missing value (``None``, ``NaN``, ``NaT``, ``pd.NA``) means the field's default:
  ``None``, an empty tuple, or the stated default (role ``member``, tightness ``loose``,
  qualifier ``exact``, status ``in_force``, serves ``all``). In a required column it is an
  error.
- Row order is kept: institutions, alliances, agreements and sources come out sorted by id
  (the registry's canonical order); the rows of one alliance in ``memberships``,
  ``shared_centres``, ``expert_clinics`` and ``declared`` keep the alliance's order, which
  ``from_frames`` restores.

:func:`from_frames` reports every problem at once: a table that is not a DataFrame, a missing
required column, an unknown column, a missing value in a required column, a value of the
wrong type, a child row whose ``alliance`` is not in the alliances table, and every problem
the registry's own validation finds, each with the path ``table[row].column`` (``row`` is
the position, as in ``df.iloc[row]``). Input frames are never modified.

Examples
--------
>>> from medalliance import examples
>>> reg = examples.load("shanghai_luwan")
>>> frames = to_frames(reg)
>>> frames.institutions[["id", "tier", "beds"]].head(3)
                   id       tier  beds
0        dapuqiao_chc    primary  <NA>
1  huaihaizhonglu_chc    primary  <NA>
2       luwan_dongnan  secondary  <NA>
>>> frames.memberships.groupby("role", observed=True).size().to_dict()
{'lead': 1, 'member': 6}
>>> from_frames(frames) == reg
True
"""

from __future__ import annotations

import datetime as _dt
import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, fields
from enum import Enum
from operator import attrgetter
from typing import Any, Literal

from medalliance._optional import require
from medalliance.errors import MedAllianceError, Problem
from medalliance.model.agreement import AgreementStatus
from medalliance.model.alliance import (
    AllianceForm,
    CentreKind,
    FigureUnit,
    MemberRole,
    Qualifier,
    Tightness,
)
from medalliance.model.institution import Grade, InstitutionKind, Ownership, Tier
from medalliance.model.registry import Registry
from medalliance.model.vocab import RankedEnum, ServiceKind, Specialty

__all__ = ["RegistryFrames", "from_frames", "to_frames", "to_geodataframe"]

_Kind = Literal["text", "enum", "tuple", "count", "float", "date", "value", "serves"]


@dataclass(frozen=True)
class _Column:
    """One column: its name, where its value sits in a record, how it is encoded."""

    name: str
    path: tuple[str, ...]
    kind: _Kind
    required: bool = False
    enum: type[Enum] | None = None


def _text(name: str, *, required: bool = False, path: tuple[str, ...] = ()) -> _Column:
    return _Column(name, path or (name,), "text", required)


def _enum(name: str, enum: type[Enum], *, required: bool = False) -> _Column:
    return _Column(name, (name,), "enum", required, enum)


def _tuple(name: str, *, required: bool = False, path: tuple[str, ...] = ()) -> _Column:
    return _Column(name, path or (name,), "tuple", required)


def _of(kind: _Kind, name: str, *, required: bool = False) -> _Column:
    return _Column(name, (name,), kind, required)


_REGION = tuple(
    _text(f, path=("region", f))
    for f in ("province", "city", "county", "township", "division_code")
)
_PROVENANCE = (
    _text("provenance_source", path=("provenance", "source")),
    _text("provenance_quote", path=("provenance", "quote")),
    _tuple("provenance_inferred", path=("provenance", "inferred")),
    _text("provenance_note", path=("provenance", "note")),
)
_ALLIANCE_ID = _text("alliance", required=True)

_SPECS: dict[str, tuple[_Column, ...]] = {
    "sources": (
        _text("id", required=True),
        _text("title", required=True),
        _text("file"),
        _text("url"),
        _of("date", "published"),
        _text("note"),
    ),
    "institutions": (
        _text("id", required=True),
        _text("name", required=True),
        _text("name_en"),
        _tuple("aliases"),
        _enum("kind", InstitutionKind, required=True),
        _enum("tier", Tier),
        _enum("grade", Grade),
        _enum("ownership", Ownership),
        *_REGION,
        _of("float", "lat"),
        _of("float", "lon"),
        _of("count", "beds"),
        _tuple("specialties"),
        _tuple("services"),
        _of("count", "population_served"),
        *_PROVENANCE,
    ),
    "alliances": (
        _text("id", required=True),
        _text("name", required=True),
        _text("name_en"),
        _tuple("aliases"),
        _enum("form", AllianceForm, required=True),
        _enum("tightness", Tightness),
        _tuple("lead", required=True),
        _enum("specialty", Specialty),
        *_REGION,
        _of("date", "founded"),
        _tuple("provisions"),
        _tuple("policy_basis"),
        _text("description"),
        *_PROVENANCE,
    ),
    "memberships": (
        _ALLIANCE_ID,
        _text("institution", required=True),
        _enum("role", MemberRole),
        _of("date", "joined"),
        *_PROVENANCE,
    ),
    "shared_centres": (
        _ALLIANCE_ID,
        _text("id", required=True),
        _enum("kind", CentreKind, required=True),
        _text("host", required=True),
        _text("name"),
        _tuple("services"),
        _of("serves", "serves"),
        _of("count", "capacity_per_day"),
        *_PROVENANCE,
    ),
    "expert_clinics": (
        _ALLIANCE_ID,
        _text("id", required=True),
        _text("host", required=True),
        _text("site", required=True),
        _enum("department", Specialty, required=True),
        _tuple("weekdays", required=True),
        _of("date", "start"),
        *_PROVENANCE,
    ),
    "declared": (
        _ALLIANCE_ID,
        _text("metric", required=True),
        _of("value", "value", required=True),
        _enum("unit", FigureUnit, required=True),
        _enum("qualifier", Qualifier),
        _text("subject"),
        _enum("service", ServiceKind),
        _text("period"),
        _text("description"),
        *_PROVENANCE,
    ),
    "agreements": (
        _text("id", required=True),
        _text("alliance", required=True),
        _tuple("parties", required=True),
        _tuple("items", required=True),
        _text("title"),
        _of("date", "signed"),
        _of("date", "valid_from"),
        _of("date", "valid_until"),
        _enum("status", AgreementStatus),
        *_PROVENANCE,
    ),
}
# nested alliance collections and the table each is stored in (same names)
_CHILDREN = ("memberships", "shared_centres", "expert_clinics", "declared")
_TOP = ("sources", "institutions", "alliances", "agreements")


@dataclass(frozen=True, eq=False)
class RegistryFrames:
    """The tables of a registry: one pandas DataFrame per kind of record.

    Returned by :func:`to_frames`; :func:`from_frames` reads it back. Build one by hand to
    load your own tables: a table left as ``None`` is empty, and columns of optional fields
    may be left out (see the module documentation for the columns and encoding rules).

    Attributes
    ----------
    institutions, alliances, memberships, agreements, shared_centres, expert_clinics, \
declared, sources : pandas.DataFrame or None
        The tables (``None``: no rows).
    title, description : str or None
        The registry's title and description.

    Examples
    --------
    >>> from medalliance import examples
    >>> frames = to_frames(examples.load("gangkou"))
    >>> frames
    RegistryFrames(institutions=5, alliances=1, memberships=5, agreements=0, shared_centres=4, \
expert_clinics=0, declared=22, sources=1)
    >>> [name for name, table in frames.tables()][:3]
    ['institutions', 'alliances', 'memberships']
    """

    institutions: Any = None
    alliances: Any = None
    memberships: Any = None
    agreements: Any = None
    shared_centres: Any = None
    expert_clinics: Any = None
    declared: Any = None
    sources: Any = None
    title: str | None = None
    description: str | None = None

    def tables(self) -> tuple[tuple[str, Any], ...]:
        """The ``(name, DataFrame or None)`` pairs, in field order.

        Examples
        --------
        >>> from medalliance import examples
        >>> [(name, len(df)) for name, df in to_frames(examples.load("gangkou")).tables()][:3]
        [('institutions', 5), ('alliances', 1), ('memberships', 5)]
        """
        return tuple((f.name, getattr(self, f.name)) for f in fields(self) if f.name in _SPECS)

    def __iter__(self) -> Iterator[tuple[str, Any]]:
        return iter(self.tables())

    def __repr__(self) -> str:
        parts = ", ".join(f"{name}={_length(df)}" for name, df in self.tables())
        return f"RegistryFrames({parts})"

    def _repr_html_(self) -> str:
        from medalliance.display import frames_html

        return frames_html(self)


def _length(df: Any) -> str:
    if df is None:
        return "0"
    try:
        return str(len(df))
    except TypeError:
        return "?"


# -- registry -> frames ---------------------------------------------------------------------


def _raw_values(col: _Column, records: Sequence[Any]) -> list[Any]:
    """The field values of ``col`` for every record (``None`` where an outer value is)."""
    if len(col.path) == 1:
        return list(map(attrgetter(col.path[0]), records))
    outer, inner = col.path
    get = attrgetter(inner)
    return [None if (o := getattr(r, outer)) is None else get(o) for r in records]


def _cells(col: _Column, records: Sequence[Any]) -> list[Any]:
    """The cell values of ``col``: enum values, tuples of plain values."""
    raw = _raw_values(col, records)
    if col.kind == "enum":
        assert col.enum is not None
        values = {m: m.value for m in col.enum}
        return [values.get(v) for v in raw]
    if col.kind == "tuple":
        memo: dict[tuple[Any, ...], tuple[Any, ...]] = {(): ()}
        out = []
        for v in raw:
            if v is None:
                out.append(())
                continue
            got = memo.get(v)
            if got is None:
                got = tuple(x.value if isinstance(x, Enum) else x for x in v)
                memo[v] = got
            out.append(got)
        return out
    if col.kind == "serves":
        return [v if isinstance(v, str) else tuple(v) for v in raw]
    return raw


def _series(pd: Any, col: _Column, values: list[Any]) -> Any:
    import numpy as np

    kind = col.kind
    if kind == "enum":
        assert col.enum is not None
        cats = [m.value for m in col.enum]
        return pd.Categorical(values, categories=cats, ordered=issubclass(col.enum, RankedEnum))
    if kind == "count":
        return pd.array(values, dtype="Int64")
    if kind == "float":
        return np.array([math.nan if v is None else v for v in values], dtype="float64")
    if kind == "date":
        days = np.array(
            [np.datetime64("NaT") if v is None else np.datetime64(v, "D") for v in values],
            dtype="datetime64[D]",
        )
        return days.astype("datetime64[s]")
    if kind == "text" and not pd.__version__.startswith(("0.", "1.", "2.")):
        return pd.array(values, dtype="str")  # pandas 3 string dtype, missing values as NaN
    return pd.Series(values, dtype=object)


def _frame(pd: Any, table: str, records: Sequence[Any], extra: Sequence[Any] = ()) -> Any:
    """Build the DataFrame of ``records``; ``extra`` gives the alliance id of each row."""
    data: dict[str, Any] = {}
    for col in _SPECS[table]:
        if table in _CHILDREN and col.name == "alliance":
            values = list(extra)
        else:
            values = _cells(col, records)
        data[col.name] = _series(pd, col, values)
    return pd.DataFrame(data)


def to_frames(registry: Registry) -> RegistryFrames:
    """The registry as pandas DataFrames, one per kind of record.

    Parameters
    ----------
    registry : Registry
        The registry; not modified.

    Returns
    -------
    RegistryFrames
        The tables (see the module documentation for columns and encoding). New frames on
        every call: changing them does not change the registry.

    Raises
    ------
    ImportError
        When pandas is not installed (``pip install 'medalliance[tables]'``).

    Examples
    --------
    >>> from medalliance import examples
    >>> frames = to_frames(examples.load("county_township"))
    >>> frames.agreements[["id", "parties"]].iloc[0].tolist()
    ['county_township_agreement', ('county_hospital', 'township_centre')]
    >>> frames.agreements["items"].iloc[0][:2]
    ('two_way_referral', 'priority_reception')
    >>> frames.institutions.sort_values("tier", ascending=False)["id"].tolist()
    ['county_hospital', 'township_centre']
    """
    pd = require("pandas", extra="tables")
    out: dict[str, Any] = {}
    for table in _TOP:
        out[table] = _frame(pd, table, getattr(registry, table))
    for child in _CHILDREN:
        records = [r for a in registry.alliances for r in getattr(a, child)]
        owners = [a.id for a in registry.alliances for _ in getattr(a, child)]
        out[child] = _frame(pd, child, records, owners)
    return RegistryFrames(**out, title=registry.title, description=registry.description)


# -- frames -> registry ---------------------------------------------------------------------

_MISSING: Any = object()
"""Marks a missing cell: the key is left out of the record (the field's default applies)."""


def _check_table(pd: Any, name: str, df: Any, problems: list[Problem]) -> bool:
    """Check that ``df`` is a DataFrame with the required columns and no unknown ones."""
    if df is None or (isinstance(df, pd.DataFrame) and df.shape == (0, 0)):
        return True  # no table, or an empty one without columns
    if not isinstance(df, pd.DataFrame):
        problems.append(Problem((name,), f"expected a pandas DataFrame, got {type(df).__name__}"))
        return False
    spec = _SPECS[name]
    known = {c.name for c in spec}
    ok = True
    seen: set[Any] = set()
    for col in df.columns:
        if col in seen:
            problems.append(Problem((name, str(col)), "duplicate column"))
            ok = False
        seen.add(col)
        if col not in known:
            problems.append(
                Problem(
                    (name, str(col)),
                    f"unknown column; the {name} table has columns: "
                    + ", ".join(c.name for c in spec),
                )
            )
            ok = False
    for c in spec:
        if c.required and c.name not in seen:
            problems.append(Problem((name, c.name), "required column is missing"))
            ok = False
    return ok


def _python(v: Any) -> Any:
    """Numpy scalars to Python scalars; other values unchanged."""
    item = getattr(v, "item", None)
    if item is not None and type(v).__module__ == "numpy":
        return item()
    return v


def _decode_count(v: Any, where: tuple[Any, ...], problems: list[Problem]) -> Any:
    v = _python(v)
    if isinstance(v, float):
        if not math.isfinite(v) or v != math.floor(v):
            problems.append(Problem(where, f"must be a whole number, got {v!r}"))
            return _MISSING
        return int(v)
    return v


def _decode_date(v: Any, where: tuple[Any, ...], problems: list[Problem]) -> Any:
    if isinstance(v, _dt.datetime):  # includes pandas.Timestamp
        if v.tzinfo is not None:
            problems.append(Problem(where, f"expected a date, got a time-zone aware {v!r}"))
            return _MISSING
        if (v.hour, v.minute, v.second, v.microsecond, getattr(v, "nanosecond", 0)) != (
            0,
            0,
            0,
            0,
            0,
        ):
            problems.append(Problem(where, f"expected a date, got a time of day {v!s}"))
            return _MISSING
        return v.date()
    if type(v).__module__ == "numpy":  # numpy.datetime64 in an object column
        import numpy as np

        if isinstance(v, np.datetime64):
            day = v.astype("datetime64[D]")
            if day != v:
                problems.append(Problem(where, f"expected a date, got a time of day {v!s}"))
                return _MISSING
            return day.item()
    return v


def _decode_tuple(v: Any, where: tuple[Any, ...], problems: list[Problem]) -> Any:
    if isinstance(v, tuple | list):
        return tuple(_python(x) for x in v)
    if type(v).__module__ == "numpy" and hasattr(v, "tolist") and getattr(v, "ndim", 0) == 1:
        return tuple(v.tolist())
    if isinstance(v, str):
        problems.append(
            Problem(
                where,
                f"expected a list or tuple, got the string {v!r}; split it first "
                "(e.g. df[column].str.split(';'))",
            )
        )
    else:
        problems.append(Problem(where, f"expected a list or tuple, got {type(v).__name__}"))
    return _MISSING


def _column_values(df: Any, table: str, col: _Column, problems: list[Problem]) -> list[Any]:
    """The cells of one column as Python values, ``_MISSING`` where missing."""
    import numpy as np

    series = df[col.name]
    mask = series.isna().to_numpy(dtype=bool)
    kind = col.kind
    dtype_kind = getattr(series.dtype, "kind", "O")
    if kind == "date" and dtype_kind == "M":
        if getattr(series.dtype, "tz", None) is not None:
            problems.append(Problem((table, col.name), "dates must not carry a time zone"))
            return [_MISSING] * len(series)
        stamps = series.to_numpy()  # in the column's own unit: no overflow
        days = stamps.astype("datetime64[D]")
        out: list[Any] = days.tolist()  # datetime.date objects (None where NaT)
        for i in np.flatnonzero(~mask & (days != stamps)):
            problems.append(
                Problem(
                    (table, int(i), col.name),
                    f"expected a date, got a time of day {series.iloc[i]!s}",
                )
            )
            out[i] = _MISSING
    elif kind == "count" and dtype_kind == "f":
        arr = series.to_numpy(dtype=np.float64)
        with np.errstate(invalid="ignore"):
            bad = ~mask & ~(np.isfinite(arr) & (arr == np.floor(arr)))
        for i in np.flatnonzero(bad):
            problems.append(
                Problem((table, int(i), col.name), f"must be a whole number, got {float(arr[i])!r}")
            )
        whole = np.where(mask | bad, 0, arr).astype(np.int64).tolist()
        out = [_MISSING if b else v for v, b in zip(whole, bad, strict=True)]
    else:
        out = series.tolist()
        if kind in ("tuple", "serves"):
            for row, v in enumerate(out):
                if type(v) is not tuple and not mask[row] and not (kind == "serves" and v == "all"):
                    out[row] = _decode_tuple(v, (table, row, col.name), problems)
        elif series.dtype == object and kind != "tuple":  # may hold numpy scalars
            decode = {"count": _decode_count, "date": _decode_date}.get(kind)
            for row, cell in enumerate(out):
                if not mask[row]:
                    v = _python(cell)
                    out[row] = v if decode is None else decode(v, (table, row, col.name), problems)
    for i in np.flatnonzero(mask):
        out[i] = _MISSING
    return out


def _records(
    df: Any, table: str, problems: list[Problem], reported: set[tuple[Any, ...]]
) -> list[dict[str, Any]]:
    """One record dict per row of ``df`` (nested region / provenance), in row order."""
    if df is None or len(df) == 0:
        return []
    columns = [c for c in _SPECS[table] if c.name in df.columns]
    values = {}
    for c in columns:
        before = len(problems)
        values[c.name] = _column_values(df, table, c, problems)
        reported.update(p.path for p in problems[before:])
    flat = [c for c in columns if len(c.path) == 1]
    keys = [c.path[0] for c in flat]
    records = [
        {k: v for k, v in zip(keys, cells, strict=True) if v is not _MISSING}
        for cells in zip(*(values[c.name] for c in flat), strict=True)
    ] or [{} for _ in range(len(df))]
    required = {c.path[0]: c.name for c in flat if c.required}
    for row, rec in enumerate(records):
        if required and not required.keys() <= rec.keys():
            for key, name in required.items():
                where = (table, row, name)
                if key not in rec and where not in reported:
                    problems.append(Problem(where, "required value is missing"))
                    reported.add(where)
    for outer in ("region", "provenance"):
        nested = [c for c in columns if len(c.path) == 2 and c.path[0] == outer]
        if not nested:
            continue
        inner = [c.path[1] for c in nested]
        for row, cells in enumerate(zip(*(values[c.name] for c in nested), strict=True)):
            given = {k: v for k, v in zip(inner, cells, strict=True) if v is not _MISSING}
            if outer == "provenance" and "source" not in given:
                where = (table, row, "provenance_source")
                if any(given.values()) and where not in reported:
                    problems.append(
                        Problem(
                            where,
                            "required when provenance_quote, provenance_inferred or "
                            "provenance_note is given",
                        )
                    )
                    reported.add(where)
                continue
            if given:
                records[row][outer] = given
    if table == "declared":
        for rec in records:
            _figure_value(rec)
    return records


def _figure_value(rec: dict[str, Any]) -> None:
    """A whole float for a count unit becomes an int (as for count columns)."""
    v, unit = rec.get("value"), rec.get("unit")
    if isinstance(v, float) and math.isfinite(v) and v == math.floor(v):
        parsed = FigureUnit.table().lookup(unit) if isinstance(unit, str) else None
        if parsed is not None and parsed.is_count:
            rec["value"] = int(v)


def _column_path(rest: tuple[Any, ...]) -> tuple[Any, ...]:
    """A model field path inside a record to the column path of its table."""
    if len(rest) >= 2 and rest[0] == "region":
        return rest[1:]
    if rest and rest[0] == "provenance":
        return (f"provenance_{rest[1]}", *rest[2:]) if len(rest) >= 2 else ("provenance_source",)
    return rest


def from_frames(frames: RegistryFrames) -> Registry:
    """Validate tables (as :func:`to_frames` writes them) into a :class:`Registry`.

    Parameters
    ----------
    frames : RegistryFrames
        The tables; not modified. Columns of optional fields may be left out, and a table
        left as ``None`` is empty.

    Returns
    -------
    Registry
        The validated registry; ``from_frames(to_frames(reg)) == reg``.

    Raises
    ------
    MedAllianceError
        Listing every problem, each at ``table[row].column`` (``row`` is the position in the
        table): a table that is not a DataFrame, missing required or unknown columns, missing
        required values, values of the wrong type (a string where a tuple belongs, a count
        that is not a whole number, a date with a time of day), child rows of an unknown
        alliance, and every problem of the registry itself (unknown ids, a lead that is not
        a member, invalid labels, ...).
    ImportError
        When pandas is not installed (``pip install 'medalliance[tables]'``).

    Examples
    --------
    >>> import pandas as pd
    >>> frames = RegistryFrames(
    ...     institutions=pd.DataFrame({
    ...         "id": ["county", "town"], "name": ["某县人民医院", "某镇卫生院"],
    ...         "kind": ["综合医院", "乡镇卫生院"], "tier": ["二级", None],
    ...         "beds": [320.0, float("nan")]}),
    ...     alliances=pd.DataFrame({"id": ["a"], "name": ["某县医共体"], "form": ["县域医共体"],
    ...                             "lead": [("county",)]}),
    ...     memberships=pd.DataFrame({"alliance": ["a", "a"], "institution": ["county", "town"],
    ...                               "role": ["lead", "hub"]}))
    >>> reg = from_frames(frames)
    >>> reg.institution("county").beds, reg.institution("town").tier.value
    (320, 'primary')
    >>> bad = RegistryFrames(institutions=frames.institutions.assign(beds=[12.5, None]),
    ...                      alliances=frames.alliances,
    ...                      memberships=frames.memberships.assign(alliance=["a", "b"]))
    >>> from_frames(bad)
    Traceback (most recent call last):
    ...
    medalliance.errors.MedAllianceError: 2 problems:
      - institutions[0].beds: must be a whole number, got 12.5
      - memberships[1].alliance: unknown alliance 'b' (not in the alliances table)
    """
    pd = require("pandas", extra="tables")
    if not isinstance(frames, RegistryFrames):
        raise MedAllianceError(
            [Problem((), f"expected RegistryFrames, got {type(frames).__name__}")]
        )
    problems: list[Problem] = []
    ok = [_check_table(pd, name, df, problems) for name, df in frames.tables()]
    if not all(ok):
        raise MedAllianceError(problems)
    reported: set[tuple[Any, ...]] = set()
    recs = {name: _records(df, name, problems, reported) for name, df in frames.tables()}

    alliance_pos: dict[Any, int] = {}
    for pos, rec in enumerate(recs["alliances"]):
        aid = rec.get("id")
        if isinstance(aid, str):
            alliance_pos.setdefault(aid, pos)
    child_rows: list[dict[str, list[int]]] = [{} for _ in recs["alliances"]]
    for child in _CHILDREN:
        for row, rec in enumerate(recs[child]):
            aid = rec.pop("alliance", None)
            if aid is None:
                continue  # reported as a missing required value
            found = alliance_pos.get(aid) if isinstance(aid, str) else None
            if found is None:
                problems.append(
                    Problem(
                        (child, row, "alliance"),
                        f"unknown alliance {aid!r} (not in the alliances table)",
                    )
                )
                continue
            recs["alliances"][found].setdefault(child, []).append(rec)
            child_rows[found].setdefault(child, []).append(row)
    for pos, rec in enumerate(recs["alliances"]):
        if "memberships" not in rec:
            where = ("alliances", pos, "id")
            problems.append(
                Problem(where, f"alliance {rec.get('id')!r} has no rows in the memberships table")
            )
            reported.add(where)

    data: dict[str, Any] = {name: recs[name] for name in _TOP}
    for key in ("title", "description"):
        value = getattr(frames, key)
        if value is not None:
            data[key] = value

    def locate(path: tuple[Any, ...]) -> tuple[Any, ...]:
        if len(path) < 2 or not isinstance(path[1], int) or path[0] not in _TOP:
            return path
        head, pos, rest = path[0], path[1], path[2:]
        if head == "alliances" and rest and rest[0] in _CHILDREN:
            rows = child_rows[pos].get(rest[0], [])
            if len(rest) >= 2 and isinstance(rest[1], int) and rest[1] < len(rows):
                return (rest[0], rows[rest[1]], *_column_path(rest[2:]))
            return ("alliances", pos, "id")
        return (head, pos, *_column_path(rest))

    try:
        registry = Registry.model_validate(data)
    except MedAllianceError as exc:
        for p in exc.problems:
            path = locate(p.path)
            if path not in reported:
                problems.append(Problem(path, p.message))
        raise MedAllianceError(problems) from None
    if problems:
        raise MedAllianceError(problems)
    return registry


# -- GeoPandas ------------------------------------------------------------------------------


def to_geodataframe(
    registry: Registry, *, missing: Literal["error", "drop", "keep"] = "error"
) -> Any:
    """The institutions as a GeoDataFrame of points (longitude, latitude; EPSG:4326).

    The columns are those of ``to_frames(registry).institutions`` plus ``geometry``.

    Parameters
    ----------
    registry : Registry
        The registry; not modified.
    missing : {"error", "drop", "keep"}, default "error"
        What to do with institutions that have no coordinates: ``"error"`` raises, naming
        each; ``"drop"`` leaves them out and lists their ids in
        ``gdf.attrs["without_coordinates"]``; ``"keep"`` keeps them with a missing
        (``None``) geometry.

    Returns
    -------
    geopandas.GeoDataFrame
        One row per institution kept, in id order. ``attrs["without_coordinates"]`` is the
        tuple of ids without coordinates (empty when every institution has them).

    Raises
    ------
    MedAllianceError
        With ``missing="error"``, listing every institution without coordinates; for an
        unknown ``missing`` option.
    ImportError
        When geopandas is not installed (``pip install 'medalliance[tables]'``).

    Examples
    --------
    >>> from medalliance import synthetic
    >>> gdf = to_geodataframe(synthetic.county(seed=1, townships=2, villages_per_township=2))
    >>> gdf.crs.to_epsg(), gdf.geometry.geom_type.unique().tolist()
    (4326, ['Point'])
    >>> from medalliance import examples
    >>> to_geodataframe(examples.load("benxi_central"))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    medalliance.errors.MedAllianceError: 2 problems:
      - institutions[0].lat: institution 'benxi_central' has no coordinates (use missing=...
      - institutions[1].lat: institution 'huanren_peoples' has no coordinates (use ...
    >>> gdf = to_geodataframe(examples.load("benxi_central"), missing="drop")
    >>> len(gdf), gdf.attrs["without_coordinates"]
    (0, ('benxi_central', 'huanren_peoples'))
    """
    if missing not in ("error", "drop", "keep"):
        raise MedAllianceError(
            [Problem(("missing",), f"must be 'error', 'drop' or 'keep', got {missing!r}")]
        )
    gpd = require("geopandas", extra="tables")
    import numpy as np

    frame = to_frames(registry).institutions
    has = np.array([i.has_coordinates for i in registry.institutions], dtype=bool)
    absent = tuple(i.id for i in registry.institutions if not i.has_coordinates)
    if missing == "error" and absent:
        raise MedAllianceError(
            [
                Problem(
                    ("institutions", pos, "lat"),
                    f"institution {i.id!r} has no coordinates "
                    "(use missing='drop' or 'keep' to go on without it)",
                )
                for pos, i in enumerate(registry.institutions)
                if not i.has_coordinates
            ]
        )
    if missing == "drop":
        frame = frame[has].reset_index(drop=True)
        has = has[has]
    points = gpd.points_from_xy(frame["lon"].to_numpy(), frame["lat"].to_numpy())
    shapes = np.asarray(points, dtype=object)
    shapes[~has] = None
    geometry = gpd.GeoSeries(shapes, crs=4326)
    gdf = gpd.GeoDataFrame(frame, geometry=geometry, crs=4326)
    gdf.attrs["without_coordinates"] = absent
    return gdf
