"""Site selection on a :class:`~medalliance.accessibility.CostMatrix`: MCLP, p-median, LSCP."""

from __future__ import annotations

from typing import Literal

from numpy.typing import ArrayLike

from medalliance.accessibility import CostMatrix, Population, Supply
from medalliance.errors import MedAllianceError, Problem
from medalliance.planning._capacity import greedy_capacitated
from medalliance.planning._exact import solve_exact
from medalliance.planning._greedy import (
    greedy_center,
    greedy_cover,
    greedy_coverage,
    greedy_median,
)
from medalliance.planning._problem import check_time_limit, prepare, warm_sites
from medalliance.planning._result import SiteSelection

Method = Literal["exact", "greedy"]
Kind = Literal["max_coverage", "p_median", "set_cover", "p_center"]


def _check_method(method: object, field: str = "method") -> None:
    if method not in ("exact", "greedy"):
        msg = f"must be 'exact' or 'greedy', got {method!r}"
        raise MedAllianceError([Problem((field,), msg)])


def _check_passes(max_swap_passes: object) -> int:
    if isinstance(max_swap_passes, bool) or not isinstance(max_swap_passes, int):
        msg = f"must be a whole number >= 0, got {max_swap_passes!r}"
        raise MedAllianceError([Problem(("max_swap_passes",), msg)])
    if max_swap_passes < 0:
        msg = f"must be >= 0, got {max_swap_passes}"
        raise MedAllianceError([Problem(("max_swap_passes",), msg)])
    return max_swap_passes


def _run(
    kind: Kind,
    costs: CostMatrix,
    population: Population | ArrayLike | None,
    method: object,
    *,
    p: int | None,
    cutoff_min: float | None,
    candidates: ArrayLike | None,
    fixed: ArrayLike | None,
    capacity: Supply | ArrayLike | None = None,
    time_limit_s: float | None = None,
    warm_start: ArrayLike | None = None,
    max_swap_passes: object = 0,
    backup: bool = False,
) -> SiteSelection:
    """Check the arguments of any of the four models, then solve it the way asked."""
    _check_method(method)
    if method == "greedy" and backup:
        raise MedAllianceError([Problem(("backup",), "backup coverage needs method='exact'")])
    prob = prepare(
        kind,
        costs,
        population,
        p=p,
        cutoff_min=cutoff_min,
        candidates=candidates,
        fixed=fixed,
        capacity=capacity,
    )
    limit = check_time_limit(time_limit_s)
    warm = warm_sites(prob, warm_start)
    if method == "exact":
        return solve_exact(prob, time_limit_s=limit, warm=warm, backup=backup)
    passes = _check_passes(max_swap_passes)
    if prob.capacity is not None:
        return greedy_capacitated(prob, warm, passes, limit)
    if kind == "max_coverage":
        return greedy_coverage(prob, warm, passes)
    if kind == "p_median":
        return greedy_median(prob, warm, passes)
    if kind == "set_cover":
        return greedy_cover(prob)
    return greedy_center(prob, warm)


def max_coverage(
    costs: CostMatrix,
    population: Population | ArrayLike,
    *,
    p: int,
    cutoff_min: float,
    candidates: ArrayLike | None = None,
    fixed: ArrayLike | None = None,
    capacity: Supply | ArrayLike | None = None,
    method: Method = "exact",
    time_limit_s: float | None = None,
    warm_start: ArrayLike | None = None,
    max_swap_passes: int = 100,
) -> SiteSelection:
    """Maximal covering location (MCLP): open ``p`` sites covering the most people.

    An origin is covered when an open site is within ``cutoff_min`` minutes (inclusive).

    Parameters
    ----------
    costs : CostMatrix
        Travel times (minutes) between origins and sites.
    population : Population or sequence of float
        People per origin (matched by id, or in the order of ``costs.origin_ids``).
    p : int
        Sites to open, the fixed ones included.
    cutoff_min : float
        Coverage cutoff in minutes (inclusive); at most the cost structure's own cutoff.
    candidates : sequence of site ids, optional
        Sites that may be opened (default: every site).
    fixed : sequence of site ids, optional
        Sites already open (institutions that already offer the service); always selected.
    capacity : Supply or sequence of float, optional
        People each site can serve; with it an origin's people may be split between sites
        and no site serves more than its capacity. ``greedy`` then opens sites by estimated
        gain and swaps them, each open set scored by an exact transport LP; its bound is a
        quick LP relaxation (without the rows ``x_ij <= y_j``; for MCLP also the
        uncapacitated one), tightened by the full relaxation when ``time_limit_s`` is given.
    method : {"exact", "greedy"}, default "exact"
        ``exact``: MILP solved by HiGHS; ``greedy``: greedy + swap (national sizes).
    time_limit_s : float, optional
        Exact: seconds HiGHS may spend; the best selection found and the proven bound are
        returned with status ``time_limit``. Greedy with ``capacity``: seconds HiGHS may
        spend on the full LP relaxation for a tighter bound (not tried without it).
    warm_start : sequence of site ids, optional
        ``p`` sites (the fixed ones included) to start from. Greedy: the starting point of
        the swaps. Exact: its objective becomes a cutoff — a constraint that the MILP's
        objective be at least as good, so HiGHS prunes every branch that cannot beat it —
        and it is returned when HiGHS finds nothing better within the time limit
        (``scipy.optimize.milp`` takes no MIP start, so the solver does not begin from it).
    max_swap_passes : int, default 100
        Greedy only: at most this many improving swaps.

    Returns
    -------
    SiteSelection
        ``objective`` is the number of people covered, ``bound`` a proven upper bound.

    Raises
    ------
    MedAllianceError
        Naming every problem: unknown or repeated ids, ``p`` outside ``1..candidates`` or
        below the fixed sites, fixed sites outside the candidates, negative people or
        capacities, a cutoff beyond the cost structure's.

    Examples
    --------
    >>> from medalliance.accessibility import costs_from_table
    >>> costs = costs_from_table(
    ...     ["a", "a", "b", "c", "c"], ["x", "y", "y", "y", "z"], [5, 20, 8, 9, 3],
    ...     origin_ids=["a", "b", "c"], site_ids=["x", "y", "z"])
    >>> res = max_coverage(costs, [100, 50, 70], p=1, cutoff_min=10)
    >>> res.selected.tolist(), res.objective, res.status
    (['y'], 120.0, 'optimal')
    >>> max_coverage(costs, [100, 50, 70], p=2, cutoff_min=10, fixed=["z"]).selected.tolist()
    ['x', 'z']
    """
    return _run(
        "max_coverage",
        costs,
        population,
        method,
        p=p,
        cutoff_min=cutoff_min,
        candidates=candidates,
        fixed=fixed,
        capacity=capacity,
        time_limit_s=time_limit_s,
        warm_start=warm_start,
        max_swap_passes=max_swap_passes,
    )


def p_median(
    costs: CostMatrix,
    population: Population | ArrayLike,
    *,
    p: int,
    cutoff_min: float | None = None,
    candidates: ArrayLike | None = None,
    fixed: ArrayLike | None = None,
    capacity: Supply | ArrayLike | None = None,
    method: Method = "exact",
    time_limit_s: float | None = None,
    warm_start: ArrayLike | None = None,
    max_swap_passes: int = 100,
) -> SiteSelection:
    """p-median: open ``p`` sites minimising the people-weighted travel time to the nearest.

    Everyone with people > 0 must be served by an open site within ``cutoff_min`` (or by a
    stored pair when there is no cutoff).

    Parameters
    ----------
    costs, population, p, candidates, fixed, method, time_limit_s, warm_start, max_swap_passes
        As for :func:`max_coverage`.
    cutoff_min : float, optional
        Longest travel time allowed (inclusive); default: every stored pair.
    capacity : Supply or sequence of float, optional
        People each site can serve (capacitated p-median; an origin's people may be split;
        ``greedy`` as for :func:`max_coverage`).

    Returns
    -------
    SiteSelection
        ``objective`` is the people-weighted travel time (person-minutes), ``bound`` a proven
        lower bound.

    Raises
    ------
    MedAllianceError
        As for :func:`max_coverage`, and for origins with people but no candidate site in
        reach, or when the ``p`` largest capacities cannot hold everyone.

    Examples
    --------
    >>> from medalliance.accessibility import costs_from_table
    >>> costs = costs_from_table(
    ...     ["a", "a", "b", "b", "c", "c"], ["x", "y", "x", "y", "x", "y"], [2, 9, 6, 3, 9, 2],
    ...     origin_ids=["a", "b", "c"], site_ids=["x", "y"])
    >>> res = p_median(costs, [10, 10, 30], p=1)
    >>> res.selected.tolist(), res.objective, res.gap
    (['y'], 180.0, 0.0)
    >>> p_median(costs, [10, 10, 30], p=1, capacity=[50, 40]).objective
    350.0
    """
    return _run(
        "p_median",
        costs,
        population,
        method,
        p=p,
        cutoff_min=cutoff_min,
        candidates=candidates,
        fixed=fixed,
        capacity=capacity,
        time_limit_s=time_limit_s,
        warm_start=warm_start,
        max_swap_passes=max_swap_passes,
    )


def set_cover(
    costs: CostMatrix,
    population: Population | ArrayLike | None = None,
    *,
    cutoff_min: float,
    candidates: ArrayLike | None = None,
    fixed: ArrayLike | None = None,
    backup: bool = False,
    method: Method = "exact",
    time_limit_s: float | None = None,
) -> SiteSelection:
    """Location set covering (LSCP): the fewest sites putting everyone within ``cutoff_min``.

    Parameters
    ----------
    costs, candidates, fixed, method, time_limit_s
        As for :func:`max_coverage`.
    population : Population or sequence of float, optional
        People per origin; origins with 0 people need no cover. Default: every origin
        counts 1.
    cutoff_min : float
        Coverage cutoff in minutes (inclusive).
    backup : bool, default False
        Exact only: keep the fewest sites and, among such selections, maximise the people
        within reach of at least two (LSCP-B); reported as ``backup_people``.

    Returns
    -------
    SiteSelection
        ``objective`` is the number of sites, ``bound`` a proven lower bound.

    Raises
    ------
    MedAllianceError
        For origins no candidate reaches within the cutoff (each named), and as for
        :func:`max_coverage`.

    Examples
    --------
    >>> from medalliance.accessibility import costs_from_table
    >>> costs = costs_from_table(
    ...     ["a", "a", "b", "c", "d", "d"], ["x", "y", "y", "z", "y", "z"], [5, 9, 4, 2, 6, 3],
    ...     origin_ids=["a", "b", "c", "d"], site_ids=["x", "y", "z"])
    >>> res = set_cover(costs, cutoff_min=10)
    >>> res.selected.tolist(), res.objective
    (['y', 'z'], 2.0)
    >>> set_cover(costs, cutoff_min=10, backup=True).backup_people
    1.0
    """
    return _run(
        "set_cover",
        costs,
        population,
        method,
        p=None,
        cutoff_min=cutoff_min,
        candidates=candidates,
        fixed=fixed,
        time_limit_s=time_limit_s,
        backup=bool(backup),
    )


def p_center(
    costs: CostMatrix,
    population: Population | ArrayLike | None = None,
    *,
    p: int,
    cutoff_min: float | None = None,
    candidates: ArrayLike | None = None,
    fixed: ArrayLike | None = None,
    method: Method = "exact",
    time_limit_s: float | None = None,
    warm_start: ArrayLike | None = None,
) -> SiteSelection:
    """p-center: open ``p`` sites minimising the longest travel time of anyone to serve.

    Parameters
    ----------
    costs, p, candidates, fixed, method, time_limit_s, warm_start
        As for :func:`max_coverage`.
    population : Population or sequence of float, optional
        People per origin; origins with 0 people are not counted. Default: every origin.
    cutoff_min : float, optional
        Longest travel time a pair may have to be used (inclusive); default every stored pair.

    Returns
    -------
    SiteSelection
        ``objective`` is the longest travel time in minutes, ``bound`` a proven lower bound.

    Examples
    --------
    >>> from medalliance.accessibility import costs_from_table
    >>> costs = costs_from_table(
    ...     ["a", "a", "b", "b", "c", "c"], ["x", "y", "x", "y", "x", "y"], [1, 7, 4, 4, 9, 2],
    ...     origin_ids=["a", "b", "c"], site_ids=["x", "y"])
    >>> res = p_center(costs, p=1)
    >>> res.selected.tolist(), res.objective
    (['y'], 7.0)
    """
    return _run(
        "p_center",
        costs,
        population,
        method,
        p=p,
        cutoff_min=cutoff_min,
        candidates=candidates,
        fixed=fixed,
        time_limit_s=time_limit_s,
        warm_start=warm_start,
    )
