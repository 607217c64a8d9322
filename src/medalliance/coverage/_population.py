"""People within a travel time of alliance members."""

from __future__ import annotations

import datetime as _dt
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np

from medalliance.coverage._common import _without_gc
from medalliance.errors import MedAllianceError, Problem
from medalliance.model._require import require_registry
from medalliance.model.dates import registry_on
from medalliance.model.registry import Registry
from medalliance.model.types import FrozenModel, Tabular

if TYPE_CHECKING:
    from medalliance.accessibility import CostMatrix, Population, Supply

# --------------------------------------------------------------------------------------
# population within reach of members


class AlliancePopulation(FrozenModel):
    """People within a travel-time cutoff of some member of an alliance."""

    alliance: str | None
    """Id of the alliance; ``None`` for the members of every alliance together."""
    sites: int
    """Members with coordinates (the sites people travel to)."""
    without_coordinates: tuple[str, ...]
    """Members left out for lack of coordinates."""
    people_within: float
    """People whose nearest such member is within the cutoff."""
    share: float | None
    """``people_within`` / all people; ``None`` when the population is empty."""


class PopulationCoverage(FrozenModel, Tabular):
    """What :func:`population_coverage` returns."""

    cutoff_min: float
    """Travel-time cutoff in minutes (e.g. 15 for the 15-minute health circle)."""
    speed_kmh: float
    """Assumed straight-line travel speed."""
    detour_factor: float
    """Road distance / straight-line distance assumed."""
    people: float
    """All people of the population."""
    points: int
    """Population points."""
    overall: AlliancePopulation
    """Within reach of a member of any alliance."""
    alliances: tuple[AlliancePopulation, ...]
    """Per alliance, by id."""

    def rows(self) -> list[dict[str, Any]]:
        """One row for all alliances together, then one per alliance.

        Examples
        --------
        >>> from medalliance import synthetic
        >>> from medalliance.accessibility import Population
        >>> reg = synthetic.county(seed=1, townships=3, villages_per_township=2)
        >>> town = reg.institution("k-t00")
        >>> pop = Population(["near"], [800], lat=[town.lat], lon=[town.lon])
        >>> row = population_coverage(reg, pop, cutoff_min=15, speed_kmh=30).rows()[0]
        >>> row["alliance"], row["people_within"], row["share"]
        (None, 800.0, 1.0)
        """
        return [
            {
                "alliance": a.alliance,
                "sites": a.sites,
                "without_coordinates": len(a.without_coordinates),
                "people_within": a.people_within,
                "share": a.share,
            }
            for a in (self.overall, *self.alliances)
        ]


class _Sites(NamedTuple):
    """Alliance members as sites: registry positions, and those with coordinates."""

    position: dict[str, int]
    """Registry position of every institution id."""
    members: list[int]
    """Positions of the institutions in some alliance, sorted."""
    sites: list[int]
    """Positions of the members with coordinates, sorted (the columns of the costs)."""


def _member_sites(registry: Registry) -> tuple[_Sites, Supply]:
    """The alliance members with coordinates, as a :class:`~medalliance.accessibility.Supply`."""
    from medalliance.accessibility import Supply

    position = {inst.id: i for i, inst in enumerate(registry.institutions)}
    member_pos = sorted({position[m] for a in registry.alliances for m in a.members})
    insts = registry.institutions
    sites = [p for p in member_pos if insts[p].lat is not None]
    supply = Supply(
        [insts[p].id for p in sites],
        np.ones(len(sites)),
        lat=np.asarray([insts[p].lat for p in sites], dtype=np.float64),
        lon=np.asarray([insts[p].lon for p in sites], dtype=np.float64),
    )
    return _Sites(position, member_pos, sites), supply


def _people_within(
    registry: Registry, where: _Sites, costs: CostMatrix, people: np.ndarray[Any, Any]
) -> np.ndarray[Any, Any]:
    """People within the cutoff of some member, per alliance (in registry order).

    One sparse product of the (point, member) pairs with the member × alliance incidence,
    not one pass per alliance.
    """
    from scipy import sparse

    site_of = {p: k for k, p in enumerate(where.sites)}
    rows: list[int] = []
    cols: list[int] = []
    for k, a in enumerate(registry.alliances):
        for m in a.members:
            j = site_of.get(where.position[m])
            if j is not None:
                rows.append(j)
                cols.append(k)
    incidence = sparse.csr_matrix(
        (np.ones(len(rows), dtype=np.int32), (rows, cols)),
        shape=(len(where.sites), len(registry.alliances)),
    )
    pairs = sparse.csr_matrix(
        (np.ones(len(costs.indices), dtype=np.int32), costs.indices, costs.indptr),
        shape=(costs.n_origins, len(where.sites)),
    )
    covered = (pairs @ incidence).tocsc()
    covered.data[:] = 1
    out: np.ndarray[Any, Any] = covered.T @ people
    return out


@_without_gc
def population_coverage(
    registry: Registry,
    population: Population,
    *,
    cutoff_min: float,
    speed_kmh: float,
    detour_factor: float = 1.0,
    as_of: _dt.date | str | None = None,
) -> PopulationCoverage:
    """People within ``cutoff_min`` of a member, per alliance and for all alliances.

    Travel times come from coordinates (:func:`medalliance.accessibility.costs_from_coordinates`:
    great-circle distance × ``detour_factor`` at ``speed_kmh``, found with a KD-tree within
    the cutoff); a point is covered when its nearest member is within the cutoff
    (inclusive), as in :func:`medalliance.accessibility.coverage_within`. The per-alliance
    shares come from one sparse product of the (point, member) pairs with the member ×
    alliance incidence, not from one pass per alliance.

    Parameters
    ----------
    registry : Registry
        The registry; not modified. Members without coordinates are listed, not used.
    population : medalliance.accessibility.Population
        Population points with coordinates.
    cutoff_min : float
        Largest travel time counted as within reach, in minutes.
    speed_kmh : float
        Assumed straight-line travel speed (an assumption of the analysis, not a fact).
    detour_factor : float, default 1.0
        Ratio of road distance to straight-line distance.
    as_of : datetime.date or str, optional
        Analyse the registry as it stood on this day (``registry.as_of(as_of)``, see
        :mod:`medalliance.model.dates`); by default the registry as stored.

    Returns
    -------
    PopulationCoverage
        People within reach, overall and per alliance.

    Raises
    ------
    MedAllianceError
        When the population has no coordinates or a parameter is out of range.

    Examples
    --------
    >>> from medalliance import synthetic
    >>> from medalliance.accessibility import Population
    >>> reg = synthetic.county(seed=1, townships=3, villages_per_township=2)
    >>> town = reg.institution("k-t00")
    >>> pop = Population(["near", "far"], [800, 200], lat=[town.lat, town.lat + 1.0],
    ...                  lon=[town.lon, town.lon])
    >>> c = population_coverage(reg, pop, cutoff_min=15, speed_kmh=30)
    >>> c.overall.people_within, c.overall.share
    (800.0, 0.8)
    """
    registry = registry_on(registry, as_of)
    require_registry(registry)
    from medalliance.accessibility import Population, costs_from_coordinates, coverage_within

    if not isinstance(population, Population):
        raise MedAllianceError([Problem(("population",), "must be an accessibility.Population")])
    where, supply = _member_sites(registry)
    costs = costs_from_coordinates(
        population, supply, speed_kmh=speed_kmh, cutoff_min=cutoff_min, detour_factor=detour_factor
    )
    overall = coverage_within(costs, population, cutoff_min=cutoff_min)
    total = overall.total_people
    within = _people_within(registry, where, costs, np.asarray(population.people, np.float64))

    def share(x: float) -> float | None:
        return x / total if total > 0 else None

    insts = registry.institutions
    per = []
    for k, a in enumerate(registry.alliances):
        missing = tuple(m for m in a.members if insts[where.position[m]].lat is None)
        per.append(
            AlliancePopulation.model_construct(
                alliance=a.id,
                sites=len(a.members) - len(missing),
                without_coordinates=missing,
                people_within=float(within[k]),
                share=share(float(within[k])),
            )
        )
    return PopulationCoverage.model_construct(
        cutoff_min=float(cutoff_min),
        speed_kmh=float(speed_kmh),
        detour_factor=float(detour_factor),
        people=total,
        points=len(population),
        overall=AlliancePopulation.model_construct(
            alliance=None,
            sites=len(where.sites),
            without_coordinates=tuple(insts[p].id for p in where.members if insts[p].lat is None),
            people_within=overall.covered_people,
            share=share(overall.covered_people),
        ),
        alliances=tuple(per),
    )
