"""Tiled accessibility: population as a dask DataFrame, sites in memory, two passes."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from medalliance._optional import require
from medalliance._words import count_noun
from medalliance.accessibility import Population, Supply
from medalliance.accessibility._measures import site_rows
from medalliance.accessibility._nearest import coverage_within, nearest_cost
from medalliance.accessibility._tiles import (
    Measure,
    estimate_pairs,
    site_ratios,
    tile_costs,
    tile_demand,
    tile_values,
)
from medalliance.accessibility._weights import DecayFunction, StepWeights
from medalliance.errors import MedAllianceError, Problem
from medalliance.model.types import Tabular

POPULATION_COLUMNS = ("id", "lat", "lon", "people")
"""Columns of a tiled population: one row per cell or point."""

ORIGIN_COLUMNS = ("id", "people", "accessibility", "nearest_min", "within")
"""Columns of :attr:`TiledAccessibility.origins`.

``nearest_min`` is the travel time to the nearest open site (``inf`` when none is within the
catchment); ``within`` whether it is at most ``within_min``.
"""

MAX_TILE_CELLS = 5_000_000
"""Default limit of cells in one tile (partition); split larger partitions first."""

MAX_TILE_MB = 2048.0
"""Default limit of the estimated memory of one tile's pairs and cells, in MiB."""

BYTES_PER_PAIR = 32
"""Peak bytes per (cell, site) pair while a tile is computed (12 stored, the rest the
KD-tree search and the weights; measured with ``tracemalloc`` on 6 million pairs)."""

BYTES_PER_CELL = 160
"""Bytes per cell of a tile besides its pairs (id, amounts, coordinates, result columns)."""


@dataclass(frozen=True)
class _Run:
    """What every tile task needs besides its partition (shipped once per worker)."""

    supply: Supply
    measure: Measure
    speed_kmh: float
    detour_factor: float
    within_min: float
    max_tile_cells: int
    max_tile_mb: float = MAX_TILE_MB


@dataclass(frozen=True, eq=False)
class TiledAccessibility(Tabular):
    """What :func:`tiled_accessibility` returns: site vectors in memory, origins as a dask frame.

    :meth:`rows` are the sites; the origins stay a lazy dask DataFrame
    (:data:`ORIGIN_COLUMNS`) to compute, or to write with ``origins.to_parquet(...)``.
    """

    method: str
    """The member of the family computed."""
    cutoff_min: float
    """The catchment in minutes."""
    within_min: float
    """The travel time of the ``within`` column."""
    site_ids: np.ndarray[Any, Any] = field(repr=False)
    """Site ids, in the order of the supply."""
    site_supply: np.ndarray[Any, np.dtype[np.float64]] = field(repr=False)
    """``S_j``."""
    site_demand: np.ndarray[Any, np.dtype[np.float64]] = field(repr=False)
    """``D_j``, summed over every tile."""
    site_ratios: np.ndarray[Any, np.dtype[np.float64]] = field(repr=False)
    """``R_j = S_j / D_j`` (0 where ``D_j = 0``)."""
    origins: Any = field(repr=False)
    """A dask DataFrame, one row per population cell, partitioned as the population."""

    def __repr__(self) -> str:
        return (
            f"TiledAccessibility({self.method}, {count_noun(len(self.site_ids), 'site')}, "
            f"{count_noun(self.origins.npartitions, 'tile')}, cutoff {self.cutoff_min:g} min)"
        )

    @property
    def served_supply(self) -> float:
        """Supply of the sites with demand: equals ``Σ_i P_i·A_i`` over all tiles.

        Examples
        --------
        >>> import dask, dask.dataframe as dd, pandas as pd
        >>> cells = pd.DataFrame({"id": ["a", "b"], "lat": [30.0, 30.01], "lon": [120.0, 120.0],
        ...                       "people": [100, 300]})
        >>> sites = Supply(["x", "y"], [8, 2], lat=[30.005, 35.0], lon=[120.0, 120.0])
        >>> with dask.config.set(scheduler="sync"):
        ...     r = tiled_accessibility(dd.from_pandas(cells, npartitions=1), sites,
        ...                             speed_kmh=30, cutoff_min=30)
        >>> r.served_supply  # site y reaches nobody
        8.0
        """
        return float(self.site_supply[self.site_demand > 0].sum())

    def rows(self) -> list[dict[str, Any]]:
        """One row per site: site, supply, weighted_demand, ratio (as in memory).

        Examples
        --------
        >>> import dask, dask.dataframe as dd, pandas as pd
        >>> cells = pd.DataFrame({"id": ["a", "b"], "lat": [30.0, 30.01], "lon": [120.0, 120.0],
        ...                       "people": [100, 300]})
        >>> sites = Supply(["x"], [8], lat=[30.005], lon=[120.0])
        >>> with dask.config.set(scheduler="sync"):
        ...     r = tiled_accessibility(dd.from_pandas(cells, npartitions=1), sites,
        ...                             speed_kmh=30, cutoff_min=30)
        >>> r.rows()
        [{'site': 'x', 'supply': 8.0, 'weighted_demand': 400.0, 'ratio': 0.02}]
        """
        return site_rows(self.site_ids, self.site_supply, self.site_demand, self.site_ratios)


def _tile(frame: Any, k: int, run: _Run) -> Population:
    """The partition as a Population; problems named by partition and row."""
    problems: list[Problem] = []
    if len(frame) > run.max_tile_cells:
        msg = (
            f"{len(frame):,} cells, more than max_tile_cells={run.max_tile_cells:,}: "
            "repartition the population into smaller tiles"
        )
        raise MedAllianceError([Problem(("partition", k), msg)])
    lat = frame["lat"].to_numpy(dtype=np.float64, na_value=np.nan)
    lon = frame["lon"].to_numpy(dtype=np.float64, na_value=np.nan)
    for i in np.flatnonzero(np.isnan(lat) | np.isnan(lon))[:20].tolist():
        problems.append(Problem(("partition", k, "row", i), "no coordinates (lat and lon)"))
    if problems:
        raise MedAllianceError(problems)
    try:
        return Population(
            frame["id"].to_numpy(dtype=object),
            frame["people"].to_numpy(dtype=np.float64, na_value=np.nan),
            lat=lat,
            lon=lon,
        )
    except MedAllianceError as exc:
        raise MedAllianceError(
            [Problem(("partition", k, *p.path), p.message) for p in exc.problems]
        ) from None


def _check_memory(pop: Population, k: int, run: _Run) -> None:
    """Refuse a tile whose estimated pairs and cells exceed ``max_tile_mb``."""
    reach_km = run.measure.cutoff_min / 60.0 * run.speed_kmh / run.detour_factor
    pairs = estimate_pairs(pop, run.supply, reach_km=reach_km)
    need = (pairs * BYTES_PER_PAIR + len(pop) * BYTES_PER_CELL) / 2**20
    if need > run.max_tile_mb:
        msg = (
            f"about {pairs:,} pairs within the catchment for {len(pop):,} cells, about "
            f"{need:,.0f} MiB, more than max_tile_mb={run.max_tile_mb:,g}: repartition the "
            "population into smaller tiles (or raise max_tile_mb if the workers have the memory)"
        )
        raise MedAllianceError([Problem(("partition", k), msg)])


def _pass1(frame: Any, k: int, run: _Run) -> np.ndarray[Any, np.dtype[np.float64]]:
    """Worker side: this tile's share of every site's weighted demand (site-length)."""
    pop = _tile(frame, k, run)
    _check_memory(pop, k, run)
    m = run.measure
    costs, halo = tile_costs(
        pop, run.supply, speed_kmh=run.speed_kmh, cutoff_min=m.cutoff_min,
        detour_factor=run.detour_factor,
    )  # fmt: skip
    out = np.zeros(len(run.supply), dtype=np.float64)
    out[halo] = tile_demand(m, costs, pop.people)
    return out


def _pass2(frame: Any, k: int, run: _Run, ratios: Any) -> Any:
    """Worker side: accessibility, nearest site and coverage of this tile's origins."""
    pd = require("pandas", extra="dask")
    pop = _tile(frame, k, run)
    m = run.measure
    costs, halo = tile_costs(
        pop, run.supply, speed_kmh=run.speed_kmh, cutoff_min=m.cutoff_min,
        detour_factor=run.detour_factor,
    )  # fmt: skip
    local = run.supply.capacity[halo]
    near = nearest_cost(costs, supply=local)
    covered = coverage_within(costs, pop, cutoff_min=run.within_min, supply=local)
    return pd.DataFrame(
        {
            "id": frame["id"].to_numpy(),
            "people": pop.people,
            "accessibility": tile_values(m, costs, ratios[halo]),
            "nearest_min": near.cost,
            "within": covered.covered,
        },
        index=frame.index,
    )


def _add(*parts: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    out: np.ndarray[Any, Any] = np.array(parts[0], dtype=np.float64)
    for p in parts[1:]:
        out += p
    return out


def _tree_sum(dask: Any, parts: list[Any], fan_in: int = 8) -> Any:
    """Sum delayed site-length vectors in a tree (no task holds more than ``fan_in``)."""
    while len(parts) > 1:
        parts = [dask.delayed(_add)(*parts[i : i + fan_in]) for i in range(0, len(parts), fan_in)]
    return parts[0]


def _check(
    population: Any,
    supply: Any,
    speed_kmh: Any,
    cutoff_min: Any,
    within: Any,
    *,
    limits: tuple[Any, Any] = (MAX_TILE_CELLS, MAX_TILE_MB),
) -> None:
    problems: list[Problem] = []
    if not hasattr(population, "to_delayed") or not hasattr(population, "columns"):
        raise MedAllianceError([Problem(("population",), "must be a dask DataFrame")])
    names = [str(c) for c in population.columns]
    for c in POPULATION_COLUMNS:
        if c not in names:
            problems.append(Problem(("population",), f"the column {c!r} is missing"))
    for c in names:
        if c not in POPULATION_COLUMNS:
            problems.append(
                Problem(("population", c), "unknown column (select id, lat, lon, people)")
            )
    if not isinstance(supply, Supply):
        problems.append(Problem(("supply",), "must be a Supply"))
    elif not supply.has_coordinates:
        problems.append(Problem(("supply",), "supply sites have no coordinates"))
    for name, value, strict in (("speed_kmh", speed_kmh, True), ("cutoff_min", cutoff_min, False)):
        ok = isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
        if not ok or value < 0 or (strict and value == 0):
            problems.append(
                Problem((name,), f"must be a finite number {'>' if strict else '>='} 0")
            )
    if within is not None and not (isinstance(within, int | float) and 0 <= within <= cutoff_min):
        problems.append(Problem(("within_min",), "must be a number from 0 to cutoff_min"))
    for name, value in zip(("max_tile_cells", "max_tile_mb"), limits, strict=True):
        number = isinstance(value, int | float) and not isinstance(value, bool)
        if not number or not value > 0 or (name == "max_tile_cells" and not isinstance(value, int)):
            kind = "a whole number" if name == "max_tile_cells" else "a number"
            problems.append(Problem((name,), f"must be {kind} > 0"))
    if problems:
        raise MedAllianceError(problems)


def _held(ids: Any, wanted: frozenset[Any]) -> set[Any]:
    return set(ids.tolist()) & wanted


def duplicate_ids(population: Any) -> list[Problem]:
    """Ids held by more than one row of a dask DataFrame, with the partitions holding them.

    The count is a distributed hash reduction (ids move once, in ``split_out`` pieces, never
    all to one place); only the duplicates come back.

    Examples
    --------
    >>> import dask.dataframe as dd, pandas as pd
    >>> frame = dd.from_pandas(pd.DataFrame({"id": ["a", "b", "a"]}), npartitions=2)
    >>> [p.render() for p in duplicate_ids(frame)]
    ["population.id: 'a' is in partitions 0 and 1"]
    """
    counts = population["id"].value_counts(split_out=max(1, population.npartitions // 4))
    dup = counts[counts > 1].index.compute().tolist()
    if not dup:
        return []
    dask = require("dask", extra="dask")
    dup = sorted(dup, key=str)[:20]
    where: dict[Any, list[int]] = {d: [] for d in dup}
    wanted = frozenset(dup)
    found = dask.compute(
        *(dask.delayed(_held)(part, wanted) for part in population["id"].to_delayed())
    )  # each partition answers with the duplicates it holds, nothing more
    for k, held in enumerate(found):
        for d in held:
            where[d].append(k)
    out = []
    for d in dup:
        parts = where[d]
        text = " and ".join(map(str, parts)) if len(parts) < 3 else ", ".join(map(str, parts))
        noun = "partitions" if len(parts) > 1 else "partition"
        out.append(Problem(("population", "id"), f"{d!r} is in {noun} {text}"))
    return out


def tiled_accessibility(
    population: Any,
    supply: Supply,
    *,
    speed_kmh: float,
    cutoff_min: float,
    method: str = "2sfca",
    decay: DecayFunction | None = None,
    zones: StepWeights | Mapping[Any, float] | None = None,
    detour_factor: float = 1.0,
    within_min: float | None = None,
    check_ids: bool = True,
    max_tile_cells: int = MAX_TILE_CELLS,
    max_tile_mb: float = MAX_TILE_MB,
) -> TiledAccessibility:
    """A member of the 2SFCA family, nearest cost and coverage, one population tile at a time.

    Every partition of ``population`` is a tile. Pass 1 computes, on the workers, each tile's
    share of every site's weighted demand (its pairs reach only the sites within one
    catchment of it, its halo) and sums these site-length vectors; the ratios
    ``R_j = S_j / D_j`` are formed here. Pass 2 (lazy) gives every cell its accessibility
    from ``R``, its nearest open site and whether that is within ``within_min``. Only
    site-length vectors and the sites travel; travel times are recomputed in pass 2, never
    stored. The answer equals the in-memory functions on
    :func:`~medalliance.accessibility.costs_from_coordinates` of the whole population.

    Parameters
    ----------
    population : dask.dataframe.DataFrame
        Columns :data:`POPULATION_COLUMNS` (e.g. ``dd.read_parquet(...)``).
    supply : Supply
        The sites, with coordinates.
    speed_kmh, cutoff_min, detour_factor
        As for :func:`~medalliance.accessibility.costs_from_coordinates`; ``cutoff_min`` is
        the catchment.
    method : {"2sfca", "e2sfca", "gravity", "3sfca"}
        The member of the family, with ``decay`` / ``zones`` as the in-memory function takes.
    within_min : float, optional
        Travel time of the ``within`` column (default ``cutoff_min``).
    check_ids : bool, default True
        Refuse ids held by several rows (a distributed count of the ids).
    max_tile_cells : int, default :data:`MAX_TILE_CELLS`
        Refuse a partition with more cells than this, before building its pairs.
    max_tile_mb : float, default :data:`MAX_TILE_MB`
        Refuse a partition whose pairs and cells would need more memory than this (MiB),
        estimated before building its pairs from a sample of its rows
        (``BYTES_PER_PAIR``, ``BYTES_PER_CELL`` bytes); set it below each worker's memory
        limit divided by its threads.

    Returns
    -------
    TiledAccessibility
        Site vectors, and the origins as a dask DataFrame (:data:`ORIGIN_COLUMNS`).

    Raises
    ------
    MedAllianceError
        At once for bad arguments or columns and duplicate ids (named with their
        partitions); when a tile is computed, for rows without coordinates, bad amounts or a
        tile over ``max_tile_cells``, named by partition and row.

    Examples
    --------
    >>> import dask, dask.dataframe as dd, pandas as pd
    >>> cells = pd.DataFrame({"id": ["a", "b", "c"], "lat": [30.0, 30.01, 30.3],
    ...                       "lon": [120.0, 120.0, 120.0], "people": [100, 300, 50]})
    >>> sites = Supply(["x"], [8], lat=[30.005], lon=[120.0])
    >>> with dask.config.set(scheduler="sync"):
    ...     r = tiled_accessibility(dd.from_pandas(cells, npartitions=2), sites,
    ...                             speed_kmh=30, cutoff_min=30)
    ...     out = r.origins.compute()
    >>> out["accessibility"].tolist(), r.served_supply
    ([0.02, 0.02, 0.0], 8.0)
    """
    dask = require("dask", extra="dask")
    _check(
        population, supply, speed_kmh, cutoff_min, within_min, limits=(max_tile_cells, max_tile_mb)
    )
    measure = Measure.of(method, cutoff_min=float(cutoff_min), decay=decay, zones=zones)
    if check_ids:
        problems = duplicate_ids(population)
        if problems:
            raise MedAllianceError(problems)
    run = dask.delayed(
        _Run(
            supply=supply,
            measure=measure,
            speed_kmh=float(speed_kmh),
            detour_factor=float(detour_factor),
            within_min=float(cutoff_min if within_min is None else within_min),
            max_tile_cells=max_tile_cells,
            max_tile_mb=float(max_tile_mb),
        ),
        pure=True,
    )
    parts = population.to_delayed()
    partial = [dask.delayed(_pass1)(p, k, run) for k, p in enumerate(parts)]
    (demand,) = dask.compute(_tree_sum(dask, partial))
    ratios = site_ratios(measure, supply.ids, supply.capacity, demand)
    shipped = dask.delayed(ratios, pure=True)
    dd = require("dask.dataframe", extra="dask")
    meta = _pass2(population._meta, -1, run.compute(), ratios)
    tiles = [dask.delayed(_pass2)(p, k, run, shipped) for k, p in enumerate(parts)]
    origins = dd.from_delayed(tiles, meta=meta, divisions=population.divisions, verify_meta=False)
    return TiledAccessibility(
        method=measure.method,
        cutoff_min=measure.cutoff_min,
        within_min=float(cutoff_min if within_min is None else within_min),
        site_ids=supply.ids,
        site_supply=np.asarray(supply.capacity, dtype=np.float64),
        site_demand=demand,
        site_ratios=ratios,
        origins=origins,
    )
