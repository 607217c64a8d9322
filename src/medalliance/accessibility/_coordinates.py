"""Travel times from coordinates: great-circle distance at an assumed speed, within a cutoff."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from medalliance._geo import EARTH_RADIUS_KM
from medalliance._progress import bar
from medalliance.accessibility._common import FloatArray
from medalliance.accessibility._costs import CostMatrix, _build
from medalliance.accessibility._inputs import Population, Supply
from medalliance.errors import MedAllianceError, Problem

_LARGE = 200_000
"""Origins from which travel times show a progress bar by default (when someone watches)."""

_CHUNK = 65_536
"""Origins per KD-tree chunk (local row numbers fit in uint16, so sorting is a radix sort)."""


def _unit_vectors(lat: FloatArray, lon: FloatArray) -> FloatArray:
    phi, lam = np.radians(lat), np.radians(lon)
    cphi = np.cos(phi)
    return np.column_stack((cphi * np.cos(lam), cphi * np.sin(lam), np.sin(phi)))


def _chunk_costs(
    tree: Any, site_tree: Any, radius: float, factor: float, cut: float
) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any], FloatArray]:
    """Pairs of one chunk of origins (``tree``) within the cutoff.

    Returns the number of pairs of each origin, then the sites and minutes of the pairs in
    origin order.
    """
    found = tree.sparse_distance_matrix(site_tree, radius, output_type="ndarray")
    local = found["i"].astype(np.uint16)  # < _CHUNK
    sites = found["j"].astype(np.int32)
    minutes = np.minimum(found["v"], 2.0)
    del found
    minutes *= 0.5
    np.arcsin(minutes, out=minutes)
    minutes *= 2.0 * factor
    keep = minutes <= cut
    if not keep.all():
        local, sites, minutes = local[keep], sites[keep], minutes[keep]
    order = np.argsort(local, kind="stable")  # a radix sort on uint16
    counts = np.bincount(local, minlength=tree.n)
    return counts, sites[order], minutes[order]


def costs_from_coordinates(
    population: Population,
    supply: Supply,
    *,
    speed_kmh: float,
    cutoff_min: float,
    detour_factor: float = 1.0,
    progress: bool | None = None,
) -> CostMatrix:
    """Travel times from coordinates: great-circle distance at an assumed speed, within a cutoff.

    ``cost_min = distance_km · detour_factor / speed_kmh · 60``, where ``distance_km`` is the
    great-circle distance on a sphere of radius 6371.0088 km. Only pairs with
    ``cost_min <= cutoff_min`` are kept (inclusive). Pairs are found with a KD-tree on 3-D
    unit vectors (a ball query of the chord radius matching the cutoff, origins in chunks), so
    time and memory grow with the number of pairs within the cutoff, never with
    origins × sites; the chord is converted to the great-circle distance exactly.

    Parameters
    ----------
    population : Population
        Origins; must have coordinates.
    supply : Supply
        Sites; must have coordinates.
    speed_kmh : float
        Assumed average speed along the straight line (> 0).
    cutoff_min : float
        Largest travel time kept, in minutes (>= 0).
    detour_factor : float, default 1.0
        Ratio of road distance to straight-line distance (>= 1; 1.2–1.4 is common).
    progress : bool, optional
        Show a progress bar (origins done) on standard error: ``None`` (default) from
        200,000 origins when standard error is a terminal or in a notebook; ``True`` always;
        ``False`` never (needs the ``progress`` extra; without it, no bar).

    Returns
    -------
    CostMatrix
        Costs in minutes, rows in ``population.ids`` order, columns in ``supply.ids`` order.

    Raises
    ------
    MedAllianceError
        When coordinates are missing or a parameter is out of range.

    Examples
    --------
    >>> pop = Population(["v"], [500], lat=[30.0], lon=[120.0])
    >>> sites = Supply(["near", "far"], [20, 80], lat=[30.0, 30.5], lon=[120.1, 120.0])
    >>> c = costs_from_coordinates(pop, sites, speed_kmh=30, cutoff_min=30)
    >>> [(r["site"], round(r["cost"], 2)) for r in c.rows()]
    [('near', 19.26)]
    """
    from medalliance._optional import require

    problems: list[Problem] = []
    if not population.has_coordinates:
        problems.append(Problem(("population",), "population points have no coordinates"))
    if not supply.has_coordinates:
        problems.append(Problem(("supply",), "supply sites have no coordinates"))
    for name, value, low, strict in (
        ("speed_kmh", speed_kmh, 0.0, True),
        ("cutoff_min", cutoff_min, 0.0, False),
        ("detour_factor", detour_factor, 1.0, False),
    ):
        ok = not isinstance(value, bool) and isinstance(value, int | float | np.number)
        v = float(value) if ok else math.nan
        if not (math.isfinite(v) and (v > low if strict else v >= low)):
            op = ">" if strict else ">="
            problems.append(
                Problem((name,), f"must be a finite number {op} {low:g}, got {value!r}")
            )
    if problems:
        raise MedAllianceError(problems)
    spatial = require("scipy.spatial", extra="core")
    cut = float(cutoff_min)
    factor = float(detour_factor) / float(speed_kmh) * 60.0 * EARTH_RADIUS_KM  # min per radian
    theta = cut / factor
    radius = 2.0 * math.sin(min(theta, math.pi) / 2.0)
    radius = radius * (1.0 + 1e-9) + 1e-12  # slack for rounding; the exact test comes after
    n, m = len(population), len(supply)
    assert population.lat is not None
    assert population.lon is not None
    assert supply.lat is not None
    assert supply.lon is not None
    site_xyz = _unit_vectors(supply.lat, supply.lon)
    counts = np.zeros(n, dtype=np.int64)
    parts_j: list[np.ndarray[Any, Any]] = []
    parts_c: list[FloatArray] = []
    if m:
        # sliding-midpoint trees without node compaction build about twice as fast here
        opts = {"balanced_tree": False, "compact_nodes": False}
        site_tree = spatial.cKDTree(site_xyz, **opts)
        with bar(
            total=n, desc="travel times", unit="origin", progress=progress, large=_LARGE
        ) as done:
            for start in range(0, n, _CHUNK):
                stop = min(start + _CHUNK, n)
                tree = spatial.cKDTree(
                    _unit_vectors(population.lat[start:stop], population.lon[start:stop]), **opts
                )
                counts[start:stop], sites, minutes = _chunk_costs(
                    tree, site_tree, radius, factor, cut
                )
                parts_j.append(sites)
                parts_c.append(minutes)
                done.update(stop - start)
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(counts, out=indptr[1:])
    indices = np.concatenate(parts_j) if parts_j else np.zeros(0, dtype=np.int32)
    cost = np.concatenate(parts_c) if parts_c else np.zeros(0, dtype=np.float64)
    return _build((population.ids, supply.ids), indptr, indices, cost, cutoff_min=cut)
