"""Site-selection inputs checked once: people, candidates, fixed sites, capacities, the pairs.

Every entry point of :mod:`medalliance.planning` turns its arguments into a :class:`_Problem`
here, so one rule decides what a valid problem is, and one :class:`MedAllianceError` names
every problem found (infeasible ``p``, negative people, capacities below demand, fixed sites
outside the candidates, unknown ids, origins no candidate can serve).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from numpy.typing import ArrayLike

from medalliance.accessibility import CostMatrix, Population, Supply
from medalliance.accessibility._common import (
    BoolArray,
    FloatArray,
    IntArray,
    _flag,
    _id_text,
    _lookup,
)
from medalliance.accessibility._costs import _check_cutoff
from medalliance.accessibility._inputs import _aligned
from medalliance.errors import MedAllianceError, Problem

Kind = Literal["max_coverage", "p_median", "set_cover", "p_center"]


@dataclass(frozen=True)
class _Problem:
    """A checked site-selection problem on the pairs that may be used.

    ``ptr``/``cols``/``cost`` hold, per origin, only the pairs to candidate sites within the
    cutoff (site positions in the cost structure's order).
    """

    kind: Kind
    costs: CostMatrix
    people: FloatArray
    needs: BoolArray  # origins that must be served (people > 0)
    candidate: BoolArray  # per site
    fixed: IntArray  # site positions, sorted
    capacity: FloatArray | None
    p: int | None
    cutoff_min: float | None
    ptr: IntArray
    cols: IntArray
    cost: FloatArray

    @property
    def n(self) -> int:
        return self.costs.n_origins

    @property
    def m(self) -> int:
        return self.costs.n_sites

    def rows(self) -> IntArray:
        """The origin position of every usable pair."""
        out: IntArray = np.repeat(np.arange(self.n, dtype=np.int64), np.diff(self.ptr))
        return out


def _sites(
    costs: CostMatrix, values: ArrayLike | None, field: str, problems: list[Problem]
) -> IntArray | None:
    """Positions of site ids (sorted, duplicates are problems), or ``None`` when not given."""
    if values is None:
        return None
    try:
        pos = np.asarray(_lookup(costs.site_ids, values, field, "site"), dtype=np.int64)
    except MedAllianceError as exc:
        problems.extend(exc.problems)
        return None
    uniq, counts = np.unique(pos, return_counts=True)
    for j in uniq[counts > 1][:20].tolist():
        problems.append(Problem((field,), f"site {_id_text(costs.site_ids[j])} is listed twice"))
    return uniq


def _check_p(p: Any, n_candidates: int, n_fixed: int, problems: list[Problem]) -> int | None:
    if isinstance(p, bool) or not isinstance(p, int | np.integer):
        problems.append(Problem(("p",), f"must be a whole number of sites, got {p!r}"))
        return None
    p = int(p)
    out: int = p
    if p < 1:
        problems.append(Problem(("p",), f"must be >= 1, got {p}"))
    elif p > n_candidates:
        msg = f"{p} sites asked for but there are only {n_candidates} candidate sites"
        problems.append(Problem(("p",), msg))
    if n_fixed > p:
        msg = f"{n_fixed} fixed sites are already more than the {p} sites to select"
        problems.append(Problem(("p",), msg))
    return out


def _usable_pairs(
    costs: CostMatrix, candidate: BoolArray, cut: float | None
) -> tuple[IntArray, IntArray, FloatArray]:
    keep = candidate[costs.indices]
    if cut is not None:
        keep &= costs.cost <= cut
    kept = np.flatnonzero(keep)
    counts = np.bincount(costs.origin_positions()[kept], minlength=costs.n_origins)
    ptr = np.zeros(costs.n_origins + 1, dtype=np.int64)
    np.cumsum(counts, out=ptr[1:])
    return ptr, costs.indices[kept].astype(np.int64), costs.cost[kept]


def _capacity_problems(
    capacity: FloatArray, candidate: BoolArray, people: FloatArray, p: int | None
) -> list[Problem]:
    """Capacitated p-median: the ``p`` largest candidate capacities must hold every person."""
    if p is None:
        return []
    caps = np.sort(capacity[candidate])[::-1][:p]
    total = float(people.sum())
    if float(caps.sum()) + 1e-9 * max(total, 1.0) < total:
        msg = (
            f"the {p} largest candidate capacities hold {float(caps.sum()):g} people, "
            f"below the demand of {total:g}: no choice of {p} sites can serve everyone"
        )
        return [Problem(("capacity",), msg)]
    return []


def _stranded(costs: CostMatrix, stranded: BoolArray, cut: float | None) -> list[Problem]:
    """Origins to serve that no candidate reaches, each named."""
    problems: list[Problem] = []
    where = "within the cutoff" if cut is not None else "in the cost structure"
    _flag(
        problems,
        ("costs",),
        np.flatnonzero(stranded),
        lambda i: (
            f"origin {_id_text(costs.origin_ids[i])} has no candidate site {where}: "
            "it cannot be served"
        ),
        "origins without a candidate site",
    )
    return problems


def prepare(
    kind: Kind,
    costs: CostMatrix,
    population: Population | ArrayLike | None,
    *,
    p: int | None,
    cutoff_min: float | None,
    candidates: ArrayLike | None,
    fixed: ArrayLike | None,
    capacity: Supply | ArrayLike | None = None,
) -> _Problem:
    """Check every argument of a site-selection call; one error names every problem."""
    if not isinstance(costs, CostMatrix):
        msg = f"expected a CostMatrix, got {type(costs).__name__}"
        raise MedAllianceError([Problem(("costs",), msg)])
    problems: list[Problem] = []
    people = np.ones(costs.n_origins)
    if population is not None:
        try:
            people = _aligned(population, costs.origin_ids, "population", "population")
        except MedAllianceError as exc:
            problems.extend(exc.problems)
    cut = None
    try:
        cut = _check_cutoff(costs, cutoff_min, "cutoff_min")
    except MedAllianceError as exc:
        problems.extend(exc.problems)
    cand_pos = _sites(costs, candidates, "candidates", problems)
    fixed_pos = _sites(costs, fixed, "fixed", problems)
    candidate = np.ones(costs.n_sites, dtype=bool)
    if cand_pos is not None:
        candidate[:] = False
        candidate[cand_pos] = True
    if fixed_pos is None:
        fixed_pos = np.zeros(0, dtype=np.int64)
    outside = fixed_pos[~candidate[fixed_pos]]
    for j in outside[:20].tolist():
        msg = f"fixed site {_id_text(costs.site_ids[j])} is not among the candidates"
        problems.append(Problem(("fixed",), msg))
    n_cand = int(candidate.sum())
    if n_cand == 0:
        problems.append(Problem(("candidates",), "no candidate site"))
    checked_p = None if p is None else _check_p(p, n_cand, len(fixed_pos), problems)
    caps = None
    if capacity is not None:
        try:
            caps = _aligned(capacity, costs.site_ids, "capacity", "capacity")
        except MedAllianceError as exc:
            problems.extend(exc.problems)
    if problems:
        raise MedAllianceError(problems)
    if caps is not None and kind == "p_median":
        problems.extend(_capacity_problems(caps, candidate, people, checked_p))
    ptr, cols, cost = _usable_pairs(costs, candidate, cut)
    needs = people > 0
    if kind in ("p_median", "set_cover", "p_center"):
        problems.extend(_stranded(costs, needs & (np.diff(ptr) == 0), cut))
    if problems:
        raise MedAllianceError(problems)
    return _Problem(
        kind=kind,
        costs=costs,
        people=people,
        needs=needs,
        candidate=candidate,
        fixed=fixed_pos,
        capacity=caps,
        p=checked_p,
        cutoff_min=cut,
        ptr=ptr,
        cols=cols,
        cost=cost,
    )


def warm_sites(prob: _Problem, warm_start: ArrayLike | None) -> IntArray | None:
    """The warm-start sites checked: known candidates, the fixed sites included, ``p`` of them."""
    if warm_start is None:
        return None
    problems: list[Problem] = []
    pos = _sites(prob.costs, warm_start, "warm_start", problems)
    if pos is not None:
        ids = prob.costs.site_ids
        for j in pos[~prob.candidate[pos]][:20].tolist():
            msg = f"site {_id_text(ids[j])} is not among the candidates"
            problems.append(Problem(("warm_start",), msg))
        for j in np.setdiff1d(prob.fixed, pos)[:20].tolist():
            msg = f"fixed site {_id_text(ids[j])} is missing from the warm start"
            problems.append(Problem(("warm_start",), msg))
        if prob.p is not None and len(pos) != prob.p:
            msg = f"has {len(pos)} sites, the problem selects p = {prob.p}"
            problems.append(Problem(("warm_start",), msg))
    if problems:
        raise MedAllianceError(problems)
    return pos


def check_time_limit(time_limit_s: float | None) -> float | None:
    """``time_limit_s``: ``None`` or a number > 0 (seconds)."""
    if time_limit_s is None:
        return None
    if isinstance(time_limit_s, bool) or not isinstance(time_limit_s, int | float | np.number):
        msg = f"must be a number of seconds, got {time_limit_s!r}"
        raise MedAllianceError([Problem(("time_limit_s",), msg)])
    t = float(time_limit_s)
    if not (math.isfinite(t) and t > 0):
        raise MedAllianceError([Problem(("time_limit_s",), f"must be > 0 seconds, got {t}")])
    return t
