"""The floating catchment family (2SFCA, E2SFCA, 3SFCA) and gravity, with their result."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from numpy.typing import ArrayLike

from medalliance.accessibility._common import (
    FloatArray,
    IdArray,
    IntArray,
    _id_text,
    _position,
    _readonly,
)
from medalliance.accessibility._costs import CostMatrix, _check_cutoff
from medalliance.accessibility._csr import _kept_indptr, _row_sums
from medalliance.accessibility._inputs import Population, Supply, _aligned
from medalliance.accessibility._weights import (
    E2SFCA_ZONES,
    DecayFunction,
    StepWeights,
    _weights,
)
from medalliance.errors import MedAllianceError, Problem
from medalliance.model.types import Tabular

# --------------------------------------------------------------------------------------
# results


@dataclass(frozen=True, eq=False, repr=False)
class AccessibilityResult(Tabular):
    """Accessibility of every origin, with the site ratios behind it.

    Attributes
    ----------
    method : {"2sfca", "e2sfca", "gravity", "3sfca", "m2sfca", "bfca"}
        The measure computed.
    origin_ids : numpy.ndarray
        Origin ids, in the cost structure's order.
    values : numpy.ndarray
        Accessibility ``A_i`` of each origin (supply per person, e.g. beds per person);
        0 where no site is in reach.
    site_ids : numpy.ndarray
        Site ids, in the cost structure's order.
    site_supply : numpy.ndarray
        Capacity ``S_j`` of each site.
    site_demand : numpy.ndarray
        Weighted demand ``D_j`` in each site's catchment (with the 3SFCA selection weight
        for ``3sfca``, the origin-balanced weight for ``bfca``).
    site_ratios : numpy.ndarray
        Supply-to-demand ratio ``R_j = S_j / D_j``; 0 where ``D_j = 0``.
    decay : Decay or callable or None
        The distance-decay function used (the zone weights for ``e2sfca``; ``None``: 1 for
        every pair in the catchment).
    cutoff_min : float or None
        Catchment cutoff applied, in minutes (inclusive); ``None`` for every stored pair.
    """

    method: Literal["2sfca", "e2sfca", "gravity", "3sfca", "m2sfca", "bfca"]
    origin_ids: IdArray
    values: FloatArray
    site_ids: IdArray
    site_supply: FloatArray
    site_demand: FloatArray
    site_ratios: FloatArray
    decay: DecayFunction | None
    cutoff_min: float | None

    def __repr__(self) -> str:
        mean = float(self.values.mean()) if len(self.values) else 0.0
        return (
            f"AccessibilityResult({self.method}, {len(self.origin_ids)} origins, "
            f"{len(self.site_ids)} sites, mean {mean:.4g})"
        )

    def value(self, origin: str | int) -> float:
        """Accessibility of one origin.

        Examples
        --------
        >>> from medalliance.accessibility import costs_from_table
        >>> pop, beds = Population(["a"], [10]), Supply(["x"], [5])
        >>> costs = costs_from_table(["a"], ["x"], [3], origin_ids=["a"], site_ids=["x"])
        >>> two_step_fca(costs, pop, beds).value("a")
        0.5
        """
        return float(self.values[_position(self.origin_ids, origin, "origin")])

    @property
    def unserved_sites(self) -> IdArray:
        """Ids of sites with capacity but no weighted demand in their catchment (``R_j = 0``).

        Examples
        --------
        >>> from medalliance.accessibility import costs_from_table
        >>> pop, beds = Population(["a"], [10]), Supply(["x", "y"], [5, 3])
        >>> costs = costs_from_table(["a"], ["x"], [3], origin_ids=["a"], site_ids=["x", "y"])
        >>> two_step_fca(costs, pop, beds).unserved_sites.tolist()
        ['y']
        """
        out: IdArray = self.site_ids[(self.site_demand == 0) & (self.site_supply > 0)]
        return out

    @property
    def served_supply(self) -> float:
        """Capacity of the sites with demand: equals ``Σ_i P_i·A_i`` (supply conservation).

        Examples
        --------
        >>> from medalliance.accessibility import costs_from_table
        >>> pop, beds = Population(["a", "b"], [10, 30]), Supply(["x", "y"], [5, 3])
        >>> costs = costs_from_table(["a", "b"], ["x", "x"], [3, 9],
        ...                          origin_ids=["a", "b"], site_ids=["x", "y"])
        >>> res = two_step_fca(costs, pop, beds)
        >>> res.served_supply, float(pop.people @ res.values)
        (5.0, 5.0)
        """
        return float(self.site_supply[self.site_demand > 0].sum())

    def rows(self) -> list[dict[str, Any]]:
        """One row per origin: ``origin`` and ``accessibility``.

        Examples
        --------
        >>> from medalliance.accessibility import costs_from_table
        >>> pop, beds = Population(["a"], [10]), Supply(["x"], [5])
        >>> costs = costs_from_table(["a"], ["x"], [3], origin_ids=["a"], site_ids=["x"])
        >>> two_step_fca(costs, pop, beds).rows()
        [{'origin': 'a', 'accessibility': 0.5}]
        """
        return [
            {"origin": o, "accessibility": v}
            for o, v in zip(self.origin_ids.tolist(), self.values.tolist(), strict=True)
        ]

    def site_rows(self) -> list[dict[str, Any]]:
        """One row per site: ``site``, ``supply``, ``weighted_demand`` and ``ratio``.

        Examples
        --------
        >>> from medalliance.accessibility import costs_from_table
        >>> pop, beds = Population(["a"], [10]), Supply(["x"], [5])
        >>> costs = costs_from_table(["a"], ["x"], [3], origin_ids=["a"], site_ids=["x"])
        >>> two_step_fca(costs, pop, beds).site_rows()
        [{'site': 'x', 'supply': 5.0, 'weighted_demand': 10.0, 'ratio': 0.5}]
        """
        return site_rows(self.site_ids, self.site_supply, self.site_demand, self.site_ratios)


# --------------------------------------------------------------------------------------
# the measures


def _check_inputs(
    costs: CostMatrix,
    population: Population | ArrayLike,
    supply: Supply | ArrayLike,
    *,
    decay: tuple[str, DecayFunction | None],
    cutoff_min: float | None,
) -> tuple[FloatArray, FloatArray, float | None]:
    """People per origin, supply per site and the checked cutoff; every problem at once.

    ``decay`` is ``(argument name, decay function)``: problems name the caller's argument.
    """
    if not isinstance(costs, CostMatrix):
        msg = f"expected a CostMatrix, got {type(costs).__name__}"
        raise MedAllianceError([Problem(("costs",), msg)])
    problems: list[Problem] = []
    people = supply_s = None
    try:
        people = _aligned(population, costs.origin_ids, "population", "population")
    except MedAllianceError as exc:
        problems.extend(exc.problems)
    try:
        supply_s = _aligned(supply, costs.site_ids, "supply", "supply")
    except MedAllianceError as exc:
        problems.extend(exc.problems)
    cut = None
    try:
        cut = _check_cutoff(costs, cutoff_min, "cutoff_min")
        reach = getattr(decay[1], "max_cost", None)
        if (
            cut is None
            and isinstance(reach, float)
            and costs.cutoff_min is not None
            and reach > costs.cutoff_min
        ):
            msg = (
                f"the weights reach {reach:g} min but the cost structure only holds "
                f"pairs up to {costs.cutoff_min:g} min; pass cutoff_min= to truncate on "
                "purpose, or build the costs with a larger cutoff"
            )
            raise MedAllianceError([Problem((decay[0],), msg)])
    except MedAllianceError as exc:
        problems.extend(exc.problems)
    if problems:
        raise MedAllianceError(problems)
    assert people is not None
    assert supply_s is not None
    return people, supply_s, cut


def _catchment(
    costs: CostMatrix, cut: float | None, *, need_costs: bool
) -> tuple[IntArray, np.ndarray[Any, Any], FloatArray]:
    """The pairs within ``cut``, in CSR order: row pointers, site positions, costs.

    Without ``need_costs`` the returned costs may be those of every stored pair (the caller
    does not read them again).
    """
    ptr, cols, cost = costs.indptr, costs.indices, costs.cost
    if cut is not None and (costs.cutoff_min is None or cut < costs.cutoff_min):
        inside = cost <= cut
        if not inside.all():  # work on the catchment's pairs only
            keep = np.flatnonzero(inside)
            ptr, cols = _kept_indptr(ptr, keep), cols[keep]
            if need_costs:
                cost = cost[keep]
    return ptr, cols, cost


def _selection_weighted(w: FloatArray | None, ptr: IntArray, n_pairs: int) -> FloatArray:
    """3SFCA: each pair's weight times its selection weight ``G_ij = W_ij / Σ_l W_il``."""
    if w is None:
        w = np.ones(n_pairs, dtype=np.float64)
    total = np.repeat(_row_sums(w, ptr), np.diff(ptr))
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(total > 0, w / total, 0.0)
    del total
    out: FloatArray = w * share  # a new array: a weight function may return one it keeps
    return out


def _site_ratios(
    site_ids: IdArray, supply_s: FloatArray, demand: FloatArray, field: str
) -> FloatArray:
    """Step 1: the ratios ``R_j = S_j / D_j`` (0 where ``D_j = 0``).

    ``field`` is the decay argument a problem names.
    """
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        ratios: FloatArray = np.where(demand > 0, supply_s / demand, 0.0)
    if not np.isfinite(ratios).all():
        j = int(np.flatnonzero(~np.isfinite(ratios))[0])
        msg = (
            f"site {_id_text(site_ids[j])}: weighted demand {demand[j]:.3g} is too small "
            "for a finite supply-to-demand ratio; use a cutoff or a weight that does not "
            "vanish"
        )
        raise MedAllianceError([Problem((field,), msg)])
    return ratios


@dataclass(frozen=True)
class _Pairs:
    """The pairs in the catchment (CSR) with each pair's weight (``None``: 1 for each)."""

    ptr: IntArray
    cols: np.ndarray[Any, Any]
    w: FloatArray | None


def _weighted_pairs(
    method: str, costs: CostMatrix, cut: float | None, weight: DecayFunction | None, field: str
) -> _Pairs:
    """The catchment's pairs and weights: the decay, times the selection weight for 3SFCA."""
    # without weights the costs are not needed again
    ptr, cols, cost = _catchment(costs, cut, need_costs=weight is not None)
    w = None if weight is None else _weights(weight, cost, field)
    if method == "3sfca":
        w = _selection_weighted(w, ptr, len(cols))
    return _Pairs(ptr=ptr, cols=cols, w=w)


def _demand(pairs: _Pairs, people: FloatArray, n_sites: int) -> FloatArray:
    """Step 1: weighted demand ``D_j = Σ_k W_kj·P_k`` in every site's catchment."""
    demand_k = np.repeat(people, np.diff(pairs.ptr))
    if pairs.w is not None:
        demand_k *= pairs.w
    out: FloatArray = np.bincount(pairs.cols, weights=demand_k, minlength=n_sites).astype(
        np.float64, copy=False
    )  # float64 already (weighted): no copy
    return out


def _values(pairs: _Pairs, ratios: FloatArray) -> FloatArray:
    """Step 2: every origin sums the (weighted) ratios of the sites it reaches."""
    supply_k = ratios.take(pairs.cols)
    if pairs.w is not None:
        supply_k *= pairs.w
    return _row_sums(supply_k, pairs.ptr)


def _fca(
    method: Literal["2sfca", "e2sfca", "gravity", "3sfca"],
    costs: CostMatrix,
    population: Population | ArrayLike,
    supply: Supply | ArrayLike,
    *,
    decay: tuple[str, DecayFunction | None],
    cutoff_min: float | None,
) -> AccessibilityResult:
    """The floating catchment family on the compiled pairs.

    ``decay`` is ``(argument name, decay function or None)``; ``None`` weighs every pair
    in the catchment 1.
    """
    field, weight = decay
    people, supply_s, cut = _check_inputs(
        costs, population, supply, decay=decay, cutoff_min=cutoff_min
    )
    pairs = _weighted_pairs(method, costs, cut, weight, field)
    demand = _demand(pairs, people, costs.n_sites)
    ratios = _site_ratios(costs.site_ids, supply_s, demand, field)
    values = _values(pairs, ratios)
    return AccessibilityResult(
        method=method,
        origin_ids=costs.origin_ids,
        values=_readonly(values),
        site_ids=costs.site_ids,
        site_supply=_readonly(np.array(supply_s, dtype=np.float64)),
        site_demand=_readonly(demand.astype(np.float64)),
        site_ratios=_readonly(ratios.astype(np.float64)),
        decay=weight,
        cutoff_min=cut if cut is not None else costs.cutoff_min,
    )


def two_step_fca(
    costs: CostMatrix,
    population: Population | ArrayLike,
    supply: Supply | ArrayLike,
    *,
    cutoff_min: float | None = None,
) -> AccessibilityResult:
    """Two-step floating catchment area (2SFCA, Luo & Wang 2003).

    ``R_j = S_j / Σ_{k: d_kj <= d0} P_k`` and ``A_i = Σ_{j: d_ij <= d0} R_j``.

    Parameters
    ----------
    costs : CostMatrix
        Travel times; its rows and columns fix the order of everything else.
    population : Population or sequence of float
        People per origin: a :class:`Population` (matched to the cost structure's origins by
        id) or values in the order of ``costs.origin_ids``.
    supply : Supply or sequence of float
        Capacity per site: a :class:`Supply` (matched by id) or values in the order of
        ``costs.site_ids``.
    cutoff_min : float, optional
        Catchment ``d0`` in minutes (inclusive). By default every stored pair is in the
        catchment (the cost structure's own cutoff). It may not exceed the structure's cutoff.

    Returns
    -------
    AccessibilityResult
        Supply per person for every origin; sites without demand have ratio 0 (see the
        module rules).

    Raises
    ------
    MedAllianceError
        For mismatched ids or lengths, negative or non-finite amounts, or a cutoff beyond
        the cost structure's.

    Examples
    --------
    >>> from medalliance.accessibility import costs_from_table
    >>> pop = Population(["a", "b", "c"], [100, 200, 300])
    >>> beds = Supply(["x", "y"], [10, 6])
    >>> costs = costs_from_table(
    ...     ["a", "a", "b", "b", "c"], ["x", "y", "x", "y", "y"], [5, 25, 15, 10, 30],
    ...     origin_ids=pop.ids, site_ids=beds.ids)
    >>> res = two_step_fca(costs, pop, beds, cutoff_min=30)
    >>> res.site_ratios.round(4).tolist(), res.values.round(4).tolist()
    ([0.0333, 0.01], [0.0433, 0.0433, 0.01])
    >>> round(float(pop.people @ res.values), 9)
    16.0
    """
    return _fca("2sfca", costs, population, supply, decay=("decay", None), cutoff_min=cutoff_min)


def enhanced_two_step_fca(
    costs: CostMatrix,
    population: Population | ArrayLike,
    supply: Supply | ArrayLike,
    *,
    zones: StepWeights | Mapping[Any, float] = E2SFCA_ZONES,
    cutoff_min: float | None = None,
) -> AccessibilityResult:
    """Enhanced 2SFCA (E2SFCA, Luo & Qi 2009): 2SFCA with stepped travel-time zone weights.

    ``R_j = S_j / Σ_k W(d_kj)·P_k`` and ``A_i = Σ_j W(d_ij)·R_j``, where ``W`` is the weight
    of the zone the cost falls in (zones inclusive at their upper bound, 0 beyond the last).

    Parameters
    ----------
    costs, population, supply
        As for :func:`two_step_fca`.
    zones : StepWeights or mapping, default :data:`E2SFCA_ZONES`
        Zone weights (upper bounds in minutes); a mapping ``{upper_bound: weight}`` is
        accepted.
    cutoff_min : float, optional
        Extra catchment cutoff in minutes (inclusive); by default the zones end the
        catchment. When the zones reach beyond the cost structure's cutoff, pass
        ``cutoff_min=`` explicitly.

    Returns
    -------
    AccessibilityResult

    Examples
    --------
    >>> from medalliance.accessibility import costs_from_table
    >>> pop = Population(["a", "b", "c"], [100, 200, 300])
    >>> beds = Supply(["x", "y"], [10, 6])
    >>> costs = costs_from_table(
    ...     ["a", "a", "b", "b", "c"], ["x", "y", "x", "y", "y"], [5, 25, 15, 10, 30],
    ...     origin_ids=pop.ids, site_ids=beds.ids)
    >>> res = enhanced_two_step_fca(costs, pop, beds)
    >>> res.site_demand.tolist()
    [236.0, 288.0]
    """
    weights = zones if isinstance(zones, StepWeights) else StepWeights.from_mapping(zones)
    return _fca(
        "e2sfca", costs, population, supply, decay=("zones", weights), cutoff_min=cutoff_min
    )


def gravity(
    costs: CostMatrix,
    population: Population | ArrayLike,
    supply: Supply | ArrayLike,
    *,
    decay: DecayFunction,
    cutoff_min: float | None = None,
) -> AccessibilityResult:
    """Gravity-type accessibility (Hansen 1959; Joseph & Bantock 1982) with a decay function.

    ``A_i = Σ_j S_j·W(d_ij) / V_j`` with ``V_j = Σ_k P_k·W(d_kj)``: 2SFCA with a continuous
    weight (kernel 2SFCA with :class:`~medalliance.accessibility.GaussianDecay`, classic
    gravity with :class:`~medalliance.accessibility.PowerDecay`). Only stored pairs (and pairs
    within ``cutoff_min``) count.

    Parameters
    ----------
    costs, population, supply
        As for :func:`two_step_fca`.
    decay : Decay or callable
        :class:`~medalliance.accessibility.GaussianDecay`,
        :class:`~medalliance.accessibility.PowerDecay`,
        :class:`~medalliance.accessibility.ExponentialDecay`, :class:`StepWeights`, or a
        vectorised function of a cost array.
    cutoff_min : float, optional
        Catchment cutoff in minutes (inclusive); by default every stored pair.

    Returns
    -------
    AccessibilityResult

    Examples
    --------
    >>> from medalliance.accessibility import PowerDecay, costs_from_table
    >>> pop = Population(["a", "b"], [100, 100])
    >>> beds = Supply(["x"], [10])
    >>> costs = costs_from_table(["a", "b"], ["x", "x"], [1, 2],
    ...                          origin_ids=pop.ids, site_ids=beds.ids)
    >>> res = gravity(costs, pop, beds, decay=PowerDecay(beta=1))
    >>> res.values.round(4).tolist()
    [0.0667, 0.0333]
    """
    return _fca("gravity", costs, population, supply, decay=("decay", decay), cutoff_min=cutoff_min)


def three_step_fca(
    costs: CostMatrix,
    population: Population | ArrayLike,
    supply: Supply | ArrayLike,
    *,
    decay: DecayFunction | None = E2SFCA_ZONES,
    cutoff_min: float | None = None,
) -> AccessibilityResult:
    """Three-step floating catchment area (3SFCA, Wan, Zou & Sternberg 2012).

    A selection weight ``G_ij = W_ij / Σ_l W_il`` (over the sites in origin ``i``'s
    catchment; 0 when that sum is 0) spreads each origin's demand over the sites it can
    reach: ``D_j = Σ_k G_kj·W_kj·P_k``, ``R_j = S_j / D_j``, ``A_i = Σ_j G_ij·W_ij·R_j``.

    Parameters
    ----------
    costs, population, supply
        As for :func:`two_step_fca`.
    decay : Decay or callable or None, default :data:`E2SFCA_ZONES`
        Distance-decay function ``W`` (zone weights, as in E2SFCA, by default); ``None`` for
        1 on every pair in the catchment.
    cutoff_min : float, optional
        Catchment cutoff in minutes (inclusive); the selection weights are normalised over it.

    Returns
    -------
    AccessibilityResult

    Examples
    --------
    >>> from medalliance.accessibility import costs_from_table
    >>> pop = Population(["a", "b", "c"], [100, 200, 300])
    >>> beds = Supply(["x", "y"], [10, 6])
    >>> costs = costs_from_table(
    ...     ["a", "a", "b", "b", "c"], ["x", "y", "x", "y", "y"], [5, 25, 15, 10, 30],
    ...     origin_ids=pop.ids, site_ids=beds.ids)
    >>> three_step_fca(costs, pop, beds, decay=None, cutoff_min=30).values.round(4).tolist()
    [0.04, 0.04, 0.0133]
    """
    return _fca("3sfca", costs, population, supply, decay=("decay", decay), cutoff_min=cutoff_min)


def site_rows(ids: Any, supply: Any, demand: Any, ratios: Any) -> list[dict[str, Any]]:
    """One row per site: ``site``, ``supply``, ``weighted_demand`` and ``ratio``.

    The same columns for every result of the 2SFCA family, in memory or tiled.

    Examples
    --------
    >>> import numpy as np
    >>> site_rows(np.array(["x"]), np.array([5.0]), np.array([10.0]), np.array([0.5]))
    [{'site': 'x', 'supply': 5.0, 'weighted_demand': 10.0, 'ratio': 0.5}]
    """
    return [
        {"site": s, "supply": a, "weighted_demand": d, "ratio": r}
        for s, a, d, r in zip(
            ids.tolist(), supply.tolist(), demand.tolist(), ratios.tolist(), strict=True
        )
    ]
