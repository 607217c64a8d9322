"""Capacitated site selection without a MILP: the transport step and a greedy + swap on it.

For a fixed set of open sites, the best split of every origin's people among the open sites
in reach, no site taking more than its capacity, is a linear program (a transport problem on
the usable pairs): :func:`transport` solves it with HiGHS (``scipy.optimize.linprog``) on a
sparse matrix with one row per origin and one per open site. It is exact: the objective of
a capacitated selection is that LP's optimum, never an estimate.

:func:`greedy_capacitated` opens sites one at a time by an estimated gain (each candidate
filled to its capacity with the people it would serve best, from the current transport
solution), re-solving the transport after each opening; then it tries, for every open site
that is not fixed, closing it and opening the candidate with the best estimated gain in its
place, keeping the swap when the re-solved transport is better. Its bound is the optimum of
the MILP's LP relaxation (every ``y`` between 0 and 1), which no selection can beat.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from medalliance.accessibility._common import BoolArray, FloatArray, IntArray
from medalliance.planning._problem import _Problem
from medalliance.planning._result import SiteSelection, selection

_TOL = 1e-9


class Transport(NamedTuple):
    """The best capacitated split for an open set.

    ``value`` is the people covered (``max_coverage``) or the people-weighted minutes of
    those served (``p_median``); ``None`` when the open sites cannot serve everyone who must
    be served (``p_median`` without a penalty). With a ``penalty`` the LP prices each unserved
    person at ``penalty`` minutes (more than any rerouting within the open sites can save, so
    it serves as many as the open sites can hold). ``x`` is the share of each usable pair (0
    for pairs to closed sites); ``unserved`` the share of each origin left unserved.
    """

    value: float | None
    x: FloatArray
    unserved: FloatArray


def transport(prob: _Problem, open_: BoolArray, penalty: float | None = None) -> Transport:
    """Solve the transport LP of ``prob`` for the sites in ``open_``.

    Examples
    --------
    >>> import numpy as np
    >>> from medalliance.accessibility import costs_from_table
    >>> from medalliance.planning._problem import prepare
    >>> costs = costs_from_table(["a", "a", "b"], ["x", "y", "x"], [1, 5, 2],
    ...                          origin_ids=["a", "b"], site_ids=["x", "y"])
    >>> prob = prepare("p_median", costs, [10, 10], p=2, cutoff_min=None, candidates=None,
    ...                fixed=None, capacity=[10, 10])
    >>> t = transport(prob, np.array([True, True]))
    >>> t.value, t.x.tolist()
    (70.0, [0.0, 1.0, 1.0])
    """
    from scipy.optimize import linprog
    from scipy.sparse import coo_array

    assert prob.capacity is not None
    rows = prob.rows()
    pairs = np.flatnonzero(open_[prob.cols])
    r, c = rows[pairs], prob.cols[pairs]
    k = len(pairs)
    people = prob.people
    median = prob.kind == "p_median"
    sites = np.flatnonzero(open_)
    site_row = np.full(prob.m, -1, dtype=np.int64)
    site_row[sites] = np.arange(len(sites))
    n = prob.n
    # variables: x (one per open pair), then u (one per origin) when unserved may be priced
    priced = median and penalty is not None
    n_var = k + (n if priced else 0)
    cost = np.zeros(n_var)
    if median:
        cost[:k] = people[r] * prob.cost[pairs]
        if priced:
            assert penalty is not None
            cost[k:] = people * penalty
    else:
        cost[:k] = -people[r]
    # per origin: Σ x (+ u) <= 1, or == 1 for p-median origins to serve
    a_rows = [r, n + site_row[c]]
    a_cols = [np.arange(k), np.arange(k)]
    a_vals = [np.ones(k), people[r]]
    if priced:
        a_rows.append(np.arange(n))
        a_cols.append(k + np.arange(n))
        a_vals.append(np.ones(n))
    a = coo_array(
        (np.concatenate(a_vals), (np.concatenate(a_rows), np.concatenate(a_cols))),
        shape=(n + len(sites), n_var),
    ).tocsr()
    serve = median & prob.needs
    lower = np.concatenate([np.where(serve, 1.0, -np.inf), np.full(len(sites), -np.inf)])
    upper = np.concatenate([np.ones(n), prob.capacity[sites]])
    res = _solve(cost, a, lower, upper, linprog)
    x = np.zeros(len(prob.cols))
    if res is None:
        return Transport(None, x, np.where(prob.needs, 1.0, 0.0))
    x[pairs] = np.clip(res[:k], 0.0, 1.0) + 0.0  # no -0.0
    served = np.bincount(rows, weights=x, minlength=n)
    unserved = np.where(prob.needs, np.clip(1.0 - served, 0.0, 1.0), 0.0)
    value = float(cost[:k] @ res[:k])
    return Transport(value if median else -value, x, unserved)


def _solve(
    cost: FloatArray, a: Any, lower: FloatArray, upper: FloatArray, linprog: Any
) -> FloatArray | None:
    """``min cost·v`` s.t. ``lower == A v`` (finite ``lower``) or ``A v <= upper``, ``0..1``.

    ``None`` when infeasible.
    """
    eq = np.isfinite(lower)
    if len(cost) == 0:
        return None if (lower[eq] > 0).any() else np.zeros(0)
    a_ub, a_eq = a[np.flatnonzero(~eq)], a[np.flatnonzero(eq)]
    res = linprog(
        cost,
        A_ub=a_ub if a_ub.shape[0] else None,
        b_ub=upper[~eq] if a_ub.shape[0] else None,
        A_eq=a_eq if a_eq.shape[0] else None,
        b_eq=lower[eq] if a_eq.shape[0] else None,
        bounds=(0.0, 1.0),
        method="highs",
    )
    if res.status != 0:
        return None
    out: FloatArray = np.asarray(res.x, dtype=np.float64)
    return out


def _gains(prob: _Problem, state: Transport, open_: BoolArray, penalty: float) -> FloatArray:
    """Estimated gain of opening each closed candidate, on its own, from ``state``.

    Each candidate takes, up to its capacity, the people in reach who would gain most by
    moving to it: for ``max_coverage`` the uncovered people (a gain of 1 each); for
    ``p_median`` everyone whose current mean minutes (``penalty`` for the unserved) exceed
    the candidate's.
    """
    assert prob.capacity is not None
    rows, cols, people = prob.rows(), prob.cols, prob.people
    if prob.kind == "max_coverage":
        amount = people[rows] * state.unserved[rows]
        per_person = np.ones(len(cols))
    else:
        # Σ_j x_ij + u_i = 1: the mean minutes of a person of origin i now
        mean = np.bincount(rows, weights=state.x * prob.cost, minlength=prob.n).astype(
            np.float64
        ) + (state.unserved * penalty)
        per_person = np.maximum(mean[rows] - prob.cost, 0.0)
        amount = people[rows] * prob.needs[rows]
    keep = np.flatnonzero(prob.candidate[cols] & ~open_[cols] & (per_person * amount > 0))
    gains = np.where(prob.candidate & ~open_, 0.0, -np.inf)
    if not len(keep):
        return gains
    # per site, the pairs by gain per person (best first), filled up to the capacity
    order = keep[np.lexsort((-per_person[keep], cols[keep]))]
    c, a, g = cols[order], amount[order], per_person[order]
    cum = np.cumsum(a)
    start = np.concatenate(([True], c[1:] != c[:-1]))
    base = np.maximum.accumulate(np.where(start, cum - a, 0.0))
    before = cum - a - base
    take = np.clip(prob.capacity[c] - before, 0.0, a)
    np.add.at(gains, c, take * g)
    out: FloatArray = gains
    return out


def _better(prob: _Problem, new: Transport, old: Transport) -> bool:
    """Whether ``new`` beats ``old``: fewer people left unserved first (p-median), then value."""
    if new.value is None:
        return False
    if old.value is None:
        return True
    if prob.kind == "p_median":
        short_new, short_old = prob.people @ new.unserved, prob.people @ old.unserved
        tol = 1e-9 * max(float(prob.people.sum()), 1.0)
        if abs(short_new - short_old) > tol:
            return bool(short_new < short_old)
    scale = max(abs(old.value), 1.0) * 1e-9
    if prob.kind == "max_coverage":
        return new.value > old.value + scale
    return new.value < old.value - scale


def _state(prob: _Problem, open_: BoolArray, penalty: float) -> Transport:
    return transport(prob, open_, penalty if prob.kind == "p_median" else None)


def _add(prob: _Problem, open_: BoolArray, penalty: float) -> Transport:
    """Open sites (in place) by the largest estimated gain until there are ``p``."""
    assert prob.p is not None
    state = _state(prob, open_, penalty)
    while int(open_.sum()) < prob.p:
        gains = _gains(prob, state, open_, penalty)
        open_[int(np.argmax(gains))] = True
        state = _state(prob, open_, penalty)
    return state


def _swaps(prob: _Problem, open_: BoolArray, penalty: float, passes: int) -> Transport:
    """Close an open site, open the best estimated replacement; keep it when it pays."""
    fixed = np.zeros(prob.m, dtype=bool)
    fixed[prob.fixed] = True
    state = _state(prob, open_, penalty)
    for _ in range(passes):
        improved = False
        for j in np.flatnonzero(open_ & ~fixed).tolist():
            trial = open_.copy()
            trial[j] = False
            gains = _gains(prob, _state(prob, trial, penalty), trial, penalty)
            gains[j] = -np.inf
            k = int(np.argmax(gains))
            if not np.isfinite(gains[k]):
                continue
            trial[k] = True
            new = _state(prob, trial, penalty)
            if _better(prob, new, state):
                open_[:] = trial
                state, improved = new, True
        if not improved:
            break
    return state


def _relaxation_bound(prob: _Problem) -> float | None:
    """The LP relaxation of the capacitated MILP: an upper (MCLP) or lower (p-median) bound."""
    from medalliance.planning._exact import build
    from medalliance.planning._greedy import _lp_value

    lp = _lp_value(build(prob))
    if lp is None:
        return None
    return -lp if prob.kind == "max_coverage" else lp


def greedy_capacitated(prob: _Problem, warm: IntArray | None, max_passes: int) -> SiteSelection:
    """Capacitated MCLP or p-median: greedy opening + swaps on exact transport solutions."""
    from medalliance.planning._exact import _capacitated_share

    big = float(prob.cost.max()) if len(prob.cost) else 0.0
    penalty = (prob.m + 1) * (big + 1.0)
    open_ = np.zeros(prob.m, dtype=bool)
    open_[prob.fixed] = True
    if warm is not None:
        open_[warm] = True
    _add(prob, open_, penalty)
    _swaps(prob, open_, penalty, max_passes)
    final = transport(prob, open_)  # exact: no penalty, p-median must serve everyone
    bound = _relaxation_bound(prob)
    if final.value is None:
        msg = (
            "the heuristic's sites cannot serve everyone within their capacities"
            if bound is not None
            else "no choice of sites can serve everyone within the capacities "
            "(the LP relaxation is infeasible)"
        )
        return selection(
            prob,
            method="greedy",
            status="unserved",
            open_=open_,
            values=(None, bound),
            share=_capacitated_share(prob, final.x),
            message=msg,
        )
    return selection(
        prob,
        method="greedy",
        status="heuristic",
        open_=open_,
        values=(final.value, bound),
        share=_capacitated_share(prob, final.x),
    )
