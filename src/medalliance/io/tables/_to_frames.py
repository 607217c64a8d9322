"""Registry -> DataFrames. Private to :mod:`medalliance.io.tables`."""

from __future__ import annotations

import math
from collections.abc import Sequence
from enum import Enum
from operator import attrgetter
from typing import Any

from medalliance._optional import require
from medalliance.io.tables._columns import _NESTED, _TOP, OWNER, PER_MEMBER, _Column, written
from medalliance.io.tables._frames import RegistryFrames
from medalliance.model._require import require_registry
from medalliance.model.registry import Registry
from medalliance.model.vocab import RankedEnum


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
    if col.kind in ("enum", "tightness"):
        assert col.enum is not None
        values: dict[Any, Any] = {m: m.value for m in col.enum}
        if col.kind == "tightness":
            values[None] = PER_MEMBER
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
    if col.kind == "flag":  # a yes/no field whose default is no: "true" or blank
        return ["true" if v else None for v in raw]
    return raw


def _series(pd: Any, col: _Column, values: list[Any]) -> Any:
    import numpy as np

    kind = col.kind
    if kind in ("enum", "tightness"):
        assert col.enum is not None
        cats = [m.value for m in col.enum]
        ordered = kind == "enum" and issubclass(col.enum, RankedEnum)
        if kind == "tightness":  # per_member is not on the scale: the column is not ordered
            cats.append(PER_MEMBER)
        return pd.Categorical(values, categories=cats, ordered=ordered)
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
    if kind in ("text", "flag") and not pd.__version__.startswith(("0.", "1.", "2.")):
        return pd.array(values, dtype="str")  # pandas 3 string dtype, missing values as NaN
    return pd.Series(values, dtype=object)


def nested_rows(registry: Registry, table: str) -> tuple[list[Any], list[str]]:
    """The records of nested table ``table`` and the id of the record each is nested in.

    Examples
    --------
    >>> from medalliance import examples
    >>> records, owners = nested_rows(examples.load("gangkou"), "memberships")
    >>> owners[0], records[0].institution
    ('gangkou_community', 'gangkou_peoples')
    """
    owners = getattr(registry, OWNER[table][0])
    records = [r for o in owners for r in getattr(o, table)]
    return records, [o.id for o in owners for _ in getattr(o, table)]


def _frame(pd: Any, table: str, records: Sequence[Any], extra: Sequence[Any] = ()) -> Any:
    """Build the DataFrame of ``records``; ``extra`` gives the owner id of each nested row."""
    data: dict[str, Any] = {}
    owner = OWNER.get(table, ("", ""))[1]
    for col in written(table):
        values = list(extra) if col.name == owner else _cells(col, records)
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
    require_registry(registry)
    pd = require("pandas", extra="tables")
    out: dict[str, Any] = {}
    for table in _TOP:
        out[table] = _frame(pd, table, getattr(registry, table))
    for child in _NESTED:
        records, owners = nested_rows(registry, child)
        out[child] = _frame(pd, child, records, owners)
    return RegistryFrames(**out, title=registry.title, description=registry.description)
