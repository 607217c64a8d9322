"""Array helpers on compressed sparse row (CSR) structures: row pointers, row sums, sorting."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from medalliance.accessibility._common import (
    _LISTED,
    FloatArray,
    IdArray,
    IntArray,
    _id_text,
)
from medalliance.errors import MedAllianceError, Problem


def _kept_indptr(indptr: IntArray, kept: IntArray) -> IntArray:
    """Row pointers after keeping the pairs at the (sorted) positions ``kept``.

    The new start of a row is the number of kept pairs before its old start: one binary
    search per row, no pass over the pairs.
    """
    out: IntArray = np.searchsorted(kept, indptr).astype(np.int64, copy=False)
    return out


def _row_sums(values: FloatArray, indptr: IntArray) -> FloatArray:
    """Sum of ``values`` over each row of a CSR structure (0 for a row without pairs)."""
    n = len(indptr) - 1
    starts = indptr[:-1]
    nonempty = starts < indptr[1:]
    if not len(values):
        return np.zeros(n, dtype=np.float64)
    if nonempty.all():
        out: FloatArray = np.add.reduceat(values, starts)
        return out
    # reduceat would give an empty row the next value: sum the rows with pairs only
    out = np.zeros(n, dtype=np.float64)
    out[nonempty] = np.add.reduceat(values, starts[nonempty])
    return out


def _row_starts(rows: IntArray, n: int) -> IntArray:
    """Where each of the rows ``0..n`` starts in non-decreasing row numbers (binary searches)."""
    # probe in the rows' own integer type when it holds n (no converted copy of the rows)
    fits = rows.dtype.kind == "i" and np.iinfo(rows.dtype).max >= n
    probe = np.arange(n + 1, dtype=rows.dtype if fits else np.int64)
    out: IntArray = np.searchsorted(rows, probe).astype(np.int64, copy=False)
    return out


def _sorted_unique(
    key: IntArray,
    n_keys: int,
    pairs: tuple[IntArray, IntArray],
    ids: tuple[IdArray, IdArray],
    path: Callable[[int], tuple[str | int, ...]],
) -> IntArray:
    """The order that sorts ``key`` (in ``0..n_keys-1``); a repeated key is an error.

    Every repeated pair is reported with its row and the row that first gave it.
    """
    order: IntArray
    if n_keys <= 4 * len(key) + 65_536:
        # few possible keys (a nearly complete table): place each row at its key, no sort
        slot = np.full(n_keys, -1, dtype=np.intp)
        slot[key] = np.arange(len(key))
        order = slot[slot >= 0]
        del slot
        if len(order) == len(key):
            return order
    else:
        order = np.argsort(key)  # keys are distinct unless there is an error
        k = key[order]
        if not bool((k[1:] == k[:-1]).any()):
            return order
    # a stable sort, so that "first given at" names the first of the repeated rows
    order = np.argsort(key, kind="stable")
    k = key[order]
    dup = np.flatnonzero(k[1:] == k[:-1])
    rows, cols = pairs
    problems: list[Problem] = []
    # the first row of each run of equal keys is the one every repeat of it refers to
    starts = np.flatnonzero(np.concatenate(([True], k[1:] != k[:-1])))
    run = np.searchsorted(starts, dup + 1, side="right") - 1
    later, first = order[dup + 1], order[starts[run]]
    for a, b in zip(later[:_LISTED].tolist(), first[:_LISTED].tolist(), strict=True):
        o, s = ids[0][rows[a]], ids[1][cols[a]]
        msg = f"duplicate pair ({_id_text(o)}, {_id_text(s)}), first given at {b}"
        problems.append(Problem(path(a), msg))
    if len(dup) > _LISTED:
        more = f"... and {len(dup) - _LISTED} more duplicate pairs"
        problems.append(Problem((), more))
    raise MedAllianceError(problems)
