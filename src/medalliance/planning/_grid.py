"""Districting (网格化布局): contiguous groups of units around lead hospitals, and cover checks.

:func:`partition_grid` assigns every unit (street, township, grid cell) to exactly one group
around a given lead unit: each group is connected in the adjacency, its people lie within
``[min_people, max_people]``, and the people-weighted travel to the lead is as small as
possible.

- ``method="exact"``: a MILP with contiguity by single-commodity flows (Shirabe 2005): the
  lead of group ``g`` sends one unit of flow to every other unit of ``g``, along arcs whose
  both ends are in ``g``. Built with numpy and scipy.sparse, solved by HiGHS.
- ``method="greedy"``: shortest-path regions (multi-source Dijkstra: every unit joins the
  lead its shortest path comes from, so each region is connected), then a repair that moves
  boundary units out of groups above ``max_people`` and into groups below ``min_people``
  while both stay connected.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from numpy.typing import ArrayLike

from medalliance.accessibility._common import (
    FloatArray,
    IdArray,
    IntArray,
    _as_amounts,
    _as_ids,
    _flag,
    _id_text,
    _lookup,
)
from medalliance.errors import MedAllianceError, Problem
from medalliance.model.types import Tabular

GridStatus = Literal["optimal", "time_limit", "infeasible", "heuristic", "bounds_missed"]


@dataclass(frozen=True, eq=False, repr=False)
class Partition(Tabular):
    """Every unit's group, the groups' people, and how good the partition is.

    Attributes
    ----------
    unit_ids : numpy.ndarray
        Units, in the order given.
    leads : numpy.ndarray
        The lead unit of each group (group ``g`` is ``leads[g]``).
    group : numpy.ndarray of int64
        Group of each unit (-1 only when no partition was found).
    people : numpy.ndarray
        People of each unit.
    cost : numpy.ndarray
        Travel cost of each unit to its group's lead.
    objective, bound, gap : float or None
        People-weighted travel to the leads, a proven lower bound and the relative gap.
    status : str
        ``optimal``, ``time_limit``, ``infeasible``, ``heuristic`` or ``bounds_missed`` (the
        heuristic could not bring every group within the bounds).
    min_people, max_people : float or None
        The bounds asked for.
    method : {"exact", "greedy"}
    message : str
    """

    unit_ids: IdArray
    leads: IdArray
    group: IntArray
    people: FloatArray
    cost: FloatArray
    objective: float | None
    bound: float | None
    gap: float | None
    status: GridStatus
    min_people: float | None
    max_people: float | None
    method: Literal["exact", "greedy"]
    message: str = ""

    @property
    def group_people(self) -> FloatArray:
        """People in each group.

        Examples
        --------
        >>> from medalliance.planning import partition_grid
        >>> units, adj = lattice(2, 3)
        >>> partition_grid(units, adj, leads=[0, 5], people=[1] * 6).group_people.tolist()
        [3.0, 3.0]
        """
        ok = self.group >= 0
        out: FloatArray = np.bincount(
            self.group[ok], weights=self.people[ok], minlength=len(self.leads)
        ).astype(np.float64)
        return out

    def __repr__(self) -> str:
        obj = "none" if self.objective is None else f"{self.objective:.6g}"
        return (
            f"Partition({len(self.unit_ids)} units into {len(self.leads)} groups, "
            f"{self.method}, {self.status}, objective {obj})"
        )

    def rows(self) -> list[dict[str, Any]]:
        """One row per group: ``lead``, ``units``, ``people``, ``within_bounds``, ``mean_cost``.

        Examples
        --------
        >>> from medalliance.planning import partition_grid
        >>> units, adj = lattice(1, 4)
        >>> row = partition_grid(units, adj, leads=[0, 3], people=[1, 2, 3, 4]).rows()[0]
        >>> row["lead"], row["units"], row["people"], row["within_bounds"]
        (0, 2, 3.0, True)
        """
        people = self.group_people
        ok = self.group >= 0
        count = np.bincount(self.group[ok], minlength=len(self.leads))
        minutes = np.bincount(
            self.group[ok], weights=(self.people * self.cost)[ok], minlength=len(self.leads)
        )
        lo = -np.inf if self.min_people is None else self.min_people
        hi = np.inf if self.max_people is None else self.max_people
        return [
            {
                "lead": self.leads[g].item(),
                "units": int(count[g]),
                "people": float(people[g]),
                "within_bounds": bool(lo <= people[g] <= hi),
                "mean_cost": float(minutes[g] / people[g]) if people[g] > 0 else None,
            }
            for g in range(len(self.leads))
        ]

    def assignment_rows(self) -> list[dict[str, Any]]:
        """One row per unit: ``unit``, ``lead``, ``people``, ``cost``.

        Examples
        --------
        >>> from medalliance.planning import partition_grid
        >>> units, adj = lattice(1, 3)
        >>> partition_grid(units, adj, leads=[0], people=[1, 1, 1]).assignment_rows()[2]
        {'unit': 2, 'lead': 0, 'people': 1.0, 'cost': 2.0}
        """
        leads = self.leads.tolist()
        return [
            {"unit": u, "lead": leads[g] if g >= 0 else None, "people": n, "cost": c}
            for u, g, n, c in zip(
                self.unit_ids.tolist(),
                self.group.tolist(),
                self.people.tolist(),
                self.cost.tolist(),
                strict=True,
            )
        ]


def lattice(rows: int, cols: int) -> tuple[IntArray, IntArray]:
    """Units ``0..rows*cols-1`` of a rook-adjacent lattice and its edges (each once).

    Examples
    --------
    >>> units, edges = lattice(2, 2)
    >>> units.tolist(), edges.tolist()
    ([0, 1, 2, 3], [[0, 1], [2, 3], [0, 2], [1, 3]])
    """
    ids = np.arange(rows * cols, dtype=np.int64).reshape(rows, cols)
    across = np.stack([ids[:, :-1].ravel(), ids[:, 1:].ravel()], axis=1)
    down = np.stack([ids[:-1, :].ravel(), ids[1:, :].ravel()], axis=1)
    return ids.ravel(), np.concatenate([across, down]).astype(np.int64)


# --------------------------------------------------------------------------------------
# inputs


@dataclass(frozen=True)
class _Grid:
    ids: IdArray
    edges: IntArray  # (E, 2) undirected, each once, no self-loops
    leads: IntArray  # unit position of each group's lead
    people: FloatArray
    dist: FloatArray  # (G, n) travel from each lead to each unit
    lo: float | None
    hi: float | None


def _edges(ids: IdArray, adjacency: ArrayLike, problems: list[Problem]) -> IntArray | None:
    arr = np.asarray(adjacency)
    if arr.ndim != 2 or (arr.size and arr.shape[1] != 2):
        msg = f"expected pairs of unit ids, shape (E, 2), got {arr.shape}"
        problems.append(Problem(("adjacency",), msg))
        return None
    try:
        pos = _lookup(ids, arr.ravel(), "adjacency", "unit").reshape(-1, 2)
    except MedAllianceError as exc:
        problems.extend(exc.problems)
        return None
    pos = np.sort(pos, axis=1)
    pos = pos[pos[:, 0] != pos[:, 1]]
    key = np.unique(pos[:, 0] * len(ids) + pos[:, 1])
    out: IntArray = np.stack([key // len(ids), key % len(ids)], axis=1)
    return out


def _components(n: int, edges: IntArray) -> IntArray:
    from scipy.sparse import coo_array
    from scipy.sparse.csgraph import connected_components

    a = coo_array((np.ones(len(edges)), (edges[:, 0], edges[:, 1])), shape=(n, n))
    _, labels = connected_components(a, directed=False)
    out: IntArray = labels.astype(np.int64)
    return out


def _hop_distances(n: int, edges: IntArray, leads: IntArray) -> FloatArray:
    from scipy.sparse import coo_array
    from scipy.sparse.csgraph import shortest_path

    a = coo_array((np.ones(len(edges)), (edges[:, 0], edges[:, 1])), shape=(n, n)).tocsr()
    out: FloatArray = shortest_path(a, directed=False, unweighted=True, indices=leads)
    return np.atleast_2d(out)


def _bound_problems(grid: _Grid, labels: IntArray) -> list[Problem]:
    """What makes the bounds impossible, each named: totals, single units, stranded parts."""
    problems: list[Problem] = []
    g, total = len(grid.leads), float(grid.people.sum())
    if grid.lo is not None and total < g * grid.lo:
        msg = f"{g} groups of at least {grid.lo:g} people need {g * grid.lo:g}, there are {total:g}"
        problems.append(Problem(("min_people",), msg))
    if grid.hi is not None and total > g * grid.hi:
        msg = f"{g} groups of at most {grid.hi:g} people hold {g * grid.hi:g}, there are {total:g}"
        problems.append(Problem(("max_people",), msg))
    if grid.hi is not None:
        _flag(
            problems,
            ("max_people",),
            np.flatnonzero(grid.people > grid.hi),
            lambda i: f"unit {_id_text(grid.ids[i])} alone has {grid.people[i]:g} people",
            "units above the bound",
        )
    lead_parts = set(labels[grid.leads].tolist())
    stranded = np.flatnonzero(~np.isin(labels, list(lead_parts)))
    _flag(
        problems,
        ("adjacency",),
        stranded,
        lambda i: f"unit {_id_text(grid.ids[i])} is not connected to any lead",
        "units not connected to a lead",
    )
    return problems


def _prepare(
    units: ArrayLike,
    adjacency: ArrayLike,
    *,
    leads: ArrayLike,
    people: ArrayLike,
    costs: ArrayLike | None,
    bounds: tuple[float | None, float | None],
) -> _Grid:
    problems: list[Problem] = []
    ids = _as_ids(units, "units")
    n = len(ids)
    amounts = None
    try:
        amounts = _as_amounts(people, n, "people")
    except MedAllianceError as exc:
        problems.extend(exc.problems)
    edges = _edges(ids, adjacency, problems)
    lead_pos = None
    try:
        lead_pos = np.asarray(_lookup(ids, leads, "leads", "unit"), dtype=np.int64)
        uniq, counts = np.unique(lead_pos, return_counts=True)
        for j in uniq[counts > 1].tolist():
            problems.append(Problem(("leads",), f"unit {_id_text(ids[j])} leads twice"))
        if not len(lead_pos):
            problems.append(Problem(("leads",), "no lead"))
    except MedAllianceError as exc:
        problems.extend(exc.problems)
    for name, v in zip(("min_people", "max_people"), bounds, strict=True):
        if v is not None and not (
            isinstance(v, int | float) and not isinstance(v, bool) and v >= 0
        ):
            problems.append(Problem((name,), f"must be a number >= 0, got {v!r}"))
    lo, hi = bounds
    if lo is not None and hi is not None and not problems and lo > hi:
        problems.append(Problem(("min_people",), f"{lo:g} is above max_people {hi:g}"))
    if problems:
        raise MedAllianceError(problems)
    assert amounts is not None
    assert edges is not None
    assert lead_pos is not None
    if costs is None:
        dist = _hop_distances(n, edges, lead_pos)
    else:
        dist = np.asarray(costs, dtype=np.float64)
        if dist.shape != (len(lead_pos), n) or not np.isfinite(dist).all() or (dist < 0).any():
            msg = f"expected finite costs >= 0 of shape ({len(lead_pos)}, {n}) (leads x units)"
            raise MedAllianceError([Problem(("costs",), msg)])
    grid = _Grid(ids, edges, lead_pos, amounts, dist, lo, hi)
    problems = _bound_problems(grid, _components(n, edges))
    if problems:
        raise MedAllianceError(problems)
    return grid


# --------------------------------------------------------------------------------------
# exact: MILP with flow contiguity


def _exact(grid: _Grid, time_limit_s: float | None) -> tuple[IntArray | None, float | None, Any]:
    from scipy.optimize import Bounds, LinearConstraint, milp
    from scipy.sparse import csr_array

    n, g = len(grid.ids), len(grid.leads)
    arcs = np.concatenate([grid.edges, grid.edges[:, ::-1]])  # 2E directed arcs
    a2 = len(arcs)
    nx, nf = n * g, a2 * g  # x[g, u] at g*n+u; f[g, a] at nx + g*a2 + a
    rows: list[IntArray] = []
    cols: list[IntArray] = []
    vals: list[FloatArray] = []
    lo: list[FloatArray] = []
    hi: list[FloatArray] = []
    r0 = 0

    def block(r: IntArray, c: IntArray, v: FloatArray, lo_: FloatArray, hi_: FloatArray) -> None:
        nonlocal r0
        rows.append(r + r0)
        cols.append(c)
        vals.append(v)
        lo.append(lo_)
        hi.append(hi_)
        r0 += len(lo_)

    gg = np.repeat(np.arange(g), n)
    uu = np.tile(np.arange(n), g)
    # every unit in exactly one group
    block(uu, gg * n + uu, np.ones(nx), np.ones(n), np.ones(n))
    # group sizes
    block(
        gg,
        gg * n + uu,
        grid.people[uu],
        np.full(g, -np.inf if grid.lo is None else grid.lo),
        np.full(g, np.inf if grid.hi is None else grid.hi),
    )
    # flow balance at every unit except the group's lead: inflow - outflow - x = 0
    ga = np.repeat(np.arange(g), a2)
    aa = np.tile(np.arange(a2), g)
    fcol = nx + ga * a2 + aa
    head, tail = arcs[aa, 1], arcs[aa, 0]
    block(
        np.concatenate([ga * n + head, ga * n + tail, gg * n + uu]),
        np.concatenate([fcol, fcol, gg * n + uu]),
        np.concatenate([np.ones(nf), -np.ones(nf), -np.ones(nx)]),
        np.zeros(nx),
        np.zeros(nx),
    )
    # drop the balance rows of the leads (they send the flow): relax them to free rows
    lead_rows = r0 - nx + np.arange(g) * n + grid.leads
    lo[-1][lead_rows - (r0 - nx)] = -np.inf
    hi[-1][lead_rows - (r0 - nx)] = np.inf
    # flow only between units of the group: f[g, u->v] <= (n - 1) x[g, u] and x[g, v]
    for end in (0, 1):
        block(
            np.concatenate([np.arange(nf), np.arange(nf)]),
            np.concatenate([fcol, ga * n + arcs[aa, end]]),
            np.concatenate([np.ones(nf), -np.full(nf, n - 1.0)]),
            np.full(nf, -np.inf),
            np.zeros(nf),
        )
    c = np.concatenate([(grid.dist * grid.people[None, :]).ravel(), np.zeros(nf)])
    lb = np.zeros(nx + nf)
    ub = np.concatenate([np.ones(nx), np.full(nf, n - 1.0)])
    lb[np.arange(g) * n + grid.leads] = 1.0  # each lead in its own group
    integrality = np.concatenate([np.ones(nx), np.zeros(nf)])
    a = csr_array(
        (np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=(r0, nx + nf)
    )
    options: dict[str, Any] = {"disp": False, "mip_rel_gap": 1e-6}
    if time_limit_s is not None:
        options["time_limit"] = time_limit_s
    res = milp(
        c,
        integrality=integrality,
        bounds=Bounds(lb, ub),
        constraints=LinearConstraint(a, np.concatenate(lo), np.concatenate(hi)),
        options=options,
    )
    group = None
    if res.x is not None:
        group = np.argmax(res.x[:nx].reshape(g, n), axis=0).astype(np.int64)
    bound = None if res.mip_dual_bound is None else float(res.mip_dual_bound)
    return group, bound, res
