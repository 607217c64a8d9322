"""Planning: where to open sites, and how fair the resulting access is.

Site selection runs on the library's sparse, validated
:class:`~medalliance.accessibility.CostMatrix` (travel times in minutes; no NaN can reach a
model):

- :func:`max_coverage` — maximal covering location (MCLP): ``p`` sites covering the most
  people within ``cutoff_min``;
- :func:`p_median` — ``p`` sites minimising people-weighted travel time;
- :func:`set_cover` — the fewest sites putting everyone within ``cutoff_min`` (LSCP), with
  an optional backup-coverage stage (LSCP-B);
- :func:`p_center` — ``p`` sites minimising the longest travel time.

Each takes ``candidates=`` (sites that may open), ``fixed=`` (institutions already offering the
service, always selected), ``method="exact"`` (a MILP built with numpy/scipy.sparse and solved
by HiGHS through ``scipy.optimize.milp``, honouring ``time_limit_s``) or ``method="greedy"``
(greedy + swap for national sizes), and returns a :class:`SiteSelection` with the selected
sites, the assignment, the objective, a proven bound, the gap and the solver status. MCLP
and p-median take ``capacity=`` (both methods; the greedy scores every open set by an exact
transport LP). A ``warm_start=`` is an objective cutoff for the exact solver.

:func:`place_shared_centre` proposes which alliance members should host a new shared centre
(existing providers kept) and returns the registry with the centre added, so every analysis
runs on the proposal, with a before/after table.

:func:`partition_grid` divides units (streets, grid cells) into contiguous groups around
lead units within size bounds (网格化布局); :func:`check_grid_cover` checks that existing
groups cover every street exactly once.

Equity of access, population-weighted, over any
:class:`~medalliance.accessibility.AccessibilityResult` or array: :func:`gini`,
:func:`theil` (split within and between groups), :func:`palma`, :func:`concentration_index`,
:func:`fgt`, and :func:`equity_table` to compare options side by side.

Examples
--------
>>> from medalliance.accessibility import costs_from_table
>>> costs = costs_from_table(
...     ["a", "a", "b", "c", "c"], ["x", "y", "y", "y", "z"], [5, 20, 8, 9, 3],
...     origin_ids=["a", "b", "c"], site_ids=["x", "y", "z"])
>>> max_coverage(costs, [100, 50, 70], p=2, cutoff_min=10)
SiteSelection(max_coverage, exact, optimal: 2 of 3 sites, objective 220, bound 220, gap 0.00%)
"""

from __future__ import annotations

from medalliance.planning._centre import CentrePlan, place_shared_centre
from medalliance.planning._districts import (
    GridCover,
    check_grid_cover,
    groups_from_registry,
    partition_grid,
)
from medalliance.planning._equity import (
    EquityTable,
    TheilResult,
    concentration_index,
    equity_table,
    fgt,
    gini,
    palma,
    theil,
)
from medalliance.planning._grid import Partition, lattice
from medalliance.planning._result import SiteSelection, Status
from medalliance.planning._select import max_coverage, p_center, p_median, set_cover

__all__ = [
    "CentrePlan",
    "EquityTable",
    "GridCover",
    "Partition",
    "SiteSelection",
    "Status",
    "TheilResult",
    "check_grid_cover",
    "concentration_index",
    "equity_table",
    "fgt",
    "gini",
    "groups_from_registry",
    "lattice",
    "max_coverage",
    "p_center",
    "p_median",
    "palma",
    "partition_grid",
    "place_shared_centre",
    "set_cover",
    "theil",
]
