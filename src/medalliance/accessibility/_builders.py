"""Build the travel-time structure from a long table or a scipy sparse matrix."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from medalliance.accessibility._common import (
    _LISTED,
    FloatArray,
    IdArray,
    IntArray,
    _as_costs,
    _as_cutoff,
    _as_ids,
    _cost_problems,
    _lookup,
)
from medalliance.accessibility._costs import CostMatrix, _build
from medalliance.accessibility._csr import _kept_indptr, _row_starts, _sorted_unique
from medalliance.errors import MedAllianceError, Problem


def _from_pairs(
    pairs: tuple[IntArray, IntArray, FloatArray],
    ids: tuple[IdArray, IdArray],
    *,
    cutoff_min: float | None,
    path: Callable[[int], tuple[str | int, ...]],
) -> CostMatrix:
    """CSR with sorted columns from unordered pairs; duplicate pairs are errors.

    ``rows``, ``cols`` and ``cost`` may be the caller's own arrays: they are only read, and
    the structure gets fresh copies. Pairs given in CSR order (by origin, then site: the usual
    order of a routing engine's output) need no sort: one pass over an int64 key shows that
    the order is strictly increasing, which also rules out duplicates.
    """
    rows, cols, cost = pairs
    origin_ids, site_ids = ids
    n = len(origin_ids)
    order: IntArray | None = None  # None: the pairs are already in CSR order (no sort)
    if len(rows) > 1:
        key = np.multiply(rows, max(len(site_ids), 1), dtype=np.int64)
        np.add(key, cols, out=key)
        if not bool(np.greater(key[1:], key[:-1]).all()):
            order = _sorted_unique(key, n * max(len(site_ids), 1), (rows, cols), ids, path)
        del key
    keep: IntArray | None = None  # positions of the pairs within the cutoff, in CSR order
    if cutoff_min is not None:
        inside = cost <= cutoff_min
        if not inside.all():
            keep = np.flatnonzero(inside) if order is None else order[inside[order]]
        del inside
    c: np.ndarray[Any, Any]  # site positions, converted to int32 by _build
    if order is None:
        # rows are non-decreasing: row r spans starts[r]:starts[r + 1] of the input
        starts = _row_starts(rows, n)
        if keep is None:
            indptr, c, x = starts, cols.astype(np.int32), cost.copy()
        else:
            indptr, c, x = _kept_indptr(starts, keep), cols[keep], cost[keep]
    else:
        sel = order if keep is None else keep
        r = rows[sel]  # sorted
        indptr = _row_starts(r, n)
        c, x = cols[sel], cost[sel]
    return _build((origin_ids, site_ids), indptr, c, x, cutoff_min=cutoff_min)


def costs_from_table(
    origin: ArrayLike,
    destination: ArrayLike,
    cost: ArrayLike,
    *,
    origin_ids: ArrayLike,
    site_ids: ArrayLike,
    cutoff_min: float | None = None,
) -> CostMatrix:
    """Build the cost structure from a long table: one (origin, destination, cost) per row.

    Parameters
    ----------
    origin, destination : sequence of str or int
        Origin and destination id of each row.
    cost : sequence of float
        Travel time of each row in minutes (finite, >= 0; 0 is a valid cost).
    origin_ids, site_ids : sequence of str or int
        Every origin and every site, in the order results will follow (usually
        ``population.ids`` and ``supply.ids``); points without any row are fine.
    cutoff_min : float, optional
        Keep only rows with ``cost <= cutoff_min`` (minutes, inclusive).

    Returns
    -------
    CostMatrix

    Raises
    ------
    MedAllianceError
        Listing every unknown id, negative or non-finite cost and repeated
        (origin, destination) pair with its row, and columns of different lengths.

    Examples
    --------
    >>> c = costs_from_table(["a", "b"], ["x", "x"], [30, 30.5],
    ...                      origin_ids=["a", "b"], site_ids=["x"], cutoff_min=30)
    >>> c.n_pairs
    1
    >>> costs_from_table(["a", "q"], ["x", "x"], [-1, 2], origin_ids=["a"], site_ids=["x"])
    Traceback (most recent call last):
    ...
    medalliance.errors.MedAllianceError: 2 problems:
      - origin[1]: unknown origin id 'q'
      - cost[0]: negative cost -1.0
    """
    oids = _as_ids(origin_ids, "origin_ids")
    sids = _as_ids(site_ids, "site_ids")
    cut = _as_cutoff(cutoff_min, "cutoff_min")
    c = _as_costs(cost, "cost", copy=False)  # read only; the structure gets its own copy
    o_arr, d_arr = np.asarray(origin), np.asarray(destination)
    if not (len(o_arr) == len(d_arr) == len(c)) or o_arr.ndim != 1 or d_arr.ndim != 1:
        msg = (
            "origin, destination and cost must be 1-D and of one length, got "
            f"{o_arr.shape}, {d_arr.shape}, {c.shape}"
        )
        raise MedAllianceError([Problem((), msg)])
    problems: list[Problem] = []
    rows = cols = np.zeros(0, dtype=np.int64)
    try:
        rows = _lookup(oids, o_arr, "origin", "origin")
    except MedAllianceError as exc:
        problems.extend(exc.problems)
    try:
        cols = _lookup(sids, d_arr, "destination", "site")
    except MedAllianceError as exc:
        problems.extend(exc.problems)
    problems.extend(_cost_problems(c, ("cost",)))
    if problems:
        raise MedAllianceError(problems)
    return _from_pairs((rows, cols, c), (oids, sids), cutoff_min=cut, path=lambda r: ("cost", r))


def costs_from_sparse(
    matrix: Any,
    *,
    origin_ids: ArrayLike,
    site_ids: ArrayLike,
    cutoff_min: float | None = None,
) -> CostMatrix:
    """Build the cost structure from a scipy sparse matrix (origins × sites) of minutes.

    Every **stored** entry is a pair, including stored zeros (a cost of 0); entries not
    stored are "no pair". The matrix is not modified.

    Parameters
    ----------
    matrix : scipy.sparse matrix or array
        Travel times in minutes, shape ``(len(origin_ids), len(site_ids))``; any format
        (CSR, CSC, COO, ...).
    origin_ids, site_ids : sequence of str or int
        Row and column ids.
    cutoff_min : float, optional
        Keep only entries with ``cost <= cutoff_min`` (minutes, inclusive).

    Returns
    -------
    CostMatrix

    Raises
    ------
    MedAllianceError
        For a dense input, a wrong shape, negative or non-finite entries, or an entry stored
        twice (an uncompressed COO matrix with repeated coordinates).

    Examples
    --------
    >>> from scipy import sparse
    >>> m = sparse.coo_matrix(([0.0, 12.0], ([0, 1], [1, 0])), shape=(2, 2))
    >>> c = costs_from_sparse(m, origin_ids=["a", "b"], site_ids=["x", "y"])
    >>> c.rows()[0]
    {'origin': 'a', 'site': 'y', 'cost': 0.0}
    """
    from medalliance._optional import require

    sparse = require("scipy.sparse", extra="core")
    if not sparse.issparse(matrix):
        raise MedAllianceError(
            [Problem(("matrix",), f"expected a scipy sparse matrix, got {type(matrix).__name__}")]
        )
    oids = _as_ids(origin_ids, "origin_ids")
    sids = _as_ids(site_ids, "site_ids")
    cut = _as_cutoff(cutoff_min, "cutoff_min")
    if matrix.shape != (len(oids), len(sids)):
        msg = f"shape {matrix.shape} does not match {len(oids)} origins x {len(sids)} sites"
        raise MedAllianceError([Problem(("matrix",), msg)])
    coo = matrix.tocoo(copy=True)
    rows = np.asarray(coo.row, dtype=np.int64)
    cols = np.asarray(coo.col, dtype=np.int64)
    c = np.asarray(coo.data)
    if c.dtype.kind not in "iuf":
        raise MedAllianceError([Problem(("matrix",), f"costs must be numbers, got {c.dtype}")])
    c = c.astype(np.float64, copy=True)
    problems: list[Problem] = []
    bad = np.flatnonzero(~np.isfinite(c) | (c < 0))
    for p in bad[:_LISTED].tolist():
        problems.append(
            Problem(
                ("matrix", int(rows[p]), int(cols[p])),
                f"cost must be a finite number >= 0, got {c[p]}",
            )
        )
    if len(bad) > _LISTED:
        problems.append(Problem(("matrix",), f"... and {len(bad) - _LISTED} more bad costs"))
    if problems:
        raise MedAllianceError(problems)
    return _from_pairs(
        (rows, cols, c),
        (oids, sids),
        cutoff_min=cut,
        path=lambda p: ("matrix", int(rows[p]), int(cols[p])),
    )
