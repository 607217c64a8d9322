"""The transport step of capacitated site selection: the best split for a fixed open set.

For a fixed set of open sites, the best split of every origin's people among the open sites
in reach, no site taking more than its capacity, is a linear program (a transport problem on
the usable pairs): :func:`transport` solves it with HiGHS (``scipy.optimize.linprog``) on a
sparse matrix with one row per origin and one per open site. The exact solver scores a
capacitated warm start with it; the capacitated greedy scores every open set with it.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from medalliance.accessibility._common import BoolArray, FloatArray
from medalliance.planning._problem import _Problem


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
