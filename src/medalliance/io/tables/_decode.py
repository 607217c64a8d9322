"""Decoding the cells of one column into Python values. Private to :mod:`medalliance.io.tables`."""

from __future__ import annotations

import datetime as _dt
import math
from typing import Any

from medalliance.errors import Problem
from medalliance.io.tables._columns import PER_MEMBER, _Column

_MISSING: Any = object()
"""Marks a missing cell: the key is left out of the record (the field's default applies)."""


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
    if kind == "tightness":  # the alliance's tightness is set member by member
        out = [None if v == PER_MEMBER else v for v in out]
    for i in np.flatnonzero(mask):
        out[i] = _MISSING
    return out
