"""partition_grid (exact and greedy + repair) and the check that groups cover every unit once."""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from numpy.typing import ArrayLike

from medalliance.accessibility._common import IntArray, _readonly
from medalliance.errors import MedAllianceError, Problem
from medalliance.model.alliance_vocab import AllianceForm
from medalliance.model.registry import Registry
from medalliance.model.types import Tabular
from medalliance.planning._grid import GridStatus, Partition, _exact, _Grid, _prepare
from medalliance.planning._problem import check_time_limit


def _csr(grid: _Grid) -> tuple[IntArray, IntArray]:
    n = len(grid.ids)
    both = np.concatenate([grid.edges, grid.edges[:, ::-1]])
    order = np.lexsort((both[:, 1], both[:, 0]))
    both = both[order]
    ptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(both[:, 0], minlength=n), out=ptr[1:])
    return ptr, both[:, 1].copy()


def _grow(grid: _Grid, adj: tuple[IntArray, IntArray]) -> IntArray:
    """Every unit joins, cheapest first, a group it touches (so every group is connected)."""
    ptr, nbr = adj
    n = len(grid.ids)
    group = np.full(n, -1, dtype=np.int64)
    heap: list[tuple[float, int, int]] = []
    for g, lead in enumerate(grid.leads.tolist()):
        heapq.heappush(heap, (0.0, lead, g))
    dist = grid.dist
    while heap:
        _, u, g = heapq.heappop(heap)
        if group[u] >= 0:
            continue
        group[u] = g
        for v in nbr[ptr[u] : ptr[u + 1]].tolist():
            if group[v] < 0:
                heapq.heappush(heap, (float(dist[g, v]), v, g))
    return group


def _violation(people: np.ndarray, lo: float | None, hi: float | None) -> np.ndarray:
    out = np.zeros_like(people)
    if lo is not None:
        out += np.maximum(lo - people, 0.0)
    if hi is not None:
        out += np.maximum(people - hi, 0.0)
    return out


def _connected_without(adj: tuple[IntArray, IntArray], group: IntArray, g: int, u: int) -> bool:
    """Whether (connected) group ``g`` minus unit ``u`` is still connected.

    A search grows from each neighbour of ``u`` in ``g`` at once, one layer per turn, and
    joins two searches when they meet: the answer is yes as soon as one search holds every
    neighbour, no as soon as a search runs out of units without meeting another (that piece
    is cut off). Connected removals end after a few layers around ``u``; a cut-off piece is
    explored at most a few times over, so the cost follows the smaller side, not the group.
    A unit with at most one neighbour in its group is a leaf: taking it away never splits it.
    """
    ptr, nbr = adj
    near = [v for v in nbr[ptr[u] : ptr[u + 1]].tolist() if group[v] == g]
    if len(near) <= 1:
        return True
    owner = {v: i for i, v in enumerate(near)}
    owner[u] = -1
    root = list(range(len(near)))

    def find(i: int) -> int:
        while root[i] != i:
            root[i] = root[root[i]]
            i = root[i]
        return i

    frontier: dict[int, list[int]] = {i: [v] for i, v in enumerate(near)}
    while len(frontier) > 1:
        for i in list(frontier):
            if i not in frontier:  # joined into another search this turn
                continue
            grown: list[int] = []
            for x in frontier[i]:
                for y in nbr[ptr[x] : ptr[x + 1]].tolist():
                    if group[y] != g:
                        continue
                    j = owner.get(y)
                    if j is None:
                        owner[y] = i
                        grown.append(y)
                    elif j >= 0 and (j := find(j)) != i:
                        root[j] = i
                        grown += frontier.pop(j)
                        if len(frontier) == 1:
                            return True
            if not grown:
                return False
            frontier[i] = grown
    return True


def _improve(grid: _Grid, adj: tuple[IntArray, IntArray], group: IntArray, limit: int) -> None:
    """Move boundary units (in place) while (bound violation, travel) falls lexicographically.

    Each round ranks every improving boundary move and makes the best ones that touch
    disjoint pairs of groups (so each move's gain, computed for the round, stays exact).
    """
    is_lead = np.zeros(len(grid.ids), dtype=bool)
    is_lead[grid.leads] = True
    g_count = len(grid.leads)
    moves = 0
    while moves < limit:
        people = np.bincount(group, weights=grid.people, minlength=g_count)
        e = grid.edges
        cross = group[e[:, 0]] != group[e[:, 1]]
        u = np.concatenate([e[cross, 0], e[cross, 1]])
        to = np.concatenate([group[e[cross, 1]], group[e[cross, 0]]])
        keep = ~is_lead[u]
        u, to = u[keep], to[keep]
        frm = group[u]
        pu = grid.people[u]
        before = _violation(people[frm], grid.lo, grid.hi) + _violation(
            people[to], grid.lo, grid.hi
        )
        after = _violation(people[frm] - pu, grid.lo, grid.hi) + _violation(
            people[to] + pu, grid.lo, grid.hi
        )
        d_v = after - before
        d_c = pu * (grid.dist[to, u] - grid.dist[frm, u])
        good = (d_v < -1e-9) | ((np.abs(d_v) <= 1e-9) & (d_c < -1e-9))
        if not good.any():
            return
        idx = np.flatnonzero(good)
        idx = idx[np.lexsort((d_c[idx], d_v[idx]))]
        busy = np.zeros(g_count, dtype=bool)
        moved = 0
        for k in idx.tolist():
            src, dst = int(frm[k]), int(to[k])
            if busy[src] or busy[dst]:
                continue
            if _connected_without(adj, group, src, int(u[k])):
                group[u[k]] = dst
                busy[src] = busy[dst] = True
                moved += 1
                if moves + moved >= limit or busy.all():
                    break
        if not moved:
            return
        moves += moved


def _result(
    grid: _Grid,
    group: IntArray | None,
    *,
    method: Literal["exact", "greedy"],
    status: GridStatus,
    bound: float | None,
    message: str = "",
) -> Partition:
    n = len(grid.ids)
    if group is None:
        group = np.full(n, -1, dtype=np.int64)
        cost = np.full(n, np.inf)
        objective = None
    else:
        cost = grid.dist[group, np.arange(n)]
        objective = float(grid.people @ cost)
    gap = None
    if objective is not None and bound is not None:
        gap = abs(objective - bound) / max(abs(objective), 1e-12)
        gap = 0.0 if gap < 1e-9 else gap
    return Partition(
        unit_ids=grid.ids,
        leads=_readonly(grid.ids[grid.leads]),
        group=_readonly(np.asarray(group, dtype=np.int64)),
        people=grid.people,
        cost=_readonly(np.asarray(cost, dtype=np.float64)),
        objective=objective,
        bound=bound,
        gap=gap,
        status=status,
        min_people=grid.lo,
        max_people=grid.hi,
        method=method,
        message=message,
    )


def partition_grid(
    units: ArrayLike,
    adjacency: ArrayLike,
    *,
    leads: ArrayLike,
    people: ArrayLike,
    min_people: float | None = None,
    max_people: float | None = None,
    costs: ArrayLike | None = None,
    method: Literal["exact", "greedy"] = "greedy",
    time_limit_s: float | None = None,
    max_moves: int | None = None,
) -> Partition:
    """Divide units into contiguous groups around lead units, within size bounds (网格化).

    Every unit belongs to exactly one group; each group contains its lead and is connected
    in ``adjacency``; its people lie within ``[min_people, max_people]``; the people-weighted
    travel from each unit to its group's lead is minimised.

    Parameters
    ----------
    units : sequence of ids
        The units (streets, townships, grid cells).
    adjacency : sequence of (id, id) pairs
        Which units touch (each pair in either order; repeats and self-pairs are ignored).
    leads : sequence of unit ids
        The unit where each group's lead hospital sits; one group per lead.
    people : sequence of float
        People of each unit (>= 0).
    min_people, max_people : float, optional
        Bounds on the people of every group.
    costs : array of shape (leads, units), optional
        Travel from each lead to each unit (e.g. minutes); default the number of adjacency
        steps.
    method : {"greedy", "exact"}, default "greedy"
        ``greedy``: grow connected groups cheapest first, then move boundary units to meet
        the bounds and cut travel (large grids); ``exact``: a MILP with flow contiguity
        (HiGHS; best below a few hundred units).
    time_limit_s : float, optional
        Exact only: seconds HiGHS may spend.
    max_moves : int, optional
        Greedy only: at most this many boundary moves (default ``10 * len(units)``).

    Returns
    -------
    Partition
        ``status`` is ``optimal``/``time_limit``/``infeasible`` (exact) or ``heuristic``;
        ``bounds_missed`` when the greedy repair could not meet every bound (the rows say
        which groups).

    Raises
    ------
    MedAllianceError
        Naming every problem: unknown or repeated ids, negative people, a lead given twice,
        units the adjacency does not connect to any lead, a unit alone above ``max_people``,
        totals that no ``len(leads)`` groups can hold within the bounds.

    Examples
    --------
    >>> from medalliance.planning import lattice
    >>> units, adj = lattice(3, 3)
    >>> part = partition_grid(units, adj, leads=[0, 8], people=[1] * 9, max_people=5)
    >>> part.group.tolist(), part.group_people.tolist()
    ([0, 0, 1, 0, 0, 1, 0, 1, 1], [5.0, 4.0])
    >>> partition_grid(units, adj, leads=[0, 8], people=[1] * 9, max_people=5,
    ...                method="exact").objective
    10.0
    """
    if method not in ("exact", "greedy"):
        msg = f"must be 'exact' or 'greedy', got {method!r}"
        raise MedAllianceError([Problem(("method",), msg)])
    grid = _prepare(
        units, adjacency, leads=leads, people=people, costs=costs, bounds=(min_people, max_people)
    )
    limit = check_time_limit(time_limit_s)
    if method == "exact":
        group, bound, res = _exact(grid, limit)
        status: GridStatus = (
            "optimal" if res.status == 0 else "infeasible" if res.status == 2 else "time_limit"
        )
        if status == "optimal" and bound is None:
            bound = float(res.fun)
        msg = str(res.message)
        if status == "infeasible":
            msg = "no contiguous partition meets the bounds (HiGHS proved it): " + msg
        return _result(grid, group, method="exact", status=status, bound=bound, message=msg)
    adj = _csr(grid)
    group = _grow(grid, adj)
    _improve(grid, adj, group, 10 * len(grid.ids) if max_moves is None else int(max_moves))
    bound = float(grid.people @ grid.dist.min(axis=0))
    people_g = np.bincount(group, weights=grid.people, minlength=len(grid.leads))
    missed = np.flatnonzero(_violation(people_g, grid.lo, grid.hi) > 1e-9)
    if len(missed):
        names = ", ".join(repr(grid.ids[grid.leads[g]].item()) for g in missed[:10].tolist())
        msg = f"the groups led from {names} stay outside the bounds"
        return _result(
            grid, group, method="greedy", status="bounds_missed", bound=bound, message=msg
        )
    return _result(grid, group, method="greedy", status="heuristic", bound=bound)


# --------------------------------------------------------------------------------------
# cover check


@dataclass(frozen=True, eq=False, repr=False)
class GridCover(Tabular):
    """Whether groups cover every unit exactly once: gaps, overlaps and unknown units named.

    Attributes
    ----------
    gaps : tuple of str
        Units in no group.
    overlaps : tuple of (unit, groups)
        Units in two or more groups, with those groups.
    unknown : tuple of (group, unit)
        Units a group lists that are not among the units.
    """

    gaps: tuple[Any, ...]
    overlaps: tuple[tuple[Any, tuple[str, ...]], ...]
    unknown: tuple[tuple[str, Any], ...]

    @property
    def ok(self) -> bool:
        """True when every unit is in exactly one group and no group lists an unknown unit.

        Examples
        --------
        >>> check_grid_cover(["s1", "s2"], {"g1": ["s1"], "g2": ["s2"]}).ok
        True
        """
        return not (self.gaps or self.overlaps or self.unknown)

    def __repr__(self) -> str:
        return (
            f"GridCover({len(self.gaps)} gaps, {len(self.overlaps)} overlaps, "
            f"{len(self.unknown)} unknown units)"
        )

    def rows(self) -> list[dict[str, Any]]:
        """One row per finding: ``finding``, ``unit``, ``groups``.

        Examples
        --------
        >>> for row in check_grid_cover(["s1", "s2"], {"g1": ["s1"], "g2": ["s1"]}).rows():
        ...     print(row)
        {'finding': 'gap', 'unit': 's2', 'groups': ''}
        {'finding': 'overlap', 'unit': 's1', 'groups': 'g1, g2'}
        """
        out: list[dict[str, Any]] = [{"finding": "gap", "unit": u, "groups": ""} for u in self.gaps]
        out += [{"finding": "overlap", "unit": u, "groups": ", ".join(g)} for u, g in self.overlaps]
        out += [{"finding": "unknown", "unit": u, "groups": g} for g, u in self.unknown]
        return out


def groups_from_registry(
    registry: Registry, *, form: AllianceForm | str = AllianceForm.URBAN_MEDICAL_GROUP
) -> dict[str, tuple[str, ...]]:
    """The streets (``region.township``) of each alliance of ``form``, from its members.

    Members without a township are not counted (they cannot place the group on the grid).

    Examples
    --------
    >>> from medalliance import examples
    >>> groups = groups_from_registry(examples.load("shanghai_luwan"))
    >>> isinstance(groups, dict)
    True
    """
    wanted = AllianceForm.parse(form)
    out: dict[str, tuple[str, ...]] = {}
    for alliance in registry.alliances:
        if alliance.form is not wanted:
            continue
        streets = []
        for m in alliance.members:
            town = registry.institution(m).region.township
            if town is not None and town not in streets:
                streets.append(town)
        out[alliance.id] = tuple(streets)
    return out


def check_grid_cover(
    units: Iterable[Any], groups: Mapping[str, Iterable[Any]] | Registry
) -> GridCover:
    """Check that groups (e.g. 紧密型城市医疗集团) cover every unit (street) exactly once.

    Parameters
    ----------
    units : iterable of ids
        Every unit (street) of the city.
    groups : mapping of group id to units, or Registry
        The units of each group; a registry gives its urban medical groups' streets
        (:func:`groups_from_registry`).

    Returns
    -------
    GridCover

    Examples
    --------
    >>> res = check_grid_cover(["s1", "s2", "s3"], {"g1": ["s1", "s2"], "g2": ["s2", "s9"]})
    >>> res.gaps, res.overlaps, res.unknown
    (('s3',), (('s2', ('g1', 'g2')),), (('g2', 's9'),))
    """
    mapping = groups_from_registry(groups) if isinstance(groups, Registry) else groups
    all_units = list(dict.fromkeys(units))
    known = set(all_units)
    owners: dict[Any, list[str]] = {}
    unknown = []
    for gid, members in mapping.items():
        for u in dict.fromkeys(members):
            if u in known:
                owners.setdefault(u, []).append(gid)
            else:
                unknown.append((gid, u))
    gaps = tuple(u for u in all_units if u not in owners)
    overlaps = tuple((u, tuple(owners[u])) for u in all_units if len(owners.get(u, ())) > 1)
    return GridCover(gaps=gaps, overlaps=overlaps, unknown=tuple(unknown))
