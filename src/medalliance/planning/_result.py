"""The result of a site selection, and the nearest-open-site rule every solver shares."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from medalliance.accessibility._common import BoolArray, FloatArray, IdArray, IntArray, _readonly
from medalliance.model.types import Tabular
from medalliance.planning._problem import Kind, _Problem

Status = Literal["optimal", "time_limit", "infeasible", "heuristic", "unserved"]
"""How a selection ended:

- ``optimal``: HiGHS proved the optimum (within a relative gap of 1e-6);
- ``time_limit``: the time limit ended the search; the best selection found is returned with
  the proven bound (no selection when none was found);
- ``infeasible``: HiGHS proved that no selection satisfies the constraints;
- ``heuristic``: the greedy + swap heuristic; the bound is a proven one, usually weaker;
- ``unserved``: the heuristic left some origin that must be served without a site.
"""


@dataclass(frozen=True, eq=False, repr=False)
class SiteSelection(Tabular):
    """Which sites to open, who each serves, and how good the choice is proven to be.

    Attributes
    ----------
    problem : {"max_coverage", "p_median", "set_cover", "p_center"}
        The model solved.
    method : {"exact", "greedy"}
        ``exact``: a mixed-integer program solved by HiGHS (``scipy.optimize.milp``);
        ``greedy``: greedy selection improved by swaps.
    status : str
        See :data:`Status`: ``optimal``, ``time_limit``, ``infeasible``, ``heuristic`` or
        ``unserved``.
    origin_ids, site_ids : numpy.ndarray
        Ids in the cost structure's order.
    open : numpy.ndarray of bool
        Whether each site is selected (fixed sites included).
    fixed : numpy.ndarray of bool
        Whether each site was fixed open by the caller.
    assignment : numpy.ndarray of int64
        Site position serving each origin (its nearest open site within reach; with
        capacities, the site taking the largest share of it); -1 when none.
    assigned_cost : numpy.ndarray
        Travel time (minutes) to that site; ``inf`` when none.
    served : numpy.ndarray
        Share of each origin's people served (0 or 1, fractional only with capacities).
    people : numpy.ndarray
        People at each origin (1 each when no population was given).
    objective : float or None
        People covered (``max_coverage``), people-weighted travel minutes (``p_median``),
        number of sites (``set_cover``) or the longest travel time of anyone to be served
        (``p_center``); ``None`` without a selection.
    bound : float or None
        A proven bound on the optimum: an upper bound for ``max_coverage``, a lower bound
        otherwise.
    gap : float or None
        ``|bound - objective| / |objective|`` (0 for a proven optimum).
    p : int or None
        Sites selected (``None`` for ``set_cover``, which finds the fewest).
    cutoff_min : float or None
        Service cutoff in minutes (inclusive).
    backup_people : float or None
        ``set_cover(backup=True)``: people within reach of at least two selected sites.
    message : str
        What the solver said.
    """

    problem: Kind
    method: Literal["exact", "greedy"]
    status: Status
    origin_ids: IdArray
    site_ids: IdArray
    open: BoolArray
    fixed: BoolArray
    assignment: IntArray
    assigned_cost: FloatArray
    served: FloatArray
    people: FloatArray
    objective: float | None
    bound: float | None
    gap: float | None
    p: int | None
    cutoff_min: float | None
    backup_people: float | None = None
    message: str = ""

    @property
    def selected(self) -> IdArray:
        """The ids of the selected sites, in the cost structure's order.

        Examples
        --------
        >>> from medalliance.accessibility import costs_from_table
        >>> from medalliance.planning import p_median
        >>> c = costs_from_table(["a", "b"], ["x", "y"], [1, 1], origin_ids=["a", "b"],
        ...                      site_ids=["x", "y"])
        >>> res = p_median(c, [1, 5], p=1, method="greedy")
        >>> res.selected.tolist()
        ['y']
        """
        out: IdArray = self.site_ids[self.open]
        return out

    @property
    def covered_people(self) -> float:
        """People served by a selected site (within the cutoff, when there is one).

        Examples
        --------
        >>> from medalliance.accessibility import costs_from_table
        >>> from medalliance.planning import max_coverage
        >>> c = costs_from_table(["a", "b"], ["x", "y"], [5, 5], origin_ids=["a", "b"],
        ...                      site_ids=["x", "y"])
        >>> max_coverage(c, [10, 30], p=1, cutoff_min=10).covered_people
        30.0
        """
        return float(self.people @ self.served)

    @property
    def total_people(self) -> float:
        """All people (the population's total).

        Examples
        --------
        >>> from medalliance.accessibility import costs_from_table
        >>> from medalliance.planning import max_coverage
        >>> c = costs_from_table(["a"], ["x"], [5], origin_ids=["a", "b"], site_ids=["x"])
        >>> max_coverage(c, [10, 30], p=1, cutoff_min=10).total_people
        40.0
        """
        return float(self.people.sum())

    def __repr__(self) -> str:
        obj = "none" if self.objective is None else f"{self.objective:.6g}"
        bound = "none" if self.bound is None else f"{self.bound:.6g}"
        gap = "" if self.gap is None else f", gap {self.gap:.2%}"
        return (
            f"SiteSelection({self.problem}, {self.method}, {self.status}: "
            f"{int(self.open.sum())} of {len(self.site_ids)} sites, objective {obj}, "
            f"bound {bound}{gap})"
        )

    def rows(self) -> list[dict[str, Any]]:
        """One row per selected site: ``site``, ``fixed``, ``origins``, ``people``, ``mean_cost``.

        ``people`` counts the people the site serves; ``mean_cost`` is their people-weighted
        mean travel time in minutes (``None`` when it serves nobody).

        Examples
        --------
        >>> from medalliance.accessibility import costs_from_table
        >>> from medalliance.planning import p_median
        >>> c = costs_from_table(["a", "b", "b"], ["x", "x", "y"], [4, 6, 2],
        ...                      origin_ids=["a", "b"], site_ids=["x", "y"])
        >>> p_median(c, [10, 30], p=1).rows()
        [{'site': 'x', 'fixed': False, 'origins': 2, 'people': 40.0, 'mean_cost': 5.5}]
        """
        sites = np.flatnonzero(self.open)
        has = self.assignment >= 0
        where = np.where(has, self.assignment, 0)
        served = self.people * self.served
        people = np.bincount(where[has], weights=served[has], minlength=len(self.site_ids))
        count = np.bincount(where[has], minlength=len(self.site_ids))
        minutes = np.where(has, self.assigned_cost, 0.0) * served
        weighted = np.bincount(where[has], weights=minutes[has], minlength=len(self.site_ids))
        out = []
        for j in sites.tolist():
            out.append(
                {
                    "site": self.site_ids[j].item(),
                    "fixed": bool(self.fixed[j]),
                    "origins": int(count[j]),
                    "people": float(people[j]),
                    "mean_cost": float(weighted[j] / people[j]) if people[j] > 0 else None,
                }
            )
        return out

    def assignment_rows(self) -> list[dict[str, Any]]:
        """One row per origin: ``origin``, ``people``, ``site``, ``cost``, ``served``.

        Examples
        --------
        >>> from medalliance.accessibility import costs_from_table
        >>> from medalliance.planning import max_coverage
        >>> c = costs_from_table(["a"], ["x"], [5], origin_ids=["a", "b"], site_ids=["x"])
        >>> max_coverage(c, [10, 30], p=1, cutoff_min=10).assignment_rows()[1]
        {'origin': 'b', 'people': 30.0, 'site': None, 'cost': None, 'served': 0.0}
        """
        sites = self.site_ids.tolist()
        return [
            {
                "origin": o,
                "people": n,
                "site": sites[j] if j >= 0 else None,
                "cost": c if j >= 0 else None,
                "served": s,
            }
            for o, n, j, c, s in zip(
                self.origin_ids.tolist(),
                self.people.tolist(),
                self.assignment.tolist(),
                self.assigned_cost.tolist(),
                self.served.tolist(),
                strict=True,
            )
        ]


# --------------------------------------------------------------------------------------
# nearest open site (the one assignment rule of every uncapacitated model)


def sorted_pairs(prob: _Problem) -> tuple[IntArray, IntArray, FloatArray]:
    """The usable pairs ordered by origin, then cost, then site: rows, sites, costs."""
    rows = prob.rows()
    order = np.lexsort((prob.cols, prob.cost, rows))
    return rows[order], prob.cols[order], prob.cost[order]


def nearest_open(
    pairs: tuple[IntArray, IntArray, FloatArray], open_: BoolArray, n: int
) -> tuple[IntArray, FloatArray, FloatArray]:
    """Per origin: nearest open site (-1 if none), its cost and the second-nearest cost (inf)."""
    rows, cols, cost = pairs
    idx = np.flatnonzero(open_[cols])
    site = np.full(n, -1, dtype=np.int64)
    d1 = np.full(n, np.inf)
    d2 = np.full(n, np.inf)
    r = rows[idx]
    first = np.flatnonzero(np.concatenate(([True], r[1:] != r[:-1]))) if len(r) else r
    site[r[first]] = cols[idx[first]]
    d1[r[first]] = cost[idx[first]]
    rest = np.delete(idx, first)
    r2 = rows[rest]
    if len(r2):
        second = np.flatnonzero(np.concatenate(([True], r2[1:] != r2[:-1])))
        d2[r2[second]] = cost[rest[second]]
    return site, d1, d2


def selection(
    prob: _Problem,
    *,
    method: Literal["exact", "greedy"],
    status: Status,
    open_: BoolArray | None,
    values: tuple[float | None, float | None],
    share: tuple[IntArray, FloatArray, FloatArray] | None = None,
    backup_people: float | None = None,
    message: str = "",
) -> SiteSelection:
    """Assemble the result; ``share`` (site, cost, served) overrides the nearest-open rule."""
    n, m = prob.n, prob.m
    fixed = np.zeros(m, dtype=bool)
    fixed[prob.fixed] = True
    if open_ is None:
        open_ = np.zeros(m, dtype=bool)
        site, cost, served = np.full(n, -1), np.full(n, np.inf), np.zeros(n)
    elif share is not None:
        site, cost, served = share
    else:
        site, cost, _ = nearest_open(sorted_pairs(prob), open_, n)
        served = (site >= 0).astype(np.float64)
    objective, bound = values
    gap = None
    if objective is not None and bound is not None:
        gap = abs(bound - objective) / max(abs(objective), 1e-12)
        gap = 0.0 if gap < 1e-9 else gap
    return SiteSelection(
        problem=prob.kind,
        method=method,
        status=status,
        origin_ids=prob.costs.origin_ids,
        site_ids=prob.costs.site_ids,
        open=_readonly(np.array(open_, dtype=bool)),
        fixed=_readonly(fixed),
        assignment=_readonly(np.asarray(site, dtype=np.int64)),
        assigned_cost=_readonly(np.asarray(cost, dtype=np.float64)),
        served=_readonly(np.asarray(served, dtype=np.float64)),
        people=prob.people,
        objective=objective,
        bound=bound,
        gap=gap,
        p=prob.p,
        cutoff_min=prob.cutoff_min,
        backup_people=backup_people,
        message=message,
    )


def evaluate(prob: _Problem, open_: BoolArray) -> float | None:
    """The objective of an open set under the nearest-open rule (``None`` if someone is unserved).

    ``max_coverage`` never returns ``None`` (the unserved are simply not covered).
    """
    site, d1, _ = nearest_open(sorted_pairs(prob), open_, prob.n)
    if prob.kind == "max_coverage":
        return float(prob.people[site >= 0].sum())
    if prob.kind == "set_cover":
        return None if (prob.needs & (site < 0)).any() else float(open_.sum())
    if (prob.needs & (site < 0)).any():
        return None
    if prob.kind == "p_median":
        return float(prob.people[prob.needs] @ d1[prob.needs])
    return float(d1[prob.needs].max()) if prob.needs.any() else 0.0
