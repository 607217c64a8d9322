"""Travel time to the nearest site, and coverage of the population within a cutoff."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from medalliance.accessibility._common import (
    BoolArray,
    FloatArray,
    IdArray,
    IntArray,
    _readonly,
)
from medalliance.accessibility._costs import CostMatrix, _check_cutoff
from medalliance.accessibility._inputs import Population, Supply, _aligned
from medalliance.errors import MedAllianceError, Problem
from medalliance.model.types import Tabular


@dataclass(frozen=True, eq=False, repr=False)
class NearestResult(Tabular):
    """The nearest site of every origin and its cost.

    Attributes
    ----------
    origin_ids, site_ids : numpy.ndarray
        Ids, in the cost structure's order.
    cost : numpy.ndarray
        Travel time to the nearest site in minutes; ``inf`` where no site is stored for the
        origin (none within the cutoff).
    site : numpy.ndarray of int64
        Position of the nearest site in ``site_ids`` (the lowest position among equal
        costs); -1 where none.
    cutoff_min : float or None
        The cost structure's cutoff in minutes.
    """

    origin_ids: IdArray
    site_ids: IdArray
    cost: FloatArray
    site: IntArray
    cutoff_min: float | None

    @property
    def reached(self) -> BoolArray:
        """Whether each origin has a site at all.

        Examples
        --------
        >>> from medalliance.accessibility import costs_from_table
        >>> c = costs_from_table(["a"], ["x"], [4], origin_ids=["a", "b"], site_ids=["x"])
        >>> nearest_cost(c).reached.tolist()
        [True, False]
        """
        out: BoolArray = self.site >= 0
        return out

    def __repr__(self) -> str:
        return (
            f"NearestResult({len(self.origin_ids)} origins, {int(self.reached.sum())} with a site)"
        )

    def rows(self) -> list[dict[str, Any]]:
        """One row per origin: ``origin``, ``site`` and ``cost`` (``None`` when none).

        Examples
        --------
        >>> from medalliance.accessibility import costs_from_table
        >>> c = costs_from_table(["a"], ["x"], [4], origin_ids=["a", "b"], site_ids=["x"])
        >>> nearest_cost(c).rows()
        [{'origin': 'a', 'site': 'x', 'cost': 4.0}, {'origin': 'b', 'site': None, 'cost': None}]
        """
        sites = self.site_ids.tolist()
        return [
            {"origin": o, "site": sites[s] if s >= 0 else None, "cost": c if s >= 0 else None}
            for o, s, c in zip(
                self.origin_ids.tolist(), self.site.tolist(), self.cost.tolist(), strict=True
            )
        ]


@dataclass(frozen=True, eq=False, repr=False)
class CoverageResult(Tabular):
    """Which population points lie within a travel-time cutoff of a site, and the share of people.

    Attributes
    ----------
    origin_ids : numpy.ndarray
        Origin ids, in the cost structure's order.
    people : numpy.ndarray
        People at each origin.
    covered : numpy.ndarray of bool
        Whether some site is within the cutoff (inclusive).
    nearest_cost : numpy.ndarray
        Travel time to the nearest site in minutes (``inf`` where none is stored).
    cutoff_min : float
        The cutoff in minutes (e.g. 15 for the 15-minute health circle).
    """

    origin_ids: IdArray
    people: FloatArray
    covered: BoolArray
    nearest_cost: FloatArray
    cutoff_min: float

    @property
    def covered_people(self) -> float:
        """People within the cutoff.

        Examples
        --------
        >>> from medalliance.accessibility import costs_from_table
        >>> c = costs_from_table(["a"], ["x"], [15], origin_ids=["a", "b"], site_ids=["x"])
        >>> r = coverage_within(c, Population(["a", "b"], [90, 10]), cutoff_min=15)
        >>> r.covered_people
        90.0
        """
        return float(self.people[self.covered].sum())

    @property
    def total_people(self) -> float:
        """All people.

        Examples
        --------
        >>> from medalliance.accessibility import costs_from_table
        >>> c = costs_from_table(["a"], ["x"], [15], origin_ids=["a", "b"], site_ids=["x"])
        >>> r = coverage_within(c, Population(["a", "b"], [90, 10]), cutoff_min=15)
        >>> r.total_people
        100.0
        """
        return float(self.people.sum())

    @property
    def share(self) -> float:
        """Covered people / all people; 0.0 when there are no people at all.

        Examples
        --------
        >>> from medalliance.accessibility import costs_from_table
        >>> c = costs_from_table(["a"], ["x"], [15], origin_ids=["a", "b"], site_ids=["x"])
        >>> coverage_within(c, Population(["a", "b"], [90, 10]), cutoff_min=15).share
        0.9
        """
        total = self.total_people
        return self.covered_people / total if total > 0 else 0.0

    def __repr__(self) -> str:
        return (
            f"CoverageResult(within {self.cutoff_min:g} min: "
            f"{self.covered_people:g} of {self.total_people:g} people, share {self.share:.4g})"
        )

    def rows(self) -> list[dict[str, Any]]:
        """One row per origin: ``origin``, ``people``, ``nearest_cost`` (or None), ``covered``.

        Examples
        --------
        >>> from medalliance.accessibility import costs_from_table
        >>> c = costs_from_table(["a"], ["x"], [15], origin_ids=["a", "b"], site_ids=["x"])
        >>> coverage_within(c, Population(["a", "b"], [90, 10]), cutoff_min=15).rows()[1]
        {'origin': 'b', 'people': 10.0, 'nearest_cost': None, 'covered': False}
        """
        return [
            {
                "origin": o,
                "people": p,
                "nearest_cost": c if math.isfinite(c) else None,
                "covered": v,
            }
            for o, p, c, v in zip(
                self.origin_ids.tolist(),
                self.people.tolist(),
                self.nearest_cost.tolist(),
                self.covered.tolist(),
                strict=True,
            )
        ]


def _open_sites(costs: CostMatrix, supply: Supply | ArrayLike | None) -> BoolArray | None:
    if supply is None:
        return None
    capacity = _aligned(supply, costs.site_ids, "supply", "supply")
    out: BoolArray = capacity > 0
    return out


def _nearest(costs: CostMatrix, open_sites: BoolArray | None) -> tuple[FloatArray, IntArray]:
    cost = costs.cost
    if open_sites is not None:
        cost = np.where(open_sites[costs.indices], cost, np.inf)
    best = np.full(costs.n_origins, np.inf)
    site = np.full(costs.n_origins, -1, dtype=np.int64)
    starts = costs.indptr[:-1]
    nonempty = np.flatnonzero(np.diff(costs.indptr) > 0)
    if len(nonempty):
        best[nonempty] = np.minimum.reduceat(cost, starts[nonempty])
        big = np.iinfo(np.int64).max
        at_best = cost == np.repeat(best, np.diff(costs.indptr))
        cand = np.where(at_best, costs.indices.astype(np.int64), big)
        first = np.minimum.reduceat(cand, starts[nonempty])
        hit = np.isfinite(best[nonempty])
        site[nonempty[hit]] = first[hit]
    return best, site


def nearest_cost(costs: CostMatrix, *, supply: Supply | ArrayLike | None = None) -> NearestResult:
    """Cost from every origin to its nearest site (among the stored pairs).

    Parameters
    ----------
    costs : CostMatrix
        Travel costs.
    supply : Supply or sequence of float, optional
        When given, only sites with capacity > 0 count (a closed site is no destination).

    Returns
    -------
    NearestResult
        ``inf`` cost and site -1 for origins with no site (none within the cutoff).

    Examples
    --------
    >>> from medalliance.accessibility import costs_from_table
    >>> c = costs_from_table(["a", "a", "b"], ["x", "y", "y"], [9, 4, 30],
    ...                      origin_ids=["a", "b", "c"], site_ids=["x", "y"])
    >>> res = nearest_cost(c)
    >>> res.cost.tolist(), res.site_ids[res.site[:2]].tolist()
    ([4.0, 30.0, inf], ['y', 'y'])
    >>> nearest_cost(c, supply=[5, 0]).cost.tolist()
    [9.0, inf, inf]
    """
    if not isinstance(costs, CostMatrix):
        msg = f"expected a CostMatrix, got {type(costs).__name__}"
        raise MedAllianceError([Problem(("costs",), msg)])
    best, site = _nearest(costs, _open_sites(costs, supply))
    return NearestResult(
        origin_ids=costs.origin_ids,
        site_ids=costs.site_ids,
        cost=_readonly(best),
        site=_readonly(site),
        cutoff_min=costs.cutoff_min,
    )


def coverage_within(
    costs: CostMatrix,
    population: Population | ArrayLike,
    *,
    cutoff_min: float,
    supply: Supply | ArrayLike | None = None,
) -> CoverageResult:
    """Share of the population within ``cutoff_min`` of a site (cumulative-opportunity coverage).

    An origin is covered when its nearest site is ``<= cutoff_min`` minutes away (inclusive).
    China's 15-minute health circle (15分钟医疗卫生服务圈) is ``cutoff_min=15`` to a
    grassroots institution.

    Parameters
    ----------
    costs : CostMatrix
        Travel times; its cutoff must be at least ``cutoff_min``.
    population : Population or sequence of float
        People per origin.
    cutoff_min : float
        Largest travel time counted as covered, in minutes (>= 0).
    supply : Supply or sequence of float, optional
        When given, only sites with capacity > 0 count.

    Returns
    -------
    CoverageResult
        Per origin ``covered``; ``share`` of people covered (0.0 when there are no people).

    Raises
    ------
    MedAllianceError
        When ``cutoff_min`` exceeds the cost structure's cutoff (the pairs beyond it are not
        stored), or for mismatched inputs.

    Examples
    --------
    >>> from medalliance.accessibility import costs_from_table
    >>> pop = Population(["a", "b", "c"], [100, 200, 300])
    >>> c = costs_from_table(["a", "b", "c"], ["x", "x", "x"], [5, 15, 20],
    ...                      origin_ids=pop.ids, site_ids=["x"], cutoff_min=30)
    >>> res = coverage_within(c, pop, cutoff_min=15)
    >>> res.covered.tolist(), res.share
    ([True, True, False], 0.5)
    """
    if not isinstance(costs, CostMatrix):
        msg = f"expected a CostMatrix, got {type(costs).__name__}"
        raise MedAllianceError([Problem(("costs",), msg)])
    if cutoff_min is None:
        raise MedAllianceError([Problem(("cutoff_min",), "a cutoff is required")])
    thr = _check_cutoff(costs, cutoff_min, "cutoff_min")
    assert thr is not None
    people = _aligned(population, costs.origin_ids, "population", "population")
    best, _ = _nearest(costs, _open_sites(costs, supply))
    return CoverageResult(
        origin_ids=costs.origin_ids,
        people=people,
        covered=_readonly(best <= thr),
        nearest_cost=_readonly(best),
        cutoff_min=thr,
    )
