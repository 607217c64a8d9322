"""Greedy + swap heuristics for national sizes, each with a proven bound.

Every step is a sparse matrix-vector product or a ``bincount`` over the usable pairs, so one
step costs O(pairs); a swap pass tries every open site against every candidate at once
(``p`` such products). Bounds:

- ``max_coverage``: coverage is submodular, so for any ``p`` sites
  ``f(T) <= f(S) + (sum of the p - |fixed| largest gains over S)`` (Nemhauser, Wolsey &
  Fisher 1978); greedy alone is within ``1 - 1/e`` of the optimum.
- ``p_median``: everyone at their nearest candidate (all candidates open).
- ``set_cover``: the LP relaxation, rounded up (HiGHS).
- ``p_center``: the longest of the nearest-candidate travel times of those to serve.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from medalliance.accessibility._common import BoolArray, FloatArray, IntArray
from medalliance.planning._problem import _Problem
from medalliance.planning._result import (
    SiteSelection,
    evaluate,
    nearest_open,
    selection,
    sorted_pairs,
)

_TOL = 1e-9


def _reach(prob: _Problem, pairs: IntArray | None = None) -> Any:
    """Sites x origins incidence (scipy CSR) of the usable pairs (or the given ones)."""
    from scipy.sparse import csr_array

    rows = prob.rows()
    keep = np.arange(len(rows)) if pairs is None else pairs
    return csr_array((np.ones(len(keep)), (prob.cols[keep], rows[keep])), shape=(prob.m, prob.n))


def _start(prob: _Problem, warm: IntArray | None) -> BoolArray:
    open_ = np.zeros(prob.m, dtype=bool)
    open_[prob.fixed] = True
    if warm is not None:
        open_[warm] = True
    return open_


# --------------------------------------------------------------------------------------
# max coverage


def _uncovered(reach: Any, open_: BoolArray, needs: BoolArray) -> BoolArray:
    count = reach.T @ open_.astype(np.float64)
    out: BoolArray = needs & (count < 0.5)
    return out


def greedy_coverage(prob: _Problem, warm: IntArray | None, max_passes: int) -> SiteSelection:
    """MCLP: add the site covering most uncovered people, then swap while it pays."""
    assert prob.p is not None
    reach = _reach(prob)
    people = prob.people
    open_ = _start(prob, warm)
    closed_value = np.where(prob.candidate, 0.0, -np.inf)
    while int(open_.sum()) < prob.p:
        gains = reach @ (people * _uncovered(reach, open_, prob.needs)) + closed_value
        gains[open_] = -np.inf
        open_[int(np.argmax(gains))] = True
    free = np.flatnonzero(open_ & ~np.isin(np.arange(prob.m), prob.fixed))
    for _ in range(max_passes):
        count = reach.T @ open_.astype(np.float64)
        uncovered = prob.needs & (count < 0.5)
        only = prob.needs & (np.abs(count - 1.0) < 0.5)
        loss = reach @ (people * only)
        best = (_TOL, -1, -1)
        for j in free.tolist():
            lost = only & (reach[[j], :].toarray()[0] > 0)
            gains = reach @ (people * (uncovered | lost)) + closed_value
            gains[open_] = -np.inf
            k = int(np.argmax(gains))
            if gains[k] - loss[j] > best[0]:
                best = (float(gains[k] - loss[j]), j, k)
        if best[1] < 0:
            break
        open_[best[1]], open_[best[2]] = False, True
        free = np.where(free == best[1], best[2], free)
    objective = evaluate(prob, open_)
    assert objective is not None
    gains = reach @ (people * _uncovered(reach, open_, prob.needs)) + closed_value
    gains[open_] = 0.0
    extra = prob.p - len(prob.fixed)
    top = np.sort(np.maximum(gains, 0.0))[::-1][:extra]
    bound = objective + float(top.sum())
    return selection(
        prob, method="greedy", status="heuristic", open_=open_, values=(objective, bound)
    )


# --------------------------------------------------------------------------------------
# p-median (and the padding of p-center)


def _penalised(d: FloatArray, prob: _Problem, big: float) -> FloatArray:
    out: FloatArray = np.where(np.isfinite(d), d, np.where(prob.needs, big, 0.0))
    return out


def _median_add(prob: _Problem, open_: BoolArray, pairs: Any, big: float) -> None:
    """Add sites (in place) by the largest saving of people-weighted travel until ``p``."""
    assert prob.p is not None
    rows, cols, cost = pairs
    closed_value = np.where(prob.candidate, 0.0, -np.inf)
    while int(open_.sum()) < prob.p:
        _, d1, _ = nearest_open(pairs, open_, prob.n)
        cur = _penalised(d1, prob, big)
        save = prob.people[rows] * np.maximum(cur[rows] - cost, 0.0)
        gains = np.bincount(cols, weights=save, minlength=prob.m) + closed_value
        gains[open_] = -np.inf
        open_[int(np.argmax(gains))] = True


def _median_swaps(prob: _Problem, open_: BoolArray, pairs: Any, big: float, passes: int) -> None:
    """Best-improvement swaps (in place): close ``j``, open ``k`` while the total falls."""
    rows, cols, cost = pairs
    closed_value = np.where(prob.candidate, 0.0, -np.inf)
    fixed = np.zeros(prob.m, dtype=bool)
    fixed[prob.fixed] = True
    for _ in range(passes):
        site, d1, d2 = nearest_open(pairs, open_, prob.n)
        cur = _penalised(d1, prob, big)
        total = float(prob.people @ cur)
        best = (_TOL * max(total, 1.0), -1, -1)
        for j in np.flatnonzero(open_ & ~fixed).tolist():
            without = np.where(site == j, _penalised(d2, prob, big), cur)
            save = prob.people[rows] * np.maximum(without[rows] - cost, 0.0)
            gains = np.bincount(cols, weights=save, minlength=prob.m) + closed_value
            gains[open_] = -np.inf
            k = int(np.argmax(gains))
            better = total - (float(prob.people @ without) - gains[k])
            if better > best[0]:
                best = (better, j, k)
        if best[1] < 0:
            return
        open_[best[1]], open_[best[2]] = False, True


def greedy_median(prob: _Problem, warm: IntArray | None, max_passes: int) -> SiteSelection:
    """p-median: add by largest saving, then swap; bound: everyone at the nearest candidate."""
    pairs = sorted_pairs(prob)
    big = 2.0 * float(prob.cost.max() if len(prob.cost) else 0.0) + 1.0
    open_ = _start(prob, warm)
    _median_add(prob, open_, pairs, big)
    _median_swaps(prob, open_, pairs, big, max_passes)
    _, best, _ = nearest_open(pairs, prob.candidate, prob.n)
    bound = float(prob.people[prob.needs] @ best[prob.needs])
    return _finish(prob, open_, bound)


def _finish(prob: _Problem, open_: BoolArray, bound: float | None) -> SiteSelection:
    objective = evaluate(prob, open_)
    if objective is None:
        msg = "the heuristic left origins to serve without a selected site within reach"
        return selection(
            prob,
            method="greedy",
            status="unserved",
            open_=open_,
            values=(None, bound),
            message=msg,
        )
    return selection(
        prob, method="greedy", status="heuristic", open_=open_, values=(objective, bound)
    )


# --------------------------------------------------------------------------------------
# set cover and p-center


def _cover(prob: _Problem, reach: Any, start: BoolArray) -> BoolArray:
    """Greedy set cover from ``start``, then drop redundant sites (latest first)."""
    open_ = start.copy()
    closed_value = np.where(prob.candidate, 0.0, -np.inf)
    added: list[int] = []
    uncovered = _uncovered(reach, open_, prob.needs)
    while uncovered.any():
        gains = reach @ uncovered.astype(np.float64) + closed_value
        gains[open_] = -np.inf
        j = int(np.argmax(gains))
        if gains[j] <= 0:
            break  # nothing covers what is left (the caller sees it unserved)
        open_[j] = True
        added.append(j)
        uncovered &= ~(reach[[j], :].toarray()[0] > 0)
    count = reach.T @ open_.astype(np.float64)
    for j in reversed(added):
        col = reach[[j], :].toarray()[0] > 0
        if (count[col & prob.needs] >= 1.5).all():
            open_[j] = False
            count -= col
    out: BoolArray = open_
    return out


def greedy_cover(prob: _Problem) -> SiteSelection:
    """LSCP: greedy cover with redundancy removal; bound: the LP relaxation rounded up."""
    from medalliance.planning._exact import build

    reach = _reach(prob)
    open_ = _cover(prob, reach, _start(prob, None))
    model = build(prob)
    lp = _lp_value(model)
    bound = None if lp is None else float(math.ceil(lp - 1e-7))
    return _finish(prob, open_, bound)


def _lp_value(model: Any, time_limit_s: float | None = None) -> float | None:
    """The optimum of the model's LP relaxation; ``None`` if infeasible or out of time."""
    from scipy.optimize import Bounds, LinearConstraint, milp
    from scipy.sparse import csr_array

    a = csr_array(
        (np.concatenate(model.vals), (np.concatenate(model.rows), np.concatenate(model.cols))),
        shape=(model.n_rows, len(model.c)),
    )
    res = milp(
        model.c,
        integrality=np.zeros(len(model.c)),
        bounds=Bounds(model.lb, model.ub),
        constraints=LinearConstraint(a, np.concatenate(model.lo), np.concatenate(model.hi)),
        options={} if time_limit_s is None else {"time_limit": time_limit_s},
    )
    return None if res.status != 0 else float(res.fun)


def greedy_center(prob: _Problem, warm: IntArray | None) -> SiteSelection:
    """p-center: the smallest radius a greedy cover meets with ``p`` sites, then padding."""
    assert prob.p is not None
    pairs = sorted_pairs(prob)
    _, nearest, _ = nearest_open(pairs, prob.candidate, prob.n)
    lower = float(nearest[prob.needs].max()) if prob.needs.any() else 0.0
    radii = np.unique(prob.cost[prob.cost >= lower])
    start = _start(prob, None)
    best_open = None
    lo, hi = 0, len(radii) - 1
    while lo <= hi:  # binary search on the radius
        mid = (lo + hi) // 2
        reach = _reach(prob, np.flatnonzero(prob.cost <= radii[mid]))
        open_ = _cover(prob, reach, start)
        if int(open_.sum()) <= prob.p and not _uncovered(reach, open_, prob.needs).any():
            best_open, hi = open_, mid - 1
        else:
            lo = mid + 1
    if best_open is None:
        best_open = _start(prob, warm)
    big = 2.0 * float(prob.cost.max() if len(prob.cost) else 0.0) + 1.0
    _median_add(prob, best_open, pairs, big)
    if warm is not None:
        w_open = _start(prob, warm)
        w_obj, b_obj = evaluate(prob, w_open), evaluate(prob, best_open)
        if w_obj is not None and (b_obj is None or w_obj < b_obj):
            best_open = w_open
    return _finish(prob, best_open, lower)
