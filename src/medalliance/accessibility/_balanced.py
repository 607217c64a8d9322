"""Two more members of the floating catchment family: M2SFCA and BFCA.

Both reuse the checks, catchment and kernels of :mod:`._measures`; only the weights of the two
steps differ.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from numpy.typing import ArrayLike

from medalliance.accessibility._common import FloatArray, IntArray, _readonly
from medalliance.accessibility._costs import CostMatrix
from medalliance.accessibility._csr import _row_sums
from medalliance.accessibility._inputs import Population, Supply
from medalliance.accessibility._measures import (
    AccessibilityResult,
    _catchment,
    _check_inputs,
    _demand,
    _Pairs,
    _site_ratios,
    _values,
)
from medalliance.accessibility._weights import DecayFunction, _weights


def _share(w: FloatArray, totals: FloatArray, index: IntArray) -> FloatArray:
    """``w / totals[index]``, 0 where the total is 0."""
    t = totals.take(index)
    with np.errstate(divide="ignore", invalid="ignore"):
        out: FloatArray = np.where(t > 0, w / np.where(t > 0, t, 1.0), 0.0)
    return out


def modified_two_step_fca(
    costs: CostMatrix,
    population: Population | ArrayLike,
    supply: Supply | ArrayLike,
    *,
    decay: DecayFunction | None = None,
    cutoff_min: float | None = None,
) -> AccessibilityResult:
    """Modified 2SFCA (M2SFCA, Delamater 2013): the weight counts twice in step 2.

    ``R_j = S_j / Σ_k W(d_kj)·P_k`` and ``A_i = Σ_j W(d_ij)²·R_j``: a site reached at a
    discounted weight also offers less, so a poorly placed site no longer counts in full
    (``Σ_i P_i·A_i <= Σ_j S_j``; equality only when every used weight is 1). With
    ``decay=None`` (weight 1 inside the catchment) it equals 2SFCA.

    Parameters
    ----------
    costs, population, supply
        As for :func:`two_step_fca`.
    decay : Decay or callable, optional
        Distance-decay weights (between 0 and 1 for the M2SFCA reading to hold); default 1.
    cutoff_min : float, optional
        Catchment cutoff in minutes (inclusive); by default every stored pair.

    Returns
    -------
    AccessibilityResult
        ``method`` is ``"m2sfca"``.

    Examples
    --------
    >>> from medalliance.accessibility import StepWeights, costs_from_table
    >>> pop = Population(["a", "b"], [100, 100])
    >>> beds = Supply(["x"], [10])
    >>> costs = costs_from_table(["a", "b"], ["x", "x"], [5, 15],
    ...                          origin_ids=pop.ids, site_ids=beds.ids)
    >>> zones = StepWeights.from_mapping({10: 1.0, 20: 0.5})
    >>> res = modified_two_step_fca(costs, pop, beds, decay=zones)
    >>> res.values.round(4).tolist()
    [0.0667, 0.0167]
    """
    people, supply_s, cut = _check_inputs(
        costs, population, supply, decay=("decay", decay), cutoff_min=cutoff_min
    )
    ptr, cols, cost = _catchment(costs, cut, need_costs=decay is not None)
    w = np.ones(len(cols)) if decay is None else _weights(decay, cost, "decay")
    demand = _demand(_Pairs(ptr=ptr, cols=cols, w=w), people, costs.n_sites)
    ratios = _site_ratios(costs.site_ids, supply_s, demand, "decay")
    values = _values(_Pairs(ptr=ptr, cols=cols, w=w * w), ratios)
    return _result(
        "m2sfca",
        costs,
        values=values,
        supply_s=supply_s,
        demand=demand,
        ratios=ratios,
        decay=decay,
        cut=cut,
    )


def balanced_fca(
    costs: CostMatrix,
    population: Population | ArrayLike,
    supply: Supply | ArrayLike,
    *,
    decay: DecayFunction | None = None,
    cutoff_min: float | None = None,
) -> AccessibilityResult:
    """Balanced floating catchment area (BFCA, Paez, Higgins & Vivona 2019).

    The weights are balanced twice: ``Wi_ij = W_ij / Σ_l W_il`` (over the sites origin ``i``
    reaches) splits each origin's people among its sites, and ``Wj_ij = W_ij / Σ_k W_kj``
    (over the origins site ``j`` reaches) splits each site's level of service among its
    origins. ``R_j = S_j / Σ_k Wi_kj·P_k`` and ``A_i = Σ_j Wj_ij·R_j``. Neither demand nor
    supply is counted twice: ``Σ_j Σ_k Wi_kj·P_k`` is the population of the reached origins.

    Parameters
    ----------
    costs, population, supply
        As for :func:`two_step_fca`.
    decay : Decay or callable, optional
        Distance-decay weights; default 1 for every pair in the catchment.
    cutoff_min : float, optional
        Catchment cutoff in minutes (inclusive); by default every stored pair.

    Returns
    -------
    AccessibilityResult
        ``method`` is ``"bfca"``; ``site_demand`` holds ``Σ_k Wi_kj·P_k``.

    Examples
    --------
    >>> from medalliance.accessibility import costs_from_table
    >>> pop = Population(["a", "b"], [100, 300])
    >>> beds = Supply(["x", "y"], [10, 30])
    >>> costs = costs_from_table(["a", "a", "b"], ["x", "y", "y"], [5, 8, 6],
    ...                          origin_ids=pop.ids, site_ids=beds.ids)
    >>> res = balanced_fca(costs, pop, beds)
    >>> res.site_demand.tolist(), res.values.round(4).tolist()
    ([50.0, 350.0], [0.2429, 0.0429])
    """
    people, supply_s, cut = _check_inputs(
        costs, population, supply, decay=("decay", decay), cutoff_min=cutoff_min
    )
    ptr, cols, cost = _catchment(costs, cut, need_costs=decay is not None)
    w = np.ones(len(cols)) if decay is None else _weights(decay, cost, "decay")
    rows = np.repeat(np.arange(costs.n_origins, dtype=np.int64), np.diff(ptr))
    w_i = _share(w, _row_sums(w, ptr), rows)
    site_totals = np.bincount(cols, weights=w, minlength=costs.n_sites).astype(np.float64)
    w_j = _share(w, site_totals, cols.astype(np.int64))
    demand = _demand(_Pairs(ptr=ptr, cols=cols, w=w_i), people, costs.n_sites)
    ratios = _site_ratios(costs.site_ids, supply_s, demand, "decay")
    values = _values(_Pairs(ptr=ptr, cols=cols, w=w_j), ratios)
    return _result(
        "bfca",
        costs,
        values=values,
        supply_s=supply_s,
        demand=demand,
        ratios=ratios,
        decay=decay,
        cut=cut,
    )


def _result(
    method: Literal["m2sfca", "bfca"],
    costs: CostMatrix,
    *,
    values: FloatArray,
    supply_s: FloatArray,
    demand: FloatArray,
    ratios: FloatArray,
    decay: DecayFunction | None,
    cut: float | None,
) -> AccessibilityResult:
    return AccessibilityResult(
        method=method,
        origin_ids=costs.origin_ids,
        values=_readonly(values),
        site_ids=costs.site_ids,
        site_supply=_readonly(np.array(supply_s, dtype=np.float64)),
        site_demand=_readonly(np.asarray(demand, dtype=np.float64)),
        site_ratios=_readonly(np.asarray(ratios, dtype=np.float64)),
        decay=decay,
        cutoff_min=cut if cut is not None else costs.cutoff_min,
    )
