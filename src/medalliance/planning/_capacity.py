"""Capacitated site selection without a MILP: the transport step and a greedy + swap on it.

For a fixed set of open sites, the best split of every origin's people among the open sites
in reach, no site taking more than its capacity, is a linear program solved exactly
(:func:`medalliance.planning._transport.transport`): the objective of a capacitated
selection is that LP's optimum, never an estimate.

:func:`greedy_capacitated` opens sites one at a time by an estimated gain (each candidate
filled to its capacity with the people it would serve best, from the current transport
solution), re-solving the transport after each opening; then it tries, for every open site
that is not fixed, closing it and opening the candidate with the best estimated gain in its
place, keeping the swap when the re-solved transport is better. Its bound is the optimum of
an LP relaxation of the MILP (every ``y`` between 0 and 1, without the rows ``x_ij <= y_j``),
which no selection can beat.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from medalliance.accessibility._common import BoolArray, FloatArray, IntArray
from medalliance.planning._problem import _Problem
from medalliance.planning._result import SiteSelection, selection
from medalliance.planning._transport import Transport, transport


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


def _relaxation_bound(prob: _Problem, time_limit_s: float | None) -> float | None:
    """An LP bound on the capacitated MILP: upper (MCLP) or lower (p-median).

    Always the relaxation without the rows ``x_ij <= y_j`` (the capacity rows keep a closed
    site closed in the integer model) and, for MCLP, the uncapacitated relaxation
    (capacities only take coverage away); with ``time_limit_s`` also the full relaxation if
    HiGHS solves it in that time. The tightest of them is returned. The full relaxation is
    the tight one for p-median, but it can take HiGHS longer than the MILP itself (32 s
    against 14 s for an MCLP of 2,000 × 100, p = 10), so it is only tried on request.
    """
    from medalliance.planning._exact import build
    from medalliance.planning._greedy import _lp_value

    values = [_lp_value(build(prob, links=False))]
    if values[0] is None:
        return None
    if prob.kind == "max_coverage":
        values.append(_lp_value(build(replace(prob, capacity=None))))
    if time_limit_s is not None:
        values.append(_lp_value(build(prob), time_limit_s))
    tightest = max(v for v in values if v is not None)  # each a minimum: the largest binds
    return -tightest if prob.kind == "max_coverage" else tightest


def greedy_capacitated(
    prob: _Problem, warm: IntArray | None, max_passes: int, time_limit_s: float | None = None
) -> SiteSelection:
    """Capacitated MCLP or p-median: greedy opening + swaps on exact transport solutions.

    ``time_limit_s`` lets HiGHS try the full LP relaxation for a tighter bound.
    """
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
    bound = _relaxation_bound(prob, time_limit_s)
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
