"""Input checks shared by the accessibility modules: ids, amounts, costs, cutoffs.

Every check raises :class:`~medalliance.errors.MedAllianceError` naming each problem and its
position (at most ``_LISTED`` of one kind, then a count).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from medalliance.errors import MedAllianceError, Problem

FloatArray = np.ndarray[Any, np.dtype[np.float64]]
IntArray = np.ndarray[Any, np.dtype[np.int64]]
BoolArray = np.ndarray[Any, np.dtype[np.bool_]]
IdArray = np.ndarray[Any, np.dtype[Any]]
"""Ids: a read-only 1-D array of ``str`` (numpy unicode) or ``int64``."""

_LISTED = 20
"""At most this many problems of one kind are listed; the rest are counted in one line."""

# --------------------------------------------------------------------------------------
# input helpers


def _readonly(a: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    a.flags.writeable = False
    return a


def _flag(
    out: list[Problem],
    path: tuple[str | int, ...],
    positions: np.ndarray[Any, Any],
    message: Callable[[int], str],
    what: str,
) -> None:
    """Add one problem per bad position (at most ``_LISTED``, then one line with the rest)."""
    for p in positions[:_LISTED].tolist():
        out.append(Problem((*path, int(p)), message(int(p))))
    if len(positions) > _LISTED:
        out.append(Problem(path, f"... and {len(positions) - _LISTED} more {what}"))


def _id_array(values: ArrayLike) -> np.ndarray[Any, Any]:
    """An array of ids without numpy's silent coercion of mixed lists (``["a", 2]``)."""
    if isinstance(values, list | tuple):
        return np.array(values, dtype=object) if len(values) else np.array([], dtype=str)
    return np.asarray(values)


def _as_ids(values: ArrayLike, field: str) -> IdArray:
    """Ids as a fresh read-only 1-D array of str or int64; duplicates are errors."""
    arr = _id_array(values)
    if arr.ndim != 1:
        raise MedAllianceError([Problem((field,), f"ids must be 1-D, got shape {arr.shape}")])
    kind = arr.dtype.kind
    if kind == "O":
        arr = _as_ids_loose(arr, field)
        kind = arr.dtype.kind
    if kind in "iu":
        if kind == "u" and arr.size and int(arr.max()) > np.iinfo(np.int64).max:
            raise MedAllianceError([Problem((field,), "integer ids must fit in int64")])
        out = arr.astype(np.int64, copy=True)
    elif kind == "U":
        out = arr.copy()
    else:
        raise MedAllianceError(
            [Problem((field,), f"ids must be strings or integers, got dtype {arr.dtype}")]
        )
    order = np.argsort(out, kind="stable")
    s = out[order]
    dup = order[1:][s[1:] == s[:-1]]
    if len(dup):
        problems: list[Problem] = []
        _flag(
            problems,
            (field,),
            np.sort(dup),
            lambda i: f"duplicate id {_id_text(out[i])}",
            "duplicate ids",
        )
        raise MedAllianceError(problems)
    return _readonly(out)


def _numbers(values: ArrayLike, field: str) -> np.ndarray[Any, Any]:
    """An array of numbers; None, text or booleans (mixed in or not) are errors."""
    arr = np.array(values, dtype=object) if isinstance(values, list | tuple) else np.asarray(values)
    if arr.dtype.kind in "USV":
        raise MedAllianceError([Problem((field,), f"must be numbers, got {arr.dtype}")])
    if arr.dtype.kind == "b":
        raise MedAllianceError([Problem((field,), "must be numbers, got booleans")])
    if arr.dtype.kind != "O":
        return arr
    items = arr.ravel().tolist()
    bad = [
        i
        for i, x in enumerate(items)
        if isinstance(x, bool) or not isinstance(x, int | float | np.number)
    ]
    if bad:
        problems: list[Problem] = []
        _flag(
            problems,
            (field,),
            np.asarray(bad),
            lambda i: f"must be a number, got {items[i]!r}",
            "values that are not numbers",
        )
        raise MedAllianceError(problems)
    return arr.astype(np.float64)


def _as_amounts(values: ArrayLike, n: int, field: str) -> FloatArray:
    """Non-negative finite float64 amounts (people, capacity), a fresh read-only copy."""
    arr = _numbers(values, field)
    if arr.dtype.kind not in "iuf":
        raise MedAllianceError([Problem((field,), f"values must be numbers, got {arr.dtype}")])
    if arr.ndim != 1 or len(arr) != n:
        raise MedAllianceError(
            [Problem((field,), f"expected {n} values (one per id), got shape {arr.shape}")]
        )
    out = arr.astype(np.float64, copy=True)
    problems: list[Problem] = []
    _flag(
        problems,
        (field,),
        np.flatnonzero(~np.isfinite(out)),
        lambda i: f"must be a finite number, got {out[i]}",
        "non-finite values",
    )
    _flag(
        problems,
        (field,),
        np.flatnonzero(out < 0),
        lambda i: f"must be >= 0, got {out[i]}",
        "negative values",
    )
    if problems:
        raise MedAllianceError(problems)
    return _readonly(out)


def _as_coords(lat: ArrayLike | None, lon: ArrayLike | None, n: int) -> tuple[Any, Any]:
    if lat is None and lon is None:
        return None, None
    if lat is None or lon is None:
        raise MedAllianceError([Problem(("lat",), "lat and lon must be given together")])
    problems: list[Problem] = []
    out: list[FloatArray] = []
    for field, values, limit in (("lat", lat, 90.0), ("lon", lon, 180.0)):
        try:
            arr = _numbers(values, field).astype(np.float64, copy=True)
        except MedAllianceError as exc:
            problems.extend(exc.problems)
            continue
        if arr.ndim != 1 or len(arr) != n:
            problems.append(Problem((field,), f"expected {n} values, got shape {arr.shape}"))
            out.append(arr)
            continue
        bad = np.flatnonzero(~(np.abs(arr) <= limit))
        for p in bad[:_LISTED].tolist():
            msg = f"must be a number within ±{limit:g} degrees, got {arr[p]}"
            problems.append(Problem((field, p), msg))
        if len(bad) > _LISTED:
            problems.append(Problem((field,), f"... and {len(bad) - _LISTED} more bad values"))
        out.append(_readonly(arr))
    if problems:
        raise MedAllianceError(problems)
    return out[0], out[1]


def _id_text(value: Any) -> str:
    return repr(value.item() if isinstance(value, np.generic) else value)


def _lookup(ids: IdArray, values: ArrayLike, field: str, what: str) -> IntArray:
    """Positions of ``values`` in ``ids``; every unknown value is an error.

    When the ids are ``0, 1, ..., n-1`` the positions are the values themselves, returned
    without a copy: the result may be the caller's array, to be read, never written or kept.
    """
    vals = _id_array(values)
    if vals.ndim != 1:
        raise MedAllianceError([Problem((field,), f"expected a 1-D sequence of {what} ids")])
    if len(vals) == 0:
        return np.zeros(0, dtype=np.int64)
    if vals.dtype.kind == "O":
        vals = _as_ids_loose(vals, field)
    if vals.dtype.kind == "u" and int(vals.max()) <= np.iinfo(np.int64).max:
        vals = vals.astype(np.int64)
    ok_kind = (ids.dtype.kind == "U" and vals.dtype.kind == "U") or (
        ids.dtype.kind == "i" and vals.dtype.kind == "i"
    )
    lo = int(ids.min()) if ok_kind and ids.dtype.kind == "i" and len(ids) else 0
    span = int(ids.max()) - lo + 1 if ok_kind and ids.dtype.kind == "i" and len(ids) else 0
    if not ok_kind or len(ids) == 0:
        found = np.zeros(len(vals), dtype=bool)
        pos = np.zeros(len(vals), dtype=np.int64)
    elif span == len(ids) and ids[0] == lo and bool((np.diff(ids) == 1).all()):
        # ids lo, lo+1, ..., lo+n-1 in order: the position is the id minus lo
        pos = np.subtract(vals, lo, dtype=np.int64) if lo else vals
        # one pass: read as unsigned, a negative position is larger than any valid one
        if int(pos.view(f"u{pos.dtype.itemsize}").max()) < span:
            return pos
        found = (pos >= 0) & (pos < span)
    elif 0 < span <= 4 * len(ids) + 1024:
        # integer ids in a compact range: a direct table instead of a search
        table = np.full(span, -1, dtype=np.int64)
        table[ids - lo] = np.arange(len(ids))
        shifted = np.subtract(vals, lo, dtype=np.int64)  # no overflow in a small type
        inside = (shifted >= 0) & (shifted < span)
        pos = np.where(inside, table[np.where(inside, shifted, 0)], -1)
        found = pos >= 0
    else:
        pos, found = _search(ids, vals)
    if not found.all():
        problems: list[Problem] = []
        _flag(
            problems,
            (field,),
            np.flatnonzero(~found),
            lambda i: f"unknown {what} id {_id_text(vals[i])}",
            f"unknown {what} ids",
        )
        raise MedAllianceError(problems)
    return pos


def _search(ids: IdArray, vals: np.ndarray[Any, Any]) -> tuple[IntArray, BoolArray]:
    """Positions of ``vals`` in ``ids`` by binary search, and whether each was found.

    A column sorted or grouped by id (the origin column of most cost tables) holds long runs
    of one value: then only the first value of each run is searched.
    """
    heads = None
    sample = vals[:4097]  # a first look, so that a column without runs costs little
    if len(vals) > 4096 and int(np.count_nonzero(sample[1:] != sample[:-1])) < 1024:
        change = vals[1:] != vals[:-1]
        if int(np.count_nonzero(change)) < len(vals) // 4:
            heads = np.flatnonzero(np.concatenate(([True], change)))  # where each run starts
        del change
    probe = vals if heads is None else vals[heads]
    order = np.argsort(ids, kind="stable")
    s = ids[order]
    k = np.minimum(np.searchsorted(s, probe), len(s) - 1)
    found: BoolArray = s[k] == probe
    pos: IntArray = order[k].astype(np.int64)
    if heads is not None:
        lengths = np.diff(np.append(heads, len(vals)))
        pos, found = np.repeat(pos, lengths), np.repeat(found, lengths)
    return pos, found


def _as_ids_loose(vals: np.ndarray[Any, Any], field: str) -> np.ndarray[Any, Any]:
    """Ids from an object array: all str or all int (bool is not an id)."""
    items = vals.tolist()
    if all(isinstance(x, str) for x in items):
        return np.array(items, dtype=str) if items else np.array([], dtype=str)
    if all(isinstance(x, int) and not isinstance(x, bool) for x in items):
        return np.array(items, dtype=np.int64)
    first_str = isinstance(items[0], str)
    bad = [
        i
        for i, x in enumerate(items)
        if (
            not isinstance(x, str) if first_str else (not isinstance(x, int) or isinstance(x, bool))
        )
    ]
    problems: list[Problem] = []
    _flag(
        problems,
        (field,),
        np.asarray(bad),
        lambda i: f"ids must be all strings or all integers, got {items[i]!r}",
        "bad ids",
    )
    raise MedAllianceError(problems)


def _as_cutoff(value: float | None, field: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float | np.number):
        raise MedAllianceError([Problem((field,), f"must be a number, got {value!r}")])
    v = float(value)
    if not (math.isfinite(v) and v >= 0):
        raise MedAllianceError([Problem((field,), f"must be a finite number >= 0, got {v}")])
    return v


def _as_costs(values: ArrayLike, field: str, *, copy: bool = True) -> FloatArray:
    """Costs as a 1-D float64 array; with ``copy=False`` possibly the caller's own array."""
    arr = _numbers(values, field)
    if arr.dtype.kind not in "iuf":
        raise MedAllianceError([Problem((field,), f"costs must be numbers, got {arr.dtype}")])
    if arr.ndim != 1:
        raise MedAllianceError([Problem((field,), f"costs must be 1-D, got shape {arr.shape}")])
    return arr.astype(np.float64, copy=copy)


def _cost_problems(cost: FloatArray, path: tuple[str | int, ...]) -> list[Problem]:
    problems: list[Problem] = []
    if not len(cost) or (cost.min() >= 0 and np.isfinite(cost.max())):
        return problems  # the common case in two passes, no temporaries (NaN fails min >= 0)
    _flag(
        problems,
        path,
        np.flatnonzero(np.isnan(cost) | np.isinf(cost)),
        lambda i: f"cost must be a finite number, got {cost[i]}",
        "non-finite costs",
    )
    _flag(
        problems,
        path,
        np.flatnonzero(cost < 0),
        lambda i: f"negative cost {cost[i]}",
        "negative costs",
    )
    return problems


def _position(ids: IdArray, value: Any, what: str) -> int:
    from medalliance.errors import UnknownIdError

    try:
        hits = np.flatnonzero(ids == np.asarray(value, dtype=ids.dtype))
    except (TypeError, ValueError):
        hits = np.zeros(0, dtype=np.int64)
    if len(hits) != 1:
        raise UnknownIdError([Problem((), f"unknown {what} id {value!r}")])
    return int(hits[0])
