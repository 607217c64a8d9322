"""Array helpers on CSR (compressed sparse row) structures (internal, no Python loops).

A CSR structure stores rows of varying length as ``indices[indptr[r]:indptr[r + 1]]``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

IntArray = np.ndarray[Any, np.dtype[np.int64]]

__all__ = ["gather", "ranges", "row_ids", "transpose"]


def ranges(starts: IntArray, lengths: IntArray) -> IntArray:
    """Concatenate ``arange(s, s + n)`` for every ``(s, n)``.

    Examples
    --------
    >>> ranges(np.array([5, 0]), np.array([2, 3])).tolist()
    [5, 6, 0, 1, 2]
    """
    total = int(lengths.sum())
    if total == 0:
        return np.zeros(0, dtype=np.int64)
    ends = np.cumsum(lengths)
    offsets = np.repeat(starts - (ends - lengths), lengths)
    return np.asarray(offsets + np.arange(total, dtype=np.int64), dtype=np.int64)


def gather(indptr: IntArray, indices: IntArray, rows: IntArray) -> IntArray:
    """Concatenate the CSR rows ``rows`` (``indices[indptr[r]:indptr[r + 1]]`` for each r).

    Examples
    --------
    >>> indptr = np.array([0, 2, 2, 5]); indices = np.array([7, 8, 1, 2, 3])
    >>> gather(indptr, indices, np.array([2, 0])).tolist()
    [1, 2, 3, 7, 8]
    """
    starts = indptr[rows]
    return np.asarray(indices[ranges(starts, indptr[rows + 1] - starts)], dtype=np.int64)


def row_ids(indptr: IntArray, rows: IntArray) -> IntArray:
    """For :func:`gather` of ``rows``: which of ``rows`` each gathered entry comes from.

    Examples
    --------
    >>> row_ids(np.array([0, 2, 2, 5]), np.array([2, 0])).tolist()
    [0, 0, 0, 1, 1]
    """
    lengths = indptr[rows + 1] - indptr[rows]
    return np.repeat(np.arange(len(rows), dtype=np.int64), lengths)


def transpose(indptr: IntArray, indices: IntArray, n_cols: int) -> tuple[IntArray, IntArray]:
    """CSR of the transpose: for each column, the rows that contain it (sorted).

    Examples
    --------
    >>> ptr, idx = transpose(np.array([0, 2, 3]), np.array([0, 1, 1]), 2)
    >>> ptr.tolist(), idx.tolist()
    ([0, 1, 3], [0, 0, 1])
    """
    rows = np.repeat(np.arange(len(indptr) - 1, dtype=np.int64), np.diff(indptr))
    order = np.argsort(indices, kind="stable")
    counts = np.bincount(indices, minlength=n_cols)
    ptr = np.zeros(n_cols + 1, dtype=np.int64)
    np.cumsum(counts, out=ptr[1:])
    return ptr, rows[order]
