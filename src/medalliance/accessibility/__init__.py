"""Spatial accessibility: the floating catchment family, gravity, nearest cost, coverage.

Demand sits at population points (*origins* ``i``, people ``P_i``); supply sits at sites
(*destinations* ``j``, capacity ``S_j`` — beds, doctors, clinic sessions). A travel cost
``d_ij`` (a travel time in minutes) links them, and a weight ``W(d)`` says how much a pair
counts.

- **2SFCA** (Luo & Wang 2003): ``W = 1`` for ``d <= d0``. Step 1, for every site,
  ``R_j = S_j / D_j`` with ``D_j = Σ_k P_k·W(d_kj)``; step 2, for every origin,
  ``A_i = Σ_j R_j·W(d_ij)``.
- **E2SFCA** (Luo & Qi 2009): the same with stepped zone weights (``zones=``; default 0–10,
  10–20 and 20–30 minutes → 1, 0.68, 0.22; :data:`E2SFCA_ZONES`).
- **Gravity** (kernel or power decay): the same with a continuous decay function
  (``decay=``), e.g. ``exp(−d²/2σ²)`` or ``max(d, d_min)^−β``.
- **3SFCA** (Wan, Zou & Sternberg 2012): a selection weight
  ``G_ij = W_ij / Σ_l W_il`` (over the sites in the origin's catchment) multiplies the weight
  in both steps: ``D_j = Σ_k G_kj·W_kj·P_k``, ``A_i = Σ_j G_ij·W_ij·R_j``.
- **M2SFCA** (Delamater 2013): the weight counts twice in step 2,
  ``A_i = Σ_j W(d_ij)²·R_j`` (:func:`modified_two_step_fca`).
- **BFCA** (Paez, Higgins & Vivona 2019): weights balanced by origin in step 1 and by site in
  step 2, so neither demand nor supply is counted twice (:func:`balanced_fca`).
- :func:`nearest_cost` (travel time to the nearest site) and :func:`coverage_within` (share
  of the population within ``cutoff_min`` of a site, e.g. China's 15-minute health circle).

The rules every function follows:

- **One name for the travel-time limit**: ``cutoff_min`` (minutes) in every function and
  result; the costs are travel times in minutes.
- **Two names for weights**: ``decay=`` is a distance-decay function (:class:`Decay` or any
  vectorised function: :func:`gravity`, :func:`three_step_fca`); ``zones=`` is a table of
  stepped zone weights (:class:`StepWeights` or ``{upper_bound: weight}``:
  :func:`enhanced_two_step_fca`). The result keeps what was used as
  :attr:`AccessibilityResult.decay`.
- **Inclusive cutoff**: a pair counts when ``cost <= cutoff_min``; a cost of exactly the
  cutoff is inside. A cost of exactly 0 is a valid pair (the cost structure keeps it, unlike a
  sparse matrix that drops zeros).
- **Zero demand**: a site with no weighted demand in its catchment (``D_j = 0``) has ratio
  ``R_j = 0``: its supply reaches nobody and is reported in
  :attr:`AccessibilityResult.unserved_sites`, never turned into ``inf`` or ``NaN``. Hence
  ``Σ_i P_i·A_i = Σ_{j: D_j > 0} S_j`` exactly (supply conservation).
- **Unreached origins**: an origin with no site in reach has accessibility 0.
- **Zero supply**: a site with capacity 0 has ratio 0.
- Inputs are never modified; results are frozen, with read-only arrays in the order of the
  ids the cost structure was built with.

Travel costs come from a long table (:func:`costs_from_table`), a scipy sparse matrix
(:func:`costs_from_sparse`) or coordinates (:func:`costs_from_coordinates`: great-circle
distance at an assumed speed, found with a KD-tree within the cutoff — never an all-pairs
matrix). scipy is imported inside the functions that need it.

Examples
--------
>>> pop = Population(["a", "b", "c"], [100, 200, 300])
>>> beds = Supply(["x", "y"], [10, 6])
>>> costs = costs_from_table(
...     ["a", "a", "b", "b", "c"], ["x", "y", "x", "y", "y"], [5, 25, 15, 10, 30],
...     origin_ids=pop.ids, site_ids=beds.ids)
>>> res = two_step_fca(costs, pop, beds, cutoff_min=20)
>>> res.values.round(4).tolist()
[0.0333, 0.0633, 0.0]
>>> coverage_within(costs, pop, cutoff_min=15).share
0.5
"""

from __future__ import annotations

from medalliance.accessibility._balanced import balanced_fca, modified_two_step_fca
from medalliance.accessibility._builders import costs_from_sparse, costs_from_table
from medalliance.accessibility._coordinates import costs_from_coordinates
from medalliance.accessibility._costs import CostMatrix
from medalliance.accessibility._inputs import Population, Supply, supply_from_registry
from medalliance.accessibility._measures import (
    AccessibilityResult,
    enhanced_two_step_fca,
    gravity,
    three_step_fca,
    two_step_fca,
)
from medalliance.accessibility._nearest import (
    CoverageResult,
    NearestResult,
    coverage_within,
    nearest_cost,
)
from medalliance.accessibility._weights import (
    E2SFCA_ZONES,
    Decay,
    ExponentialDecay,
    GaussianDecay,
    PowerDecay,
    StepWeights,
)
from medalliance.accessibility._weights import (
    DecayFunction as DecayFunction,  # the type of decay= arguments (not in __all__)
)

__all__ = [
    "E2SFCA_ZONES",
    "AccessibilityResult",
    "CostMatrix",
    "CoverageResult",
    "Decay",
    "ExponentialDecay",
    "GaussianDecay",
    "NearestResult",
    "Population",
    "PowerDecay",
    "StepWeights",
    "Supply",
    "balanced_fca",
    "costs_from_coordinates",
    "costs_from_sparse",
    "costs_from_table",
    "coverage_within",
    "enhanced_two_step_fca",
    "gravity",
    "modified_two_step_fca",
    "nearest_cost",
    "supply_from_registry",
    "three_step_fca",
    "two_step_fca",
]
