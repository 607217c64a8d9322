"""HTML building blocks of the notebook display, and the compact display of any model.

Private to :mod:`medalliance.display`, which re-exports the public names.
"""

from __future__ import annotations

import datetime as _dt
import html
import math
from collections.abc import Iterable, Sequence
from enum import Enum
from typing import Any

from medalliance._words import count_noun
from medalliance.errors import MedAllianceError, Problem
from medalliance.model.types import FrozenModel

MAX_ROWS = 20
"""Rows shown before a table is cut short with "… and K more rows"."""


def _cell(value: Any) -> str:  # noqa: PLR0911 - one return per kind of value reads best
    """Text for one table cell: ``""`` for None, enum values, tuples joined, floats rounded.

    The text is not escaped (:func:`html_table` escapes it).

    Examples
    --------
    >>> from medalliance import Tier
    >>> _cell(None), _cell(Tier.PRIMARY), _cell(("ct", "mri")), _cell(3.14159265), _cell(1.5e7)
    ('', 'primary', 'ct, mri', '3.1416', '1.5e+07')
    """
    if value is None:
        return ""
    if isinstance(value, Enum):
        return str(value.value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        if not math.isfinite(value):
            return str(value)
        if value != 0 and (abs(value) >= 1e6 or abs(value) < 1e-3):
            return f"{value:.4g}"
        return f"{value:.4f}".rstrip("0").rstrip(".")
    if isinstance(value, tuple | list | frozenset | set):
        items = sorted(value, key=str) if isinstance(value, frozenset | set) else value
        return ", ".join(_cell(v) for v in items)
    if isinstance(value, _dt.date):
        return value.isoformat()
    return str(value)


def _esc(value: Any) -> str:
    return html.escape(_cell(value), quote=True)


def html_table(
    header: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    caption: str | None = None,
    max_rows: int = MAX_ROWS,
    total: int | None = None,
) -> str:
    """An escaped HTML table of ``rows`` under ``header``, cut after ``max_rows`` rows.

    Parameters
    ----------
    header : sequence of str
        Column names.
    rows : iterable of sequences
        Row values (formatted as cells: blank for None, enum values, tuples joined, floats
        rounded); only the first ``max_rows`` are read.
    caption : str, optional
        A caption above the table.
    max_rows : int, default :data:`MAX_ROWS`
        Rows shown; a footer says how many more there are.
    total : int, optional
        Number of rows in all, when ``rows`` is a lazy iterable (else counted).

    Returns
    -------
    str
        The HTML.

    Raises
    ------
    MedAllianceError
        If ``max_rows`` is not a positive integer.

    Examples
    --------
    >>> html = html_table(["name"], [["<script>"]], caption="a & b")
    >>> html[html.index("<caption>"):html.index("<thead>")]
    '<caption>a &amp; b</caption>'
    >>> "<td>&lt;script&gt;</td>" in html, "<script>" in html
    (True, False)
    """
    if isinstance(max_rows, bool) or not isinstance(max_rows, int) or max_rows < 1:
        raise MedAllianceError([Problem(("max_rows",), "must be an integer >= 1")])
    shown: list[Sequence[Any]] = []
    counted = 0
    for row in rows:
        if counted < max_rows:
            shown.append(row)
        counted += 1
        if total is not None and counted >= max_rows:
            break
    n = total if total is not None else counted
    out = ['<table class="medalliance">']
    if caption:
        out.append(f"<caption>{_esc(caption)}</caption>")
    out.append("<thead><tr>" + "".join(f"<th>{_esc(h)}</th>" for h in header) + "</tr></thead>")
    out.append("<tbody>")
    for row in shown:
        out.append("<tr>" + "".join(f"<td>{_esc(v)}</td>" for v in row) + "</tr>")
    out.append("</tbody>")
    more = n - len(shown)
    if more > 0:
        out.append(
            f'<tfoot><tr><td colspan="{max(len(header), 1)}">… and '
            f"{count_noun(more, 'more row', 'more rows')}</td></tr></tfoot>"
        )
    out.append("</table>")
    return "".join(out)


def _box(title: str, *parts: str) -> str:
    return f'<div class="medalliance"><strong>{html.escape(title)}</strong>{"".join(parts)}</div>'


def _line(text: str) -> str:
    return f"<div>{html.escape(text)}</div>"


_CELL_CHARS = 120
"""A field value longer than this is cut (with "…") in :func:`model_html`."""
_ITEMS_SHOWN = 6
"""Items of a list shown in one cell of :func:`model_html` before "…"."""
_NAME_FIELDS = ("id", "code", "institution", "alliance", "centre", "name", "metric", "quantity")


def _short(text: str) -> str:
    return text if len(text) <= _CELL_CHARS else text[: _CELL_CHARS - 1] + "…"


def _name_of(obj: Any) -> str | None:
    """What names a model in a list: its id, code, institution ... (``None`` if nothing does)."""
    for field in _NAME_FIELDS:
        value = getattr(obj, field, None)
        if isinstance(value, str):
            return value
    return None


def _brief(value: Any) -> str:
    """A short text for one field value: lists shortened, nested models named, text cut.

    Examples
    --------
    >>> _brief(tuple(range(100)))
    '0, 1, 2, 3, 4, 5, … (100 in all)'
    >>> _brief((("tertiary", 1), ("primary", 4)))
    'tertiary 1, primary 4'
    """
    if isinstance(value, FrozenModel):
        text = repr(value)
        if len(text) > _CELL_CHARS:
            name = _name_of(value)
            text = f"{type(value).__name__}({name!r})" if name else type(value).__name__
        return _short(text)
    if isinstance(value, dict):
        return count_noun(len(value), "entry", "entries")
    if isinstance(value, tuple | list | frozenset | set):
        items = sorted(value, key=str) if isinstance(value, frozenset | set) else list(value)
        more = f", … ({len(items):,} in all)" if len(items) > _ITEMS_SHOWN else ""
        if items and all(isinstance(v, FrozenModel) for v in items):
            names = [n for n in map(_name_of, items[:_ITEMS_SHOWN]) if n is not None]
            kinds = count_noun(len(items), type(items[0]).__name__)
            listed = f": {', '.join(names)}{more if names else ''}" if names else ""
            return _short(kinds + listed)
        parts = [
            " ".join(map(_cell, v)) if isinstance(v, tuple) else _brief(v)
            for v in items[:_ITEMS_SHOWN]
        ]
        return _short(", ".join(parts) + more)
    return _short(_cell(value))


def model_html(model: FrozenModel) -> str:
    """Compact HTML of any model: its fields that are set, one per row, each value short.

    Long text is cut, lists show their first items and how many there are, nested models
    show their one-line repr or their id: a notebook never shows a multi-kilobyte dump.
    Results and policies without a display of their own use it.

    Examples
    --------
    >>> from medalliance import examples
    >>> from medalliance.coverage import alliance_coverage
    >>> cov = alliance_coverage(examples.load("shanghai_luwan"), "luwan_ruijin")
    >>> html = model_html(cov)
    >>> html.startswith('<div class="medalliance"><strong>AllianceCoverage')
    True
    >>> "<td>by_tier</td><td>tertiary 1, secondary 2, primary 4</td>" in html, len(html) < 4000
    (True, True)
    """
    rows = [
        [name, _brief(value)]
        for name in type(model).model_fields
        if (value := getattr(model, name)) is not None
        and not (isinstance(value, tuple | list | frozenset | set | dict) and not value)
    ]
    name = _name_of(model)
    title = f"{type(model).__name__} {name}" if name else type(model).__name__
    return _box(title, html_table(["field", "value"], rows, max_rows=max(len(rows), 1)))
