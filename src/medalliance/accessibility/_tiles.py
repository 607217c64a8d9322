"""Accessibility tile by tile: the two passes of the floating catchment family (internal).

A population too large for one machine is cut into tiles (e.g. the partitions of a dask
DataFrame); the sites stay whole. The 2SFCA family splits into two passes that each need
only one tile and site-length vectors:

1. :func:`tile_demand`: the tile's share of every site's weighted demand ``D_j``. Summed over
   the tiles it is the whole ``D_j``; :func:`site_ratios` then gives ``R_j = S_j / D_j``.
2. :func:`tile_values`: the accessibility ``A_i`` of the tile's origins from ``R``.

Each tile sees only the sites within one catchment of it (its *halo*, :func:`halo_sites`):
no pair of the tile can reach any other site. The formulas are those of
:mod:`medalliance.accessibility._measures`, called here, not restated.

Examples
--------
>>> pop = Population(["a", "b"], [100, 300], lat=[30.0, 30.01], lon=[120.0, 120.0])
>>> sites = Supply(["x"], [8], lat=[30.005], lon=[120.0])
>>> m = Measure.of("2sfca", cutoff_min=30)
>>> costs, halo = tile_costs(pop, sites, speed_kmh=30, cutoff_min=30)
>>> demand = np.zeros(1); demand[halo] += tile_demand(m, costs, pop.people)
>>> ratios = site_ratios(m, sites.ids, sites.capacity, demand)
>>> tile_values(m, costs, ratios[halo]).tolist()
[0.02, 0.02]
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from medalliance._geo import EARTH_RADIUS_KM
from medalliance.accessibility._common import FloatArray, IdArray, IntArray
from medalliance.accessibility._coordinates import _unit_vectors, costs_from_coordinates
from medalliance.accessibility._costs import CostMatrix
from medalliance.accessibility._inputs import Population, Supply
from medalliance.accessibility._measures import (
    _check_inputs,
    _demand,
    _site_ratios,
    _values,
    _weighted_pairs,
)
from medalliance.accessibility._weights import E2SFCA_ZONES, DecayFunction, StepWeights
from medalliance.errors import MedAllianceError, Problem

METHODS = ("2sfca", "e2sfca", "gravity", "3sfca")
"""The members of the floating catchment family a tiled run computes."""


@dataclass(frozen=True)
class Measure:
    """One member of the family with its weights and catchment (what every tile shares)."""

    method: str
    """One of :data:`METHODS`."""
    field: str
    """The argument that holds the weights (``decay`` or ``zones``): problems name it."""
    weight: DecayFunction | None
    """The weight function (``None``: 1 on every pair in the catchment)."""
    cutoff_min: float
    """The catchment, in minutes (inclusive)."""

    @classmethod
    def of(
        cls,
        method: str,
        *,
        cutoff_min: float,
        decay: DecayFunction | None = None,
        zones: StepWeights | Mapping[Any, float] | None = None,
    ) -> Measure:
        """Check the method and its weights, as the in-memory functions take them.

        ``2sfca`` takes no weights; ``e2sfca`` takes ``zones`` (default
        :data:`~medalliance.accessibility.E2SFCA_ZONES`); ``gravity`` needs ``decay``;
        ``3sfca`` takes ``decay`` (default the E2SFCA zones).

        Raises
        ------
        MedAllianceError
            For an unknown method, weights it does not take, or weights reaching past the
            catchment (every problem at once).

        Examples
        --------
        >>> Measure.of("e2sfca", cutoff_min=30).field
        'zones'
        >>> Measure.of("gravity", cutoff_min=30)
        Traceback (most recent call last):
        ...
        medalliance.errors.MedAllianceError: 1 problem:
          - decay: gravity needs a decay function
        """
        problems: list[Problem] = []
        if method not in METHODS:
            problems.append(Problem(("method",), f"must be one of {', '.join(METHODS)}"))
        if method != "e2sfca" and zones is not None:
            problems.append(Problem(("zones",), f"{method} takes no zones (only e2sfca)"))
        if method in ("2sfca", "e2sfca") and decay is not None:
            problems.append(Problem(("decay",), f"{method} takes no decay function"))
        if method == "gravity" and decay is None:
            problems.append(Problem(("decay",), "gravity needs a decay function"))
        field, weight = "decay", decay
        if method == "e2sfca":
            z = E2SFCA_ZONES if zones is None else zones
            field, weight = (
                "zones",
                z if isinstance(z, StepWeights) else StepWeights.from_mapping(z),
            )
        elif method == "3sfca" and decay is None:
            weight = E2SFCA_ZONES
        reach = getattr(weight, "max_cost", None)
        if isinstance(reach, float) and reach > cutoff_min:
            msg = f"the weights reach {reach:g} min, past the catchment of {cutoff_min:g} min"
            problems.append(Problem((field,), msg))
        if problems:
            raise MedAllianceError(problems)
        return cls(method=method, field=field, weight=weight, cutoff_min=float(cutoff_min))


def halo_sites(population: Population, supply: Supply, *, reach_km: float) -> IntArray:
    """Positions of the sites within ``reach_km`` (great circle) of some point of the tile.

    A superset found without pairs: the tile's points lie within a chord ``r`` of their
    centre, so every site within chord ``c`` of a point lies within ``r + c`` of the centre.

    Examples
    --------
    >>> pop = Population(["a"], [1], lat=[30.0], lon=[120.0])
    >>> sites = Supply(["near", "far"], [1, 1], lat=[30.1, 35.0], lon=[120.0, 120.0])
    >>> halo_sites(pop, sites, reach_km=20).tolist()
    [0]
    """
    from scipy import spatial

    assert population.lat is not None
    assert population.lon is not None
    assert supply.lat is not None
    assert supply.lon is not None
    if len(population) == 0 or len(supply) == 0:
        return np.zeros(0, dtype=np.int64)
    xyz = _unit_vectors(population.lat, population.lon)
    centre = xyz.mean(axis=0)
    norm = float(np.linalg.norm(centre))
    centre = centre / norm if norm > 0 else xyz[0]
    spread = float(np.sqrt(((xyz - centre) ** 2).sum(axis=1)).max())
    chord = 2.0 * math.sin(min(reach_km / EARTH_RADIUS_KM, math.pi) / 2.0)
    radius = (spread + chord) * (1.0 + 1e-9) + 1e-12
    tree = spatial.cKDTree(_unit_vectors(supply.lat, supply.lon))
    return np.asarray(sorted(tree.query_ball_point(centre, radius)), dtype=np.int64)


def estimate_pairs(
    population: Population, supply: Supply, *, reach_km: float, sample: int = 4096
) -> int:
    """Pairs within ``reach_km`` (great circle), estimated from evenly spaced rows of the tile.

    At most ``sample`` rows are counted against the sites (a KD-tree count, no pairs
    built) and scaled to the tile; a tile of at most ``sample`` rows is counted exactly. Used
    to refuse a tile whose pairs would not fit in memory before building them.

    Examples
    --------
    >>> pop = Population(["a", "b"], [1, 1], lat=[30.0, 30.0], lon=[120.0, 121.0])
    >>> sites = Supply(["x", "y"], [1, 1], lat=[30.0, 30.05], lon=[120.0, 120.0])
    >>> estimate_pairs(pop, sites, reach_km=10)
    2
    """
    from scipy import spatial

    assert population.lat is not None
    assert population.lon is not None
    assert supply.lat is not None
    assert supply.lon is not None
    n = len(population)
    if n == 0 or len(supply) == 0:
        return 0
    rows = np.arange(0, n, max(1, -(-n // int(sample))))
    chord = 2.0 * math.sin(min(reach_km / EARTH_RADIUS_KM, math.pi) / 2.0)
    tree = spatial.cKDTree(_unit_vectors(supply.lat, supply.lon))
    found = tree.query_ball_point(
        _unit_vectors(population.lat[rows], population.lon[rows]),
        chord * (1.0 + 1e-9) + 1e-12,
        return_length=True,
    )
    return round(float(np.sum(found)) * n / len(rows))


def tile_costs(
    population: Population,
    supply: Supply,
    *,
    speed_kmh: float,
    cutoff_min: float,
    detour_factor: float = 1.0,
) -> tuple[CostMatrix, IntArray]:
    """The tile's travel times to its halo sites, and those sites' positions in ``supply``.

    The costs are :func:`~medalliance.accessibility.costs_from_coordinates` of the tile and
    the halo sites: the same pairs as in the whole cost structure, columns renumbered.

    Examples
    --------
    >>> pop = Population(["a"], [1], lat=[30.0], lon=[120.0])
    >>> sites = Supply(["far", "near"], [1, 1], lat=[35.0, 30.1], lon=[120.0, 120.0])
    >>> costs, halo = tile_costs(pop, sites, speed_kmh=60, cutoff_min=30)
    >>> halo.tolist(), costs.site_ids.tolist()
    ([1], ['near'])
    """
    reach_km = float(cutoff_min) / 60.0 * float(speed_kmh) / float(detour_factor)
    halo = halo_sites(population, supply, reach_km=reach_km)
    assert supply.lat is not None
    assert supply.lon is not None
    local = Supply(
        supply.ids[halo], supply.capacity[halo], lat=supply.lat[halo], lon=supply.lon[halo]
    )
    costs = costs_from_coordinates(
        population, local, speed_kmh=speed_kmh, cutoff_min=cutoff_min, detour_factor=detour_factor
    )
    return costs, halo


def tile_demand(measure: Measure, costs: CostMatrix, people: FloatArray) -> FloatArray:
    """Pass 1: the tile's share of each (halo) site's weighted demand ``D_j``.

    Examples
    --------
    >>> from medalliance.accessibility import costs_from_table
    >>> c = costs_from_table(["a", "b"], ["x", "x"], [5, 25], origin_ids=["a", "b"],
    ...                      site_ids=["x"])
    >>> tile_demand(Measure.of("e2sfca", cutoff_min=30), c, np.array([100.0, 100.0])).tolist()
    [122.0]
    """
    people, _, cut = _check_inputs(
        costs,
        people,
        np.zeros(costs.n_sites),
        decay=(measure.field, measure.weight),
        cutoff_min=measure.cutoff_min,
    )
    pairs = _weighted_pairs(measure.method, costs, cut, measure.weight, measure.field)
    return _demand(pairs, people, costs.n_sites)


def site_ratios(
    measure: Measure, site_ids: IdArray, supply: FloatArray, demand: FloatArray
) -> FloatArray:
    """``R_j = S_j / D_j`` from the demand summed over every tile (0 where ``D_j = 0``).

    Examples
    --------
    >>> site_ratios(Measure.of("2sfca", cutoff_min=30), np.array(["x", "y"]),
    ...             np.array([10.0, 5.0]), np.array([200.0, 0.0])).tolist()
    [0.05, 0.0]
    """
    return _site_ratios(site_ids, supply, demand, measure.field)


def tile_values(measure: Measure, costs: CostMatrix, ratios: FloatArray) -> FloatArray:
    """Pass 2: accessibility ``A_i`` of the tile's origins from the (halo) sites' ratios.

    Examples
    --------
    >>> from medalliance.accessibility import costs_from_table
    >>> c = costs_from_table(["a", "b"], ["x", "x"], [5, 25], origin_ids=["a", "b"],
    ...                      site_ids=["x"])
    >>> tile_values(Measure.of("2sfca", cutoff_min=30), c, np.array([0.05])).tolist()
    [0.05, 0.05]
    """
    pairs = _weighted_pairs(
        measure.method, costs, measure.cutoff_min, measure.weight, measure.field
    )
    return _values(pairs, ratios)
