"""The sparse travel-cost structure (:class:`CostMatrix`), from a long table or a sparse matrix."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from medalliance.accessibility._common import (
    _LISTED,
    BoolArray,
    FloatArray,
    IdArray,
    IntArray,
    _as_costs,
    _as_cutoff,
    _as_ids,
    _cost_problems,
    _flag,
    _id_text,
    _lookup,
    _position,
    _readonly,
)
from medalliance.errors import MedAllianceError, Problem
from medalliance.model.types import Tabular

# --------------------------------------------------------------------------------------
# the cost structure


@dataclass(frozen=True, eq=False, repr=False)
class CostMatrix(Tabular):
    """Travel costs between origins and sites, kept only for the pairs that exist.

    A compressed sparse row (CSR) structure over origins × sites: the pairs of origin ``i``
    are ``indices[indptr[i]:indptr[i + 1]]`` (site positions) with costs
    ``cost[indptr[i]:indptr[i + 1]]``. Unlike a scipy sparse matrix, a stored cost of 0 is a
    pair (origin and site at the same place), distinct from "no pair". Build it with
    :func:`costs_from_table`, :func:`costs_from_sparse` or
    :func:`~medalliance.accessibility.costs_from_coordinates`.

    Attributes
    ----------
    origin_ids, site_ids : numpy.ndarray
        Row and column ids (read-only), in the order given when the structure was built;
        every result follows this order.
    indptr : numpy.ndarray of int64
        Row pointers, length ``n_origins + 1``.
    indices : numpy.ndarray of int32
        Site position of each pair.
    cost : numpy.ndarray of float64
        Cost of each pair (finite, >= 0).
    cutoff : float or None
        Pairs with a cost above it were left out when building (inclusive: a cost equal to
        it is kept); ``None`` when no pair was left out for its cost.
    unit : str
        Unit of the costs (``"min"`` for travel times).

    Examples
    --------
    >>> costs = costs_from_table(["a", "a", "b"], ["x", "y", "y"], [0.0, 12.5, 31.0],
    ...                          origin_ids=["a", "b"], site_ids=["x", "y"], cutoff=30)
    >>> costs
    CostMatrix(2 origins x 2 sites, 2 pairs, cutoff 30 min)
    >>> costs.rows()
    [{'origin': 'a', 'site': 'x', 'cost': 0.0}, {'origin': 'a', 'site': 'y', 'cost': 12.5}]
    """

    origin_ids: IdArray
    site_ids: IdArray
    indptr: IntArray
    indices: np.ndarray[Any, np.dtype[np.int32]]
    cost: FloatArray
    cutoff: float | None = None
    unit: str = "min"

    def __post_init__(self) -> None:
        """Check a structure given directly (the builders make valid ones and skip this)."""
        problems: list[Problem] = []
        fields: dict[str, Any] = {}
        for name in ("origin_ids", "site_ids"):
            try:
                fields[name] = _as_ids(getattr(self, name), name)
            except MedAllianceError as exc:
                problems.extend(exc.problems)
        try:
            fields["cutoff"] = _as_cutoff(self.cutoff, "cutoff")
        except MedAllianceError as exc:
            problems.extend(exc.problems)
        indptr = np.array(self.indptr, dtype=np.int64)
        indices = np.array(self.indices, dtype=np.int64)
        cost = _as_costs(self.cost, "cost")
        if problems:
            raise MedAllianceError(problems)
        n, m = len(fields["origin_ids"]), len(fields["site_ids"])
        if indptr.shape != (n + 1,) or indptr[0] != 0 or (np.diff(indptr) < 0).any():
            problems.append(
                Problem(("indptr",), f"must be {n + 1} non-decreasing row pointers from 0")
            )
        elif indices.shape != cost.shape or indptr[-1] != len(cost):
            msg = f"indptr ends at {indptr[-1]}, with {len(indices)} indices and {len(cost)} costs"
            problems.append(Problem(("indices",), msg))
        _flag(
            problems,
            ("indices",),
            np.flatnonzero((indices < 0) | (indices >= m)),
            lambda i: f"site position {indices[i]} out of range (0..{m - 1})",
            "bad site positions",
        )
        problems.extend(_cost_problems(cost, ("cost",)))
        cut = fields.get("cutoff")
        if cut is not None and not problems:
            _flag(
                problems,
                ("cost",),
                np.flatnonzero(cost > cut),
                lambda i: f"cost {cost[i]} exceeds the cutoff {cut:g}",
                "costs above the cutoff",
            )
        if not problems and len(indices):
            rows = np.repeat(np.arange(n, dtype=np.int64), np.diff(indptr))
            key = np.sort(rows * max(m, 1) + indices)
            if (key[1:] == key[:-1]).any():
                problems.append(Problem(("indices",), "a pair is stored twice"))
        if problems:
            raise MedAllianceError(problems)
        fields["indptr"] = _readonly(indptr)
        fields["indices"] = _readonly(indices.astype(np.int32))
        fields["cost"] = _readonly(cost)
        fields["unit"] = str(self.unit)
        for name, value in fields.items():
            object.__setattr__(self, name, value)

    @property
    def n_origins(self) -> int:
        """Number of origins (rows).

        Examples
        --------
        >>> c = costs_from_table(["a"], ["x"], [4], origin_ids=["a", "b"], site_ids=["x"])
        >>> c.n_origins
        2
        """
        return len(self.origin_ids)

    @property
    def n_sites(self) -> int:
        """Number of sites (columns).

        Examples
        --------
        >>> c = costs_from_table(["a"], ["x"], [4], origin_ids=["a", "b"], site_ids=["x"])
        >>> c.n_sites
        1
        """
        return len(self.site_ids)

    @property
    def n_pairs(self) -> int:
        """Number of stored pairs.

        Examples
        --------
        >>> costs_from_table([1], [7], [3.0], origin_ids=[1, 2], site_ids=[7]).n_pairs
        1
        """
        return len(self.cost)

    def __repr__(self) -> str:
        cut = "no cutoff" if self.cutoff is None else f"cutoff {self.cutoff:g} {self.unit}"
        return (
            f"CostMatrix({self.n_origins} origins x {self.n_sites} sites, "
            f"{self.n_pairs} pairs, {cut})"
        )

    def origin_positions(self) -> np.ndarray[Any, Any]:
        """The origin (row) position of every stored pair, aligned with :attr:`cost`.

        Examples
        --------
        >>> c = costs_from_table(["b", "a", "b"], ["x", "x", "y"], [1, 2, 3],
        ...                      origin_ids=["a", "b"], site_ids=["x", "y"])
        >>> c.origin_positions().tolist(), c.indices.tolist(), c.cost.tolist()
        ([0, 1, 1], [0, 0, 1], [2.0, 1.0, 3.0])
        """
        cached = self.__dict__.get("_rows")
        if cached is None:
            dtype = np.int32 if self.n_origins < 2**31 else np.int64
            rows = np.repeat(np.arange(self.n_origins, dtype=dtype), np.diff(self.indptr))
            cached = _readonly(rows)
            object.__setattr__(self, "_rows", cached)  # a cache of a derived array
        out: np.ndarray[Any, Any] = cached
        return out

    def pairs_of(self, origin: str | int) -> tuple[IdArray, FloatArray]:
        """The site ids and costs of one origin's pairs.

        Raises
        ------
        UnknownIdError
            For an origin id the structure does not hold.

        Examples
        --------
        >>> c = costs_from_table(["a", "a"], ["x", "y"], [4, 9],
        ...                      origin_ids=["a"], site_ids=["x", "y"])
        >>> sites, cost = c.pairs_of("a")
        >>> sites.tolist(), cost.tolist()
        (['x', 'y'], [4.0, 9.0])
        """
        i = _position(self.origin_ids, origin, "origin")
        lo, hi = int(self.indptr[i]), int(self.indptr[i + 1])
        return self.site_ids[self.indices[lo:hi]], self.cost[lo:hi].copy()

    def within(self, cutoff: float) -> CostMatrix:
        """A new structure keeping only the pairs with ``cost <= cutoff``.

        Raises
        ------
        MedAllianceError
            When ``cutoff`` is not a finite number >= 0, or exceeds the structure's own
            cutoff (the pairs beyond it are not there).

        Examples
        --------
        >>> c = costs_from_table(["a", "a"], ["x", "y"], [15, 15.5],
        ...                      origin_ids=["a"], site_ids=["x", "y"])
        >>> c.within(15)
        CostMatrix(1 origins x 2 sites, 1 pairs, cutoff 15 min)
        """
        cut = _check_cutoff(self, cutoff, "cutoff")
        assert cut is not None
        keep = self.cost <= cut
        return _filtered(self, keep, cut)

    def to_scipy(self) -> Any:
        """The costs as a ``scipy.sparse.csr_matrix`` (origins × sites).

        Stored zero costs stay explicit entries of the matrix; scipy operations such as
        ``eliminate_zeros`` or arithmetic may drop them, after which a zero-cost pair and
        "no pair" can no longer be told apart.

        Examples
        --------
        >>> c = costs_from_table(["a"], ["x"], [0.0], origin_ids=["a"], site_ids=["x", "y"])
        >>> m = c.to_scipy()
        >>> m.shape, m.nnz
        ((1, 2), 1)
        """
        from medalliance._optional import require

        sparse = require("scipy.sparse", extra="core")
        return sparse.csr_matrix(
            (self.cost.copy(), self.indices.copy(), self.indptr.copy()),
            shape=(self.n_origins, self.n_sites),
        )

    def rows(self) -> list[dict[str, Any]]:
        """The long table: one row per pair, ``origin``, ``site``, ``cost``.

        Examples
        --------
        >>> costs_from_table([1], [2], [7.5], origin_ids=[1], site_ids=[2]).rows()
        [{'origin': 1, 'site': 2, 'cost': 7.5}]
        """
        origins = self.origin_ids[self.origin_positions()].tolist()
        sites = self.site_ids[self.indices].tolist()
        return [
            {"origin": o, "site": s, "cost": c}
            for o, s, c in zip(origins, sites, self.cost.tolist(), strict=True)
        ]


def _check_cutoff(costs: CostMatrix, cutoff: float | None, field: str) -> float | None:
    cut = _as_cutoff(cutoff, field)
    if cut is not None and costs.cutoff is not None and cut > costs.cutoff:
        msg = (
            f"{cut:g} {costs.unit} exceeds the cost structure's cutoff "
            f"({costs.cutoff:g} {costs.unit}): the pairs beyond it were never kept; "
            "build the costs with a larger cutoff"
        )
        raise MedAllianceError([Problem((field,), msg)])
    return cut


def _filtered(costs: CostMatrix, keep: BoolArray, cutoff: float | None) -> CostMatrix:
    kept = np.flatnonzero(keep)
    return _build(
        (costs.origin_ids, costs.site_ids),
        _kept_indptr(costs.indptr, kept),
        costs.indices[kept],
        costs.cost[kept],
        cutoff=cutoff,
        unit=costs.unit,
    )


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


def _build(
    ids: tuple[IdArray, IdArray],
    indptr: IntArray,
    indices: np.ndarray[Any, Any],
    cost: FloatArray,
    *,
    cutoff: float | None,
    unit: str,
) -> CostMatrix:
    """A CostMatrix from arrays the builders have checked (no second validation pass)."""
    out = object.__new__(CostMatrix)
    fields = {
        "origin_ids": ids[0],
        "site_ids": ids[1],
        "indptr": _readonly(np.ascontiguousarray(indptr, dtype=np.int64)),
        "indices": _readonly(np.ascontiguousarray(indices, dtype=np.int32)),
        "cost": _readonly(np.ascontiguousarray(cost, dtype=np.float64)),
        "cutoff": cutoff,
        "unit": unit,
    }
    for name, value in fields.items():
        object.__setattr__(out, name, value)
    return out


def _from_pairs(
    pairs: tuple[IntArray, IntArray, FloatArray],
    ids: tuple[IdArray, IdArray],
    *,
    cutoff: float | None,
    unit: str,
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
    if cutoff is not None:
        inside = cost <= cutoff
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
    return _build((origin_ids, site_ids), indptr, c, x, cutoff=cutoff, unit=unit)


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


def costs_from_table(
    origin: ArrayLike,
    destination: ArrayLike,
    cost: ArrayLike,
    *,
    origin_ids: ArrayLike,
    site_ids: ArrayLike,
    cutoff: float | None = None,
    unit: str = "min",
) -> CostMatrix:
    """Build the cost structure from a long table: one (origin, destination, cost) per row.

    Parameters
    ----------
    origin, destination : sequence of str or int
        Origin and destination id of each row.
    cost : sequence of float
        Cost of each row (finite, >= 0; 0 is a valid cost).
    origin_ids, site_ids : sequence of str or int
        Every origin and every site, in the order results will follow (usually
        ``population.ids`` and ``supply.ids``); points without any row are fine.
    cutoff : float, optional
        Keep only rows with ``cost <= cutoff`` (inclusive).
    unit : str, default "min"
        Unit of the costs, for messages and reports.

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
    ...                      origin_ids=["a", "b"], site_ids=["x"], cutoff=30)
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
    cut = _as_cutoff(cutoff, "cutoff")
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
    return _from_pairs(
        (rows, cols, c), (oids, sids), cutoff=cut, unit=str(unit), path=lambda r: ("cost", r)
    )


def costs_from_sparse(
    matrix: Any,
    *,
    origin_ids: ArrayLike,
    site_ids: ArrayLike,
    cutoff: float | None = None,
    unit: str = "min",
) -> CostMatrix:
    """Build the cost structure from a scipy sparse matrix (origins × sites).

    Every **stored** entry is a pair, including stored zeros (a cost of 0); entries not
    stored are "no pair". The matrix is not modified.

    Parameters
    ----------
    matrix : scipy.sparse matrix or array
        Shape ``(len(origin_ids), len(site_ids))``; any format (CSR, CSC, COO, ...).
    origin_ids, site_ids : sequence of str or int
        Row and column ids.
    cutoff : float, optional
        Keep only entries with ``cost <= cutoff`` (inclusive).
    unit : str, default "min"
        Unit of the costs.

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
    cut = _as_cutoff(cutoff, "cutoff")
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
        cutoff=cut,
        unit=str(unit),
        path=lambda p: ("matrix", int(rows[p]), int(cols[p])),
    )
