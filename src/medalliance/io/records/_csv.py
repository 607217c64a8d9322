r"""Reading record CSV files: rows numbered as the file shows them, strict cells, located problems.

Private to :mod:`medalliance.io.records`.

- Rows are numbered as a spreadsheet shows them: the header is row 1, blank lines count. Line
  endings may be ``\n``, ``\r\n`` or ``\r`` (old Mac exports).
- The header names fields through the alias table (``_headers``): an unknown column, a field
  named twice or a required field without a column is a problem of row 1.
- Numbers are written with the ASCII digits 0-9 (``1200``, ``-3.5``, ``1e3``): Python's
  ``float``/``int`` would also take ``1_000``, full-width ``１２００`` or Arabic-Indic
  ``١٢٠٠``, which a person did not mean as a number of this file.
- Every problem is a :class:`Spot`: where it is (file order, row, column position) and its
  path as the person reads it (``row 3, column 人口``); :func:`problems` sorts them.
"""

from __future__ import annotations

import csv
import io
import math
import re
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

from medalliance.errors import PathItem, Problem, SchemaError, quote
from medalliance.io._files import read_text
from medalliance.io.records._headers import HEADER_ALIASES, field_of
from medalliance.limits import current as current_limits

_DECIMAL = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?\Z")
_WHOLE = re.compile(r"[+-]?[0-9]+\Z")
_TRUE = frozenset({"true", "yes", "y", "1", "是"})
_FALSE = frozenset({"false", "no", "n", "0", "否"})


@dataclass(frozen=True)
class Spot:
    """A problem and where it is: ``order`` sorts problems as the file shows them."""

    order: tuple[int, ...]
    path: tuple[PathItem, ...]
    message: str


def problems(spots: Iterable[Spot]) -> list[Problem]:
    """The problems of ``spots`` in file order (row by row, column by column).

    Examples
    --------
    >>> [p.render() for p in problems([Spot((3, 0), ("row 3",), "b"), Spot((1, 0), (), "a")])]
    ['<root>: a', 'row 3: b']
    """
    return [Problem(s.path, s.message) for s in sorted(spots, key=lambda s: s.order)]


class CellError(ValueError):
    """A cell that does not hold what its column needs (the message says what)."""


def _hint(cell: str) -> str:
    if any(ch.isdigit() and not "0" <= ch <= "9" for ch in cell):
        return ": write the digits as 0-9 (not full-width or other digits)"
    if "_" in cell or "," in cell or "，" in cell:
        return ": write the digits without separators"
    return ""


def _digits_problem(cell: str) -> str | None:
    """Why a whole number written in ``cell`` is too long to read, or None."""
    limit = current_limits().max_digits
    digits = len(cell.lstrip("+-"))
    if digits <= limit:
        return None
    return (
        f"a whole number of {digits:,} digits; the limit is medalliance.limits max_digits "
        f"({limit:,})"
    )


def number_cell(cell: str) -> float:
    """A finite number written with the digits 0-9.

    A whole number has at most :attr:`medalliance.limits.Limits.max_digits` digits, as in
    JSON and YAML files.

    Examples
    --------
    >>> number_cell("1200.5"), number_cell("1e3")
    (1200.5, 1000.0)
    >>> number_cell("１２００")
    Traceback (most recent call last):
    ...
    medalliance.io.records._csv.CellError: must be a number, got '１２００': write the digits as 0-9 (not full-width or other digits)
    """  # noqa: E501
    if not _DECIMAL.match(cell):
        raise CellError(f"must be a number, got {quote(cell)}{_hint(cell)}")
    too_long = _digits_problem(cell) if _WHOLE.match(cell) else None
    if too_long is not None:
        raise CellError(too_long)
    value = float(cell)
    if not math.isfinite(value):
        raise CellError(f"must be a finite number, got {quote(cell)}")
    return value


def count_cell(cell: str) -> int:
    """A whole number written with the digits 0-9 (at most ``max_digits`` of them).

    Examples
    --------
    >>> count_cell("55")
    55
    >>> count_cell("1_000")
    Traceback (most recent call last):
    ...
    medalliance.io.records._csv.CellError: must be a whole number, got '1_000': write the digits without separators
    """  # noqa: E501
    if not _WHOLE.match(cell):
        raise CellError(f"must be a whole number, got {quote(cell)}{_hint(cell)}")
    too_long = _digits_problem(cell)
    if too_long is not None:
        raise CellError(too_long)
    return int(cell)


def bool_cell(cell: str) -> bool:
    """``true``/``false`` (also yes/no, y/n, 1/0, 是/否).

    Examples
    --------
    >>> bool_cell("是"), bool_cell("FALSE")
    (True, False)
    """
    low = cell.lower()
    if low in _TRUE:
        return True
    if low in _FALSE:
        return False
    raise CellError(f"must be true or false (是/否), got {quote(cell)}")


class Column(NamedTuple):
    """A column of the file: its position (0-based), its header as written, its field."""

    position: int
    header: str
    field: str


class Table(NamedTuple):
    """A record CSV file as read: its columns by field and its data rows with their numbers."""

    columns: dict[str, Column]
    header_row: int
    """The row number of the header (1 unless blank lines come first)."""
    rows: list[tuple[int, list[str]]]
    """``(row number, stripped cells)`` of every non-blank row after the header."""
    spots: list[Spot]

    def where(self, row: int, field: str | None = None) -> tuple[tuple[int, ...], tuple[str]]:
        """The sort order and the path of ``field`` in ``row`` (the whole row for ``None``)."""
        if field is None:
            return (row, -1), (f"row {row}",)
        col = self.columns.get(field)
        if col is None:
            return (row, sys.maxsize), (f"row {row}, {field}",)
        return (row, col.position), (f"row {row}, column {col.header}",)

    def spot(self, row: int, field: str | None, message: str) -> Spot:
        """A problem of ``field`` in ``row``."""
        order, path = self.where(row, field)
        return Spot(order, path, message)


def _records(text: str, spots: list[Spot]) -> list[tuple[int, list[str]]]:
    """Every record of ``text`` with its row number; a malformed record ends the reading."""
    reader = csv.reader(io.StringIO(text, newline=""))
    out: list[tuple[int, list[str]]] = []
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return out
        except csv.Error as exc:
            row = len(out) + 1
            reason = str(exc)
            if "field larger than field limit" in reason:
                limit = csv.field_size_limit()
                reason = f"a cell has more than {limit:,} characters"
            spots.append(
                Spot((row, -1), (f"row {row}",), f"{reason}; the file is not read further")
            )
            return out
        out.append((len(out) + 1, cells))


def _header(
    kind: str, cells: Sequence[str], row: int, spots: list[Spot]
) -> tuple[dict[str, Column], set[int]]:
    """The columns a header names and the positions of its unnamed columns."""
    columns: dict[str, Column] = {}
    unnamed: set[int] = set()
    unknown: list[str] = []
    for j, raw in enumerate(cells):
        name = raw.strip()
        if not name:
            unnamed.add(j)
            continue
        field = field_of(kind, name)
        if field is None:
            unknown.append(name)
        elif field in columns:
            first = columns[field]
            message = (
                f"column {name} appears twice (columns {first.position + 1} and {j + 1})"
                if first.header == name
                else f"columns {first.header} and {name} both give {field}"
            )
            spots.append(Spot((row, j), (f"row {row}, column {name}",), message))
        else:
            columns[field] = Column(j, name, field)
    if unknown:
        spots.append(
            Spot(
                (row, -1),
                (f"row {row}",),
                f"unknown column(s): {', '.join(unknown)}; expected {expected(kind)}",
            )
        )
    return columns, unnamed


def expected(kind: str, fields: Iterable[str] | None = None) -> str:
    """The fields of ``kind`` (or ``fields``), each with a Chinese name, for messages.

    Examples
    --------
    >>> expected("population")
    'id (村名), people (人口), lat (纬度), lon (经度)'
    """
    table = HEADER_ALIASES[kind]
    out = []
    for field in table if fields is None else fields:
        chinese = next((n for n in table[field] if not n.isascii()), None)
        out.append(f"{field} ({chinese})" if chinese else field)
    return ", ".join(out)


def read_table(path: str | Path, kind: str, *, what: str) -> Table:
    """Read a record CSV file of ``kind``: its header, its rows and the problems of both.

    ``what`` describes the expected header for an empty file.
    """
    spots: list[Spot] = []
    records = _records(read_text(path), spots)
    body = [(n, cells) for n, cells in records if any(c.strip() for c in cells)]
    if not body:
        found = problems(spots) or [Problem((), f"empty file: expected a header line {what}")]
        raise SchemaError(found, source=str(path))
    (head_row, head), rows = body[0], body[1:]
    columns, unnamed = _header(kind, head, head_row, spots)
    out: list[tuple[int, list[str]]] = []
    for n, cells in rows:
        extra = [c for c in cells[len(head) :] if c.strip()]
        if extra:
            spots.append(
                Spot(
                    (n, -1),
                    (f"row {n}",),
                    f"{len(cells)} cells but {len(head)} columns: the row has more cells than "
                    "the header names",
                )
            )
        for j in sorted(unnamed):
            if j < len(cells) and cells[j].strip():
                spots.append(
                    Spot(
                        (n, j),
                        (f"row {n}, column {j + 1}",),
                        f"a value in a column without a name: {quote(cells[j].strip())}",
                    )
                )
        out.append((n, [c.strip() for c in cells[: len(head)]]))
    return Table(columns, head_row, out, spots)


def suffix_problem(path: str | Path, accepted: Sequence[str], hint: str = "") -> SchemaError:
    """The error for a file whose suffix is none of ``accepted`` (and a missing file).

    Examples
    --------
    >>> print(suffix_problem("pop.xls", (".csv", ".json", ".yaml")))
    2 problems in pop.xls:
      - <root>: file not found
      - <root>: unknown file type '.xls': use .csv, .json or .yaml
    """
    p = Path(path)
    found = [] if p.exists() else [Problem((), "file not found")]
    names = ", ".join(accepted[:-1]) + f" or {accepted[-1]}" if len(accepted) > 1 else accepted[0]
    message = f"unknown file type {p.suffix!r}: use {names}"
    return SchemaError([*found, Problem((), message + hint)], source=str(path))
