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
