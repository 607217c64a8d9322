"""The sparse travel-time structure (:class:`CostMatrix`); builders are in :mod:`._builders`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from medalliance.accessibility._common import (
    BoolArray,
    FloatArray,
    IdArray,
    IntArray,
    _as_costs,
    _as_cutoff,
    _as_ids,
    _cost_problems,
    _flag,
    _position,
    _readonly,
)
from medalliance.accessibility._csr import _kept_indptr
from medalliance.errors import MedAllianceError, Problem
from medalliance.model.types import Tabular

# --------------------------------------------------------------------------------------
# the cost structure


@dataclass(frozen=True, eq=False, repr=False)
class CostMatrix(Tabular):
    """Travel times (minutes) between origins and sites, kept only for the pairs that exist.

    A compressed sparse row (CSR) structure over origins × sites: the pairs of origin ``i``
    are ``indices[indptr[i]:indptr[i + 1]]`` (site positions) with costs
    ``cost[indptr[i]:indptr[i + 1]]``. Unlike a scipy sparse matrix, a stored cost of 0 is a
    pair (origin and site at the same place), distinct from "no pair". Build it with
    :func:`~medalliance.accessibility.costs_from_table`,
    :func:`~medalliance.accessibility.costs_from_sparse` or
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
        Travel time of each pair in minutes (finite, >= 0).
    cutoff_min : float or None
        Pairs with a travel time above it (minutes) were left out when building (inclusive:
        a time equal to it is kept); ``None`` when no pair was left out for its time.

    Examples
    --------
    >>> from medalliance.accessibility import costs_from_table
    >>> costs = costs_from_table(["a", "a", "b"], ["x", "y", "y"], [0.0, 12.5, 31.0],
    ...                          origin_ids=["a", "b"], site_ids=["x", "y"], cutoff_min=30)
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
    cutoff_min: float | None = None

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
            fields["cutoff_min"] = _as_cutoff(self.cutoff_min, "cutoff_min")
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
        cut = fields.get("cutoff_min")
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
        for name, value in fields.items():
            object.__setattr__(self, name, value)

    @property
    def n_origins(self) -> int:
        """Number of origins (rows).

        Examples
        --------
        >>> from medalliance.accessibility import costs_from_table
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
        >>> from medalliance.accessibility import costs_from_table
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
        >>> from medalliance.accessibility import costs_from_table
        >>> costs_from_table([1], [7], [3.0], origin_ids=[1, 2], site_ids=[7]).n_pairs
        1
        """
        return len(self.cost)

    def __repr__(self) -> str:
        cut = "no cutoff" if self.cutoff_min is None else f"cutoff {self.cutoff_min:g} min"
        return (
            f"CostMatrix({self.n_origins} origins x {self.n_sites} sites, "
            f"{self.n_pairs} pairs, {cut})"
        )

    def origin_positions(self) -> np.ndarray[Any, Any]:
        """The origin (row) position of every stored pair, aligned with :attr:`cost`.

        Examples
        --------
        >>> from medalliance.accessibility import costs_from_table
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
        >>> from medalliance.accessibility import costs_from_table
        >>> c = costs_from_table(["a", "a"], ["x", "y"], [4, 9],
        ...                      origin_ids=["a"], site_ids=["x", "y"])
        >>> sites, cost = c.pairs_of("a")
        >>> sites.tolist(), cost.tolist()
        (['x', 'y'], [4.0, 9.0])
        """
        i = _position(self.origin_ids, origin, "origin")
        lo, hi = int(self.indptr[i]), int(self.indptr[i + 1])
        return self.site_ids[self.indices[lo:hi]], self.cost[lo:hi].copy()

    def within(self, cutoff_min: float) -> CostMatrix:
        """A new structure keeping only the pairs with ``cost <= cutoff_min`` (minutes).

        Raises
        ------
        MedAllianceError
            When ``cutoff_min`` is not a finite number >= 0, or exceeds the structure's own
            cutoff (the pairs beyond it are not there).

        Examples
        --------
        >>> from medalliance.accessibility import costs_from_table
        >>> c = costs_from_table(["a", "a"], ["x", "y"], [15, 15.5],
        ...                      origin_ids=["a"], site_ids=["x", "y"])
        >>> c.within(15)
        CostMatrix(1 origins x 2 sites, 1 pairs, cutoff 15 min)
        """
        cut = _check_cutoff(self, cutoff_min, "cutoff_min")
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
        >>> from medalliance.accessibility import costs_from_table
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
        >>> from medalliance.accessibility import costs_from_table
        >>> costs_from_table([1], [2], [7.5], origin_ids=[1], site_ids=[2]).rows()
        [{'origin': 1, 'site': 2, 'cost': 7.5}]
        """
        origins = self.origin_ids[self.origin_positions()].tolist()
        sites = self.site_ids[self.indices].tolist()
        return [
            {"origin": o, "site": s, "cost": c}
            for o, s, c in zip(origins, sites, self.cost.tolist(), strict=True)
        ]


def _check_cutoff(costs: CostMatrix, cutoff_min: float | None, field: str) -> float | None:
    """``cutoff_min`` checked: a number >= 0, within the structure's own cutoff."""
    cut = _as_cutoff(cutoff_min, field)
    if cut is not None and costs.cutoff_min is not None and cut > costs.cutoff_min:
        msg = (
            f"{cut:g} min exceeds the cost structure's cutoff "
            f"({costs.cutoff_min:g} min): the pairs beyond it were never kept; "
            "build the costs with a larger cutoff"
        )
        raise MedAllianceError([Problem((field,), msg)])
    return cut


def _filtered(costs: CostMatrix, keep: BoolArray, cutoff_min: float | None) -> CostMatrix:
    kept = np.flatnonzero(keep)
    return _build(
        (costs.origin_ids, costs.site_ids),
        _kept_indptr(costs.indptr, kept),
        costs.indices[kept],
        costs.cost[kept],
        cutoff_min=cutoff_min,
    )


def _build(
    ids: tuple[IdArray, IdArray],
    indptr: IntArray,
    indices: np.ndarray[Any, Any],
    cost: FloatArray,
    *,
    cutoff_min: float | None,
) -> CostMatrix:
    """A CostMatrix from arrays the builders have checked (no second validation pass)."""
    out = object.__new__(CostMatrix)
    fields = {
        "origin_ids": ids[0],
        "site_ids": ids[1],
        "indptr": _readonly(np.ascontiguousarray(indptr, dtype=np.int64)),
        "indices": _readonly(np.ascontiguousarray(indices, dtype=np.int32)),
        "cost": _readonly(np.ascontiguousarray(cost, dtype=np.float64)),
        "cutoff_min": cutoff_min,
    }
    for name, value in fields.items():
        object.__setattr__(out, name, value)
    return out
