"""Spreadsheet cells (CSV text, or xlsx values) to the values of a column, and back.

Private to :mod:`medalliance.io.sheets`.
"""

from __future__ import annotations

import datetime as _dt
import math
from enum import Enum
from typing import Any

from medalliance.io.tables._assemble import MISSING
from medalliance.io.tables._columns import PER_MEMBER, _Column
from medalliance.io.tables._decode import PARSERS, join_list, split_list

_WHAT = {
    "count": "a whole number",
    "float": "a number",
    "value": "a number",
    "date": "a date",
}


def _as_text(value: object) -> str:
    """A text cell: a string as it is, a whole number as its digits (Excel stores 110101 so)."""
    if isinstance(value, str):
        return value
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float) and math.isfinite(value) and value == math.floor(value):
        return str(int(value))
    if isinstance(value, float):
        raise ValueError(f"expected text, got the number {value!r}; format the column as text")
    raise ValueError(f"expected text, got {_describe(value)}")


def _describe(value: object) -> str:
    if isinstance(value, _dt.datetime | _dt.date | _dt.time):
        return f"the date or time {value.isoformat()}"
    return f"{type(value).__name__} {value!r}"


def _number(value: object, kind: str) -> int | float:
    if not isinstance(value, int | float):
        raise ValueError(f"expected {_WHAT[kind]}, got {_describe(value)}")
    return value


def _date(value: object) -> Any:
    if isinstance(value, _dt.datetime):
        if value.tzinfo is not None or value.time() != _dt.time():
            raise ValueError(f"expected a date, got a time of day {value!s}")
        return value.date()
    if isinstance(value, _dt.date | str):
        return value  # text is read by the model's date rule
    raise ValueError(f"expected a date, got {_describe(value)}")


def _count(value: object) -> int:
    if isinstance(value, float) and not (math.isfinite(value) and value.is_integer()):
        raise ValueError(f"must be a whole number, got {value!r}")
    return int(_number(value, "count"))


def _float(value: object) -> float:
    return float(_number(value, "float"))


_READERS: dict[str, Any] = {
    "count": _count,
    "float": _float,
    "value": lambda value: _number(value, "value"),
    "date": _date,
    "flag": lambda value: value,  # a workbook's TRUE/FALSE cell; the model reads it
}
"""How a cell that is not text is read, by column kind (text is parsed by PARSERS)."""


def decode(col: _Column, value: object) -> Any:
    """The value of one cell of column ``col``; :data:`MISSING` for a blank cell.

    Raises
    ------
    ValueError
        For a cell that cannot be what the column holds.

    Examples
    --------
    >>> from medalliance.io.tables._columns import _SPECS
    >>> col = {c.name: c for c in _SPECS["institutions"]}
    >>> beds, aliases, code = col["beds"], col["aliases"], col["division_code"]
    >>> decode(beds, "320"), decode(aliases, "县医院、人民医院"), decode(code, 130682)
    (320, ('县医院', '人民医院'), '130682')
    >>> decode(beds, "１２００")
    Traceback (most recent call last):
    ...
    ValueError: must be a whole number written with the digits 0-9, got '１２００'
    """
    if value is None or (isinstance(value, str) and not value.strip()):
        return MISSING
    kind = col.kind
    if isinstance(value, bool) and kind != "flag":
        raise ValueError(f"expected {_WHAT.get(kind, 'text')}, got {value}")
    if isinstance(value, str) and kind in PARSERS:
        return PARSERS[kind](value)
    read = _READERS.get(kind)
    if read is not None:
        return read(value)
    text = _as_text(value)
    if kind == "tightness" and text == PER_MEMBER:
        return None
    if kind == "tuple" or (kind == "serves" and text != "all"):
        return split_list(text) if isinstance(value, str) else (text,)
    return text


def encode(col: _Column, value: Any) -> Any:
    """The cell of a value of column ``col`` as the writers store it (``None``: blank).

    ``value`` is what :func:`~medalliance.io.tables._to_frames._cells` gives: enum values,
    tuples of plain values, ``"all"`` or a tuple for ``serves``.

    Examples
    --------
    >>> from medalliance.io.tables._columns import _SPECS
    >>> aliases = next(c for c in _SPECS["institutions"] if c.name == "aliases")
    >>> encode(aliases, ("县医院", "人民医院")), encode(aliases, ())
    ('县医院;人民医院', None)
    """
    if value is None:
        return None
    if isinstance(value, tuple):
        if not value:
            return "[]" if col.kind == "serves" else None
        return join_list(tuple(x.value if isinstance(x, Enum) else x for x in value))
    return value
