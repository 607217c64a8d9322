"""Exact site selection: mixed-integer programs built with numpy, solved by HiGHS.

Variables are laid out as ``[y (one per site), x or z ...]``. ``y_j`` is 1 when site ``j`` is
open (fixed to 1 for fixed sites, to 0 for sites that are not candidates). Constraint
matrices are assembled from the usable pairs as COO triplets in one pass each — no Python
loop over origins or pairs.

- ``max_coverage`` (MCLP, Church & ReVelle 1974): ``max Σ P_i z_i`` s.t.
  ``z_i <= Σ_{j in N_i} y_j``, ``Σ y = p``, ``0 <= z <= 1``. Origins that reach the same sites
  share one ``z`` (:func:`coverage_groups`). Capacitated: assignment shares
  ``x_ij`` with ``Σ_j x_ij <= 1``, ``x_ij <= y_j``, ``Σ_i P_i x_ij <= C_j y_j``.
- ``p_median`` (ReVelle & Swain 1970): ``min Σ P_i d_ij x_ij`` s.t. ``Σ_j x_ij = 1`` for
  everyone to serve, ``x_ij <= y_j``, ``Σ y = p`` (capacities as above).
- ``set_cover`` (LSCP, Toregas et al. 1971): ``min Σ y`` s.t. ``Σ_{j in N_i} y_j >= 1``; with
  ``backup``, a second stage keeps that number of sites and maximises the people within
  reach of two (Hogan & ReVelle 1986).
- ``p_center``: ``min W`` s.t. ``Σ_j d_ij x_ij <= W``, ``Σ_j x_ij = 1``, ``x_ij <= y_j``,
  ``Σ y = p``.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import numpy as np

from medalliance.accessibility._common import BoolArray, FloatArray, IntArray
from medalliance.planning._problem import _Problem
from medalliance.planning._result import SiteSelection, Status, evaluate, selection
from medalliance.planning._transport import transport

_REL_GAP = 1e-6


@dataclass
class _Model:
    """A MILP ``min c·v`` with row blocks ``lo <= A v <= hi`` given as COO triplets."""

    c: FloatArray
    integral: FloatArray
    lb: FloatArray
    ub: FloatArray
    rows: list[IntArray]
    cols: list[IntArray]
    vals: list[FloatArray]
    lo: list[FloatArray]
    hi: list[FloatArray]
    n_rows: int = 0

    def block(
        self, r: IntArray, c: IntArray, v: FloatArray, lo: FloatArray, hi: FloatArray
    ) -> None:
        """Add ``len(lo)`` rows; ``r`` counts from the block's first row."""
        self.rows.append(r + self.n_rows)
        self.cols.append(c)
        self.vals.append(v)
        self.lo.append(lo)
        self.hi.append(hi)
        self.n_rows += len(lo)


def _model(prob: _Problem, n_extra: int) -> _Model:
    """Site variables (bounds from candidates and fixed sites) and ``n_extra`` continuous ones."""
    m = prob.m
    lb = np.zeros(m + n_extra)
    ub = np.ones(m + n_extra)
    ub[:m] = prob.candidate
    lb[prob.fixed] = 1.0
    integral = np.zeros(m + n_extra)
    integral[:m] = 1
    model = _Model(np.zeros(m + n_extra), integral, lb, ub, [], [], [], [], [])
    if prob.p is not None:  # Σ y = p
        one = np.ones(1)
        cols = np.arange(m, dtype=np.int64)
        model.block(np.zeros(m, np.int64), cols, np.ones(m), one * prob.p, one * prob.p)
    return model


def _links(model: _Model, prob: _Problem, offset: int) -> None:
    """``x_k <= y_j`` for every pair variable ``x_k`` (at ``offset + k``)."""
    k = len(prob.cols)
    ar = np.arange(k, dtype=np.int64)
    model.block(
        np.concatenate([ar, ar]),
        np.concatenate([offset + ar, prob.cols]),
        np.concatenate([np.ones(k), -np.ones(k)]),
        np.full(k, -np.inf),
        np.zeros(k),
    )


def _capacities(model: _Model, prob: _Problem, offset: int) -> None:
    """``Σ_i P_i x_ij - C_j y_j <= 0`` for every site."""
    assert prob.capacity is not None
    m, k = prob.m, len(prob.cols)
    model.block(
        np.concatenate([prob.cols, np.arange(m, dtype=np.int64)]),
        np.concatenate([offset + np.arange(k, dtype=np.int64), np.arange(m, dtype=np.int64)]),
        np.concatenate([prob.people[prob.rows()], -prob.capacity]),
        np.full(m, -np.inf),
        np.zeros(m),
    )


def _per_origin(model: _Model, prob: _Problem, offset: int, lo: float, hi: float) -> None:
    """``lo <= Σ_j x_ij <= hi`` for every origin to serve (pair variables at ``offset``)."""
    rows = prob.rows()
    keep = prob.needs[rows]
    k = np.flatnonzero(keep)
    model.block(
        rows[k],
        offset + k,
        np.ones(len(k)),
        np.where(prob.needs, lo, -np.inf),
        np.where(prob.needs, hi, np.inf),
    )


_HASH_SEED = 0x6D656461  # fixed: the grouping is the same in every run


def _site_hashes(m: int) -> IntArray:
    """Two random 64-bit words per site (seeded); a site set hashes to their sums."""
    rng = np.random.default_rng(_HASH_SEED)
    out: IntArray = rng.integers(0, np.iinfo(np.int64).max, size=(2, m), dtype=np.int64)
    return out


def _ranges(starts: IntArray, lengths: IntArray) -> IntArray:
    """``starts[i], ..., starts[i] + lengths[i] - 1`` for every ``i``, one after another."""
    ends = np.cumsum(lengths)
    out: IntArray = np.arange(int(ends[-1]) if len(ends) else 0, dtype=np.int64)
    out += np.repeat(starts - (ends - lengths), lengths)
    return out


def coverage_groups(prob: _Problem) -> tuple[IntArray, IntArray, FloatArray]:
    """Origins that reach exactly the same sites, merged into one demand group.

    The uncapacitated MCLP cannot tell such origins apart (each is covered exactly when one
    of the same sites is open), so one variable with their people summed serves them all;
    on clustered demand this halves the model or better (HiGHS then solves it 2-4 times
    faster). Origins reaching no site are left out (they are never covered). Groups are
    found by two 64-bit hashes of each origin's site set and its size, then **verified**
    site by site; if a hash collision merged different sets, no origins are merged at all,
    so the model is exact either way.

    Returns the pairs of the groups (group position, site position) and each group's people.

    Examples
    --------
    >>> from medalliance.accessibility import costs_from_table
    >>> from medalliance.planning._problem import prepare
    >>> costs = costs_from_table(["a", "b", "c"], ["x", "x", "y"], [1, 2, 3],
    ...                          origin_ids=["a", "b", "c"], site_ids=["x", "y"])
    >>> prob = prepare("max_coverage", costs, [10, 20, 5], p=1, cutoff_min=None,
    ...                candidates=None, fixed=None)
    >>> rows, cols, people = coverage_groups(prob)
    >>> rows.tolist(), cols.tolist(), people.tolist()
    ([0, 1], [0, 1], [30.0, 5.0])
    """
    lengths = np.diff(prob.ptr)
    origins = np.flatnonzero(lengths > 0)
    sizes, starts = lengths[origins], prob.ptr[origins]
    # each origin's sites in ascending order, at the same positions as before
    cols = prob.cols[np.lexsort((prob.cols, prob.rows()))].astype(np.int64)
    if len(origins) == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0)
    hashes = _site_hashes(prob.m)
    with np.errstate(over="ignore"):  # the sums wrap around: they are hashes
        keys = np.stack([sizes, *(np.add.reduceat(h.take(cols), starts) for h in hashes)], axis=1)
    _, first, group = np.unique(keys, axis=0, return_index=True, return_inverse=True)
    group = group.ravel()
    # verify: every origin's sites equal its group's first origin's, position by position
    same = cols[_ranges(starts[first][group], sizes)]
    if not np.array_equal(cols, same):  # a hash collision: merge nothing
        first, group = np.arange(len(origins)), np.arange(len(origins))
    people = np.bincount(group, weights=prob.people[origins], minlength=len(first))
    g_rows = np.repeat(np.arange(len(first), dtype=np.int64), sizes[first])
    g_cols = cols[_ranges(starts[first], sizes[first])]
    return g_rows, g_cols, people.astype(np.float64)


def build(prob: _Problem, *, backup_count: int | None = None, links: bool = True) -> _Model:
    """The MILP of ``prob`` (for ``set_cover`` with ``backup_count``: the backup stage).

    ``links=False`` leaves out the rows ``x_ij <= y_j`` of a capacitated model: the capacity
    rows ``Σ_i P_i x_ij <= C_j y_j`` already close a closed site to everyone, so the integer
    model is the same; its LP relaxation is weaker but far smaller (a quick bound).
    """
    m, n, k = prob.m, prob.n, len(prob.cols)
    rows = prob.rows()
    if prob.kind == "max_coverage" and prob.capacity is None:
        # one z per group of origins that reach the same sites (their people summed)
        g_rows, g_cols, g_people = coverage_groups(prob)
        g, kg = len(g_people), len(g_cols)
        model = _model(prob, g)
        model.c[m:] = -g_people
        # z_g - Σ_{j in N_g} y_j <= 0
        model.block(
            np.concatenate([g_rows, np.arange(g, dtype=np.int64)]),
            np.concatenate([g_cols, m + np.arange(g, dtype=np.int64)]),
            np.concatenate([-np.ones(kg), np.ones(g)]),
            np.full(g, -np.inf),
            np.zeros(g),
        )
        return model
    if prob.kind in ("max_coverage", "p_median"):
        model = _model(prob, k)
        if prob.kind == "max_coverage":
            model.c[m:] = -prob.people[rows]
            _per_origin(model, prob, m, -np.inf, 1.0)
        else:
            model.c[m:] = prob.people[rows] * prob.cost
            model.ub[m:] = prob.needs[rows]
            _per_origin(model, prob, m, 1.0, 1.0)
        if links or prob.capacity is None:
            _links(model, prob, m)
        if prob.capacity is not None:
            _capacities(model, prob, m)
        return model
    if prob.kind == "set_cover":
        extra = 0 if backup_count is None else n
        model = _model(prob, extra)
        keep = np.flatnonzero(prob.needs[rows])
        r, c, v = rows[keep], prob.cols[keep], np.ones(len(keep))
        if backup_count is None:
            model.c[:m] = 1.0
        else:  # Σ_{j in N_i} y_j - u_i >= 1, Σ y = count, max Σ P_i u_i
            model.c[m:] = -prob.people
            ar = np.arange(n, dtype=np.int64)
            r, c = np.concatenate([r, ar]), np.concatenate([c, m + ar])
            v = np.concatenate([v, -np.ones(n)])
            count = np.full(1, float(backup_count))
            model.block(np.zeros(m, np.int64), np.arange(m), np.ones(m), count, count)
        model.block(r, c, v, np.where(prob.needs, 1.0, -np.inf), np.full(n, np.inf))
        return model
    # p_center: [y, x, W]
    model = _model(prob, k + 1)
    model.c[-1] = 1.0
    model.ub[-1] = np.inf
    model.ub[m : m + k] = prob.needs[rows]
    _per_origin(model, prob, m, 1.0, 1.0)
    _links(model, prob, m)
    keep = np.flatnonzero(prob.needs[rows])
    served = np.flatnonzero(prob.needs)
    model.block(
        np.concatenate([rows[keep], served]),
        np.concatenate([m + keep, np.full(len(served), m + k)]),
        np.concatenate([prob.cost[keep], -np.ones(len(served))]),
        np.full(n, -np.inf),
        np.zeros(n),
    )
    return model


def solve_model(model: _Model, time_limit_s: float | None) -> Any:
    """Run HiGHS on the model; returns scipy's ``OptimizeResult``."""
    from scipy.optimize import Bounds, LinearConstraint, milp
    from scipy.sparse import csr_array

    a = csr_array(
        (np.concatenate(model.vals), (np.concatenate(model.rows), np.concatenate(model.cols))),
        shape=(model.n_rows, len(model.c)),
    )
    options: dict[str, Any] = {"disp": False, "mip_rel_gap": _REL_GAP}
    if time_limit_s is not None:
        options["time_limit"] = time_limit_s
    return milp(
        model.c,
        integrality=model.integral,
        bounds=Bounds(model.lb, model.ub),
        constraints=LinearConstraint(a, np.concatenate(model.lo), np.concatenate(model.hi)),
        options=options,
    )


def _status(res: Any) -> Status:
    if res.status == 0:
        return "optimal"
    if res.status == 2:
        return "infeasible"
    return "time_limit"


def _capacitated_share(prob: _Problem, x: FloatArray) -> tuple[IntArray, FloatArray, FloatArray]:
    """Per origin: the site with its largest share, that pair's cost, and the share served."""
    rows = prob.rows()
    served = np.bincount(rows, weights=x, minlength=prob.n)
    order = np.lexsort((-x, rows))
    r = rows[order]
    first = order[np.flatnonzero(np.concatenate(([True], r[1:] != r[:-1])))] if len(r) else r
    site = np.full(prob.n, -1, dtype=np.int64)
    cost = np.full(prob.n, np.inf)
    has = x[first] > 1e-9
    site[rows[first[has]]] = prob.cols[first[has]]
    cost[rows[first[has]]] = prob.cost[first[has]]
    return site, cost, np.clip(served, 0.0, 1.0)


def _warm_value(
    prob: _Problem, warm: IntArray
) -> tuple[BoolArray, float | None, tuple[IntArray, FloatArray, FloatArray] | None]:
    """The warm start's open sites, its objective and (with capacities) its split."""
    w_open = np.zeros(prob.m, dtype=bool)
    w_open[warm] = True
    if prob.capacity is None:
        return w_open, evaluate(prob, w_open), None
    t = transport(prob, w_open)
    return w_open, t.value, _capacitated_share(prob, t.x)


def _cutoff(model: _Model, sign: float, value: float) -> None:
    """Add ``c·v <= value`` (model sense): no solution worse than ``value`` is kept.

    The row is loosened by a relative 1e-7 so the warm start itself stays feasible.
    """
    target = sign * value
    nz = np.flatnonzero(model.c)
    slack = 1e-7 * max(abs(target), 1.0)
    model.block(
        np.zeros(len(nz), np.int64),
        nz,
        model.c[nz],
        np.full(1, -np.inf),
        np.full(1, target + slack),
    )


def solve_exact(
    prob: _Problem,
    *,
    time_limit_s: float | None,
    warm: IntArray | None,
    backup: bool = False,
) -> SiteSelection:
    """Solve ``prob`` exactly; a warm start is a cutoff, and kept when nothing beats it."""
    sign = -1.0 if prob.kind == "max_coverage" else 1.0
    started = time.monotonic()
    model = build(prob)
    w_open, w_obj, w_share = None, None, None
    if warm is not None:
        w_open, w_obj, w_share = _warm_value(prob, warm)
        if w_obj is not None:
            _cutoff(model, sign, w_obj)
    res = solve_model(model, time_limit_s)
    status = _status(res)
    if status == "infeasible" and w_obj is None:
        msg = "HiGHS proved the model infeasible: " + str(res.message)
        return selection(
            prob, method="exact", status=status, open_=None, values=(None, None), message=msg
        )
    bound = None if res.mip_dual_bound is None else sign * float(res.mip_dual_bound)
    open_: BoolArray | None = None
    objective = None
    share = None
    if res.x is not None:
        open_ = res.x[: prob.m] > 0.5
        if prob.capacity is not None:
            share = _capacitated_share(prob, res.x[prob.m : prob.m + len(prob.cols)])
            objective = sign * float(res.fun)
        else:
            objective = evaluate(prob, open_)
    if w_obj is not None and (objective is None or sign * (objective - w_obj) > 0):
        # nothing better than the warm start: it is the answer (proven so when HiGHS
        # finished: "infeasible" under the cutoff means no selection beats it)
        open_, objective, share = w_open, w_obj, w_share
        if status == "infeasible":
            status, bound = "optimal", w_obj
    if status == "optimal" and objective is not None:
        bound = objective if bound is None else bound
    backup_people = None
    if backup and open_ is not None and objective is not None:
        left = (
            None if time_limit_s is None else max(time_limit_s - (time.monotonic() - started), 1e-3)
        )
        res2 = solve_model(build(prob, backup_count=round(objective)), left)
        if res2.x is not None:
            open_ = res2.x[: prob.m] > 0.5
            backup_people = float(prob.people @ res2.x[prob.m :])
        if _status(res2) != "optimal":
            status = "time_limit"
    return selection(
        prob,
        method="exact",
        status=status,
        open_=open_,
        values=(objective, bound),
        share=share,
        backup_people=backup_people,
        message=str(res.message),
    )
