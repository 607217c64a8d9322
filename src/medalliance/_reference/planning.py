"""Brute-force site selection: the oracle of :mod:`medalliance.planning`.

Written from the textbook definitions over plain dicts and lists; nothing here imports
:mod:`medalliance.planning`. Every subset of the candidates is tried, so keep the candidates
to about 14.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Hashable, Mapping, Sequence
from typing import Any

Pairs = Mapping[tuple[Hashable, Hashable], float]
"""Travel time of each (origin, site) pair that exists."""


def _reachable(
    pairs: Pairs, origin: Hashable, sites: Sequence[Hashable], cutoff_min: float | None
) -> list[float]:
    out = []
    for s in sites:
        d = pairs.get((origin, s))
        if d is not None and (cutoff_min is None or d <= cutoff_min):
            out.append(d)
    return out


def objective_of(
    kind: str,
    pairs: Pairs,
    people: Mapping[Any, float],
    sites: Sequence[Hashable],
    cutoff_min: float | None,
) -> float | None:
    """The objective of opening ``sites``; ``None`` when someone to serve is left unserved.

    ``max_coverage``: people with an open site within the cutoff; ``p_median``: people times
    the travel time to their nearest open site; ``p_center``: the longest such time among
    origins with people; ``set_cover``: the number of sites.

    Examples
    --------
    >>> pairs = {("a", "x"): 3.0, ("b", "x"): 8.0, ("b", "y"): 1.0}
    >>> objective_of("p_median", pairs, {"a": 2, "b": 1}, ["x"], None)
    14.0
    """
    total = 0.0
    worst = 0.0
    for origin, n in people.items():
        times = _reachable(pairs, origin, sites, cutoff_min)
        if kind == "max_coverage":
            total += n if times else 0.0
            continue
        if n <= 0:
            continue
        if not times:
            return None
        total += n * min(times)
        worst = max(worst, min(times))
    if kind == "p_center":
        return worst
    if kind == "set_cover":
        return float(len(sites))
    return total


def brute_force(
    kind: str,
    pairs: Pairs,
    people: Mapping[Any, float],
    candidates: Sequence[Hashable],
    *,
    p: int | None,
    cutoff_min: float | None,
    fixed: Sequence[Hashable] = (),
) -> tuple[float | None, list[tuple[Hashable, ...]]]:
    """The optimum over every choice of sites, and every choice reaching it.

    ``set_cover`` tries sizes ``len(fixed), len(fixed) + 1, ...`` and stops at the first size
    that covers everyone with people (``p`` is ignored). Returns ``(None, [])`` when no
    choice serves everyone.

    Examples
    --------
    >>> pairs = {("a", "x"): 3.0, ("b", "x"): 8.0, ("b", "y"): 1.0}
    >>> brute_force("max_coverage", pairs, {"a": 2, "b": 1}, ["x", "y"], p=1, cutoff_min=5)
    (2.0, [('x',)])
    """
    fixed_set = set(fixed)
    free = [c for c in candidates if c not in fixed_set]
    sizes = [p - len(fixed_set)] if p is not None else list(range(len(free) + 1))
    maximise = kind == "max_coverage"
    best: float | None = None
    winners: list[tuple[Hashable, ...]] = []
    for size in sizes:
        for extra in itertools.combinations(free, size):
            chosen = tuple(sorted([*fixed_set, *extra], key=str))
            value = objective_of(kind, pairs, people, chosen, cutoff_min)
            if value is None:
                continue
            if best is None or (
                (value > best if maximise else value < best)
                and not math.isclose(value, best, rel_tol=1e-9, abs_tol=1e-9)
            ):
                best, winners = value, [chosen]
            elif math.isclose(value, best, rel_tol=1e-9, abs_tol=1e-9):
                winners.append(chosen)
        if kind == "set_cover" and best is not None:
            break
    return best, winners


def _connected(units: set[Hashable], adjacency: Mapping[Hashable, set[Hashable]]) -> bool:
    if not units:
        return True
    start = next(iter(units))
    seen = {start}
    stack = [start]
    while stack:
        u = stack.pop()
        for v in adjacency.get(u, set()):
            if v in units and v not in seen:
                seen.add(v)
                stack.append(v)
    return seen == units


def hop_distance(
    adjacency: Mapping[Hashable, set[Hashable]], source: Hashable
) -> dict[Hashable, float]:
    """Adjacency steps from ``source`` to every unit it reaches (breadth-first).

    Examples
    --------
    >>> hop_distance({1: {2}, 2: {1, 3}, 3: {2}}, 1)
    {1: 0.0, 2: 1.0, 3: 2.0}
    """
    out = {source: 0.0}
    frontier = [source]
    while frontier:
        nxt = []
        for u in frontier:
            for v in sorted(adjacency.get(u, set()), key=str):
                if v not in out:
                    out[v] = out[u] + 1.0
                    nxt.append(v)
        frontier = nxt
    return out


def enumerate_partitions(
    units: Sequence[Hashable],
    edges: Sequence[tuple[Hashable, Hashable]],
    leads: Sequence[Hashable],
    people: Mapping[Any, float],
    *,
    min_people: float | None = None,
    max_people: float | None = None,
    costs: Mapping[tuple[Hashable, Hashable], float] | None = None,
) -> tuple[float | None, list[dict[Hashable, Hashable]]]:
    """The best contiguous partition around ``leads`` by trying every assignment.

    ``costs[(lead, unit)]`` is the travel of a unit to a lead (default: adjacency steps).
    Returns the optimum of ``Σ people·travel`` and every assignment (unit → lead) reaching
    it, or ``(None, [])`` when none meets the bounds. ``len(leads) ** len(units)`` grows
    fast: keep to about 12 units.

    Examples
    --------
    >>> enumerate_partitions([0, 1, 2], [(0, 1), (1, 2)], [0, 2], {0: 1, 1: 5, 2: 1})
    (5.0, [{0: 0, 1: 0, 2: 2}, {0: 0, 1: 2, 2: 2}])
    """
    adjacency: dict[Hashable, set[Hashable]] = {u: set() for u in units}
    for a, b in edges:
        if a != b:
            adjacency[a].add(b)
            adjacency[b].add(a)
    if costs is None:
        hops = {lead: hop_distance(adjacency, lead) for lead in leads}
        costs = {(lead, u): d for lead in leads for u, d in hops[lead].items()}
    free = [u for u in units if u not in set(leads)]
    best: float | None = None
    winners: list[dict[Hashable, Hashable]] = []
    for choice in itertools.product(leads, repeat=len(free)):
        assign = dict(zip(free, choice, strict=True))
        assign.update({lead: lead for lead in leads})
        ok = True
        total = 0.0
        for lead in leads:
            members = {u for u in units if assign[u] == lead}
            size = sum(people[u] for u in members)
            if (min_people is not None and size < min_people) or (
                max_people is not None and size > max_people
            ):
                ok = False
                break
            if not _connected(members, adjacency):
                ok = False
                break
            total += sum(people[u] * costs[(lead, u)] for u in members)
        if not ok:
            continue
        if best is None or total < best - 1e-9:
            best, winners = total, [{u: assign[u] for u in units}]
        elif abs(total - best) <= 1e-9:
            winners.append({u: assign[u] for u in units})
    return best, winners
