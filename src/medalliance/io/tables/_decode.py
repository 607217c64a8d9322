"""Decoding the cells of one column into Python values. Private to :mod:`medalliance.io.tables`."""

from __future__ import annotations

import datetime as _dt
import json
import math
import re
from typing import Any

from medalliance.errors import Problem
from medalliance.io.tables._assemble import MISSING as _MISSING
from medalliance.io.tables._columns import PER_MEMBER, _Column


def _python(v: Any) -> Any:
    """Numpy scalars to Python scalars; other values unchanged."""
    item = getattr(v, "item", None)
    if item is not None and type(v).__module__ == "numpy":
        return item()
    return v


_INT = re.compile(r"[+-]?[0-9]+", re.ASCII)
_WHOLE = re.compile(r"[+-]?[0-9]+\.0*", re.ASCII)
_FLOAT = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?", re.ASCII)
MAX_NUMBER_TEXT = 1000
"""Longest text read as a number (Python refuses integers of more than 4,300 digits)."""


def _number_text(text: str) -> str:
    stripped = text.strip()
    if len(stripped) > MAX_NUMBER_TEXT:
        msg = f"a number of {len(stripped)} characters is too long (at most {MAX_NUMBER_TEXT})"
        raise ValueError(msg)
    return stripped


def parse_count(text: str) -> int:
    """A count written as text: the digits 0-9, nothing else (``1,200`` is no guess).

    Examples
    --------
    >>> parse_count(" 320 "), parse_count("320.0")
    (320, 320)
    >>> parse_count("１２００")
    Traceback (most recent call last):
    ...
    ValueError: must be a whole number written with the digits 0-9, got '１２００'
    """
    stripped = _number_text(text)
    if _INT.fullmatch(stripped):
        return int(stripped)
    if _WHOLE.fullmatch(stripped):
        return int(stripped.split(".", 1)[0])
    raise ValueError(f"must be a whole number written with the digits 0-9, got {text!r}")


def parse_float(text: str) -> float:
    """A number written as text with the digits 0-9 (``112,6`` and ``nan`` are errors).

    Examples
    --------
    >>> parse_float("112.5"), parse_float("-1e3")
    (112.5, -1000.0)
    """
    stripped = _number_text(text)
    if _FLOAT.fullmatch(stripped):
        return float(stripped)
    raise ValueError(f"must be a number written with the digits 0-9, got {text!r}")


def parse_figure(text: str) -> Any:
    """A declared figure written as text: an int or a float as written; other text as is.

    Examples
    --------
    >>> parse_figure("12"), parse_figure("12.0"), parse_figure("many")
    (12, 12.0, 'many')
    """
    stripped = _number_text(text)
    if _INT.fullmatch(stripped):
        return int(stripped)
    if _FLOAT.fullmatch(stripped):
        return float(stripped)
    return text


PARSERS = {"count": parse_count, "float": parse_float, "value": parse_figure}
"""The parser of a number column's cells written as text, by column kind."""


def _decode_text_number(kind: str, v: Any, where: tuple[Any, ...], problems: list[Problem]) -> Any:
    """A number column's cell written as text, parsed; other cells unchanged."""
    if not isinstance(v, str):
        return v
    try:
        return PARSERS[kind](v)
    except ValueError as exc:
        problems.append(Problem(where, str(exc)))
        return _MISSING


def _decode_count(v: Any, where: tuple[Any, ...], problems: list[Problem]) -> Any:
    v = _python(v)
    if isinstance(v, str):
        return _decode_text_number("count", v, where, problems)
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


SEPARATORS = ";；、,，"
"""The separators of the items in a list cell (``甲;乙``, ``甲、乙``, ``甲，乙``)."""
_SPLIT = re.compile(f"[{SEPARATORS}]")


def split_list(text: str) -> tuple[str, ...]:
    """The items of a list cell: split at the separators, or a JSON list of strings.

    Items are split at ``;``, ``；``, ``、``, ``,`` and ``，`` and stripped of surrounding
    blanks. A cell that starts with ``[`` is read as a JSON list of strings instead: that is
    how the writers keep items that contain a separator or surrounding blanks.

    Raises
    ------
    ValueError
        For an empty item (two separators in a row, or one at an end) or a bad JSON list.

    Examples
    --------
    >>> split_list("ct; lab、imaging，pcr_lab")
    ('ct', 'lab', 'imaging', 'pcr_lab')
    >>> split_list('["甲、乙", " 丙"]')
    ('甲、乙', ' 丙')
    >>> split_list("ct;;lab")
    Traceback (most recent call last):
    ...
    ValueError: empty item 2 in the list 'ct;;lab' (two separators in a row, or one at an end)
    """
    stripped = text.strip()
    if stripped.startswith("["):
        try:
            items = json.loads(stripped)
        except ValueError:
            items = None
        if not isinstance(items, list) or not all(isinstance(x, str) for x in items):
            msg = f"a list cell starting with '[' must be a JSON list of strings, got {text!r}"
            raise ValueError(msg)
        return tuple(items)
    parts = tuple(part.strip() for part in _SPLIT.split(stripped))
    for i, part in enumerate(parts):
        if not part:
            msg = (
                f"empty item {i + 1} in the list {text!r} "
                "(two separators in a row, or one at an end)"
            )
            raise ValueError(msg)
    return parts


def join_list(items: tuple[str, ...]) -> str:
    """The list cell of ``items``, read back by :func:`split_list` as the same items.

    Items are joined with ``;``; when one holds a separator, starts with ``[``, is blank
    or has surrounding blanks, the cell is a JSON list instead.

    Examples
    --------
    >>> join_list(("ct", "lab")), join_list(("甲、乙",)), join_list(())
    ('ct;lab', '["甲、乙"]', '[]')
    """
    if not items or any(
        _SPLIT.search(x) or x != x.strip() or not x or x.startswith("[") for x in items
    ):
        return json.dumps(list(items), ensure_ascii=False)
    return ";".join(items)


def _decode_tuple(v: Any, where: tuple[Any, ...], problems: list[Problem]) -> Any:
    if isinstance(v, tuple | list):
        return tuple(_python(x) for x in v)
    if type(v).__module__ == "numpy" and hasattr(v, "tolist") and getattr(v, "ndim", 0) == 1:
        return tuple(v.tolist())
    if isinstance(v, str):
        if not v.strip():
            return _MISSING
        try:
            return split_list(v)
        except ValueError as exc:
            problems.append(Problem(where, str(exc)))
    else:
        problems.append(Problem(where, f"expected a list or tuple, got {type(v).__name__}"))
    return _MISSING


def _column_values(series: Any, table: str, col: _Column, problems: list[Problem]) -> list[Any]:
    """The cells of one column (a pandas Series) as Python values, ``_MISSING`` where missing."""
    import numpy as np

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
        elif series.dtype == object or (kind in PARSERS and dtype_kind not in "iufb"):
            # object columns may hold numpy scalars; string columns may hold numbers as text
            decode = {"count": _decode_count, "date": _decode_date}.get(kind)
            for row, cell in enumerate(out):
                if not mask[row]:
                    v = _python(cell)
                    where = (table, row, col.name)
                    if kind in ("float", "value"):
                        out[row] = _decode_text_number(kind, v, where, problems)
                    else:
                        out[row] = v if decode is None else decode(v, where, problems)
    if kind == "tightness":  # the alliance's tightness is set member by member
        out = [None if v == PER_MEMBER else v for v in out]
    for i in np.flatnonzero(mask):
        out[i] = _MISSING
    return out
