"""Equity of access: population-weighted Gini, Theil (with its decomposition), Palma, CI, FGT.

Every measure takes the access values of origins — an
:class:`~medalliance.accessibility.AccessibilityResult` or an array — and the people at each
origin as weights (a :class:`~medalliance.accessibility.Population` matched by id, an array
in the same order, or ``None`` for 1 each). All are computed after one sort, without pairwise
loops.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from medalliance.accessibility import AccessibilityResult, Population
from medalliance.accessibility._common import FloatArray, _as_amounts, _flag, _numbers
from medalliance.accessibility._inputs import _aligned
from medalliance.errors import MedAllianceError, Problem
from medalliance.model.types import Tabular

Values = AccessibilityResult | ArrayLike


def _inputs(
    values: Values, population: Population | ArrayLike | None, *, nonnegative: bool = True
) -> tuple[FloatArray, FloatArray]:
    """Values and weights checked together; one error names every problem."""
    problems: list[Problem] = []
    x: FloatArray | None = None
    if isinstance(values, AccessibilityResult):
        x = np.asarray(values.values, dtype=np.float64)
    else:
        try:
            arr = _numbers(values, "values")
            if arr.ndim != 1:
                raise MedAllianceError([Problem(("values",), f"must be 1-D, got {arr.shape}")])
            x = arr.astype(np.float64)
        except MedAllianceError as exc:
            problems.extend(exc.problems)
    if x is not None:
        bad = ~np.isfinite(x) | ((x < 0) if nonnegative else False)
        what = "finite and >= 0" if nonnegative else "finite"
        _flag(
            problems,
            ("values",),
            np.flatnonzero(bad),
            lambda i: f"must be {what}, got {x[i]}",
            "bad values",
        )
    w: FloatArray | None = None
    if population is None:
        w = None if x is None else np.ones(len(x))
    elif isinstance(values, AccessibilityResult):
        try:
            w = _aligned(population, values.origin_ids, "population", "population")
        except MedAllianceError as exc:
            problems.extend(exc.problems)
    elif x is not None:
        try:
            people = population.people if isinstance(population, Population) else population
            w = _as_amounts(people, len(x), "population")
        except MedAllianceError as exc:
            problems.extend(exc.problems)
    if w is not None and not problems and float(w.sum()) <= 0:
        problems.append(Problem(("population",), "the weights sum to 0: nobody to compare"))
    if problems:
        raise MedAllianceError(problems)
    assert x is not None
    assert w is not None
    keep = w > 0  # people-less origins carry no weight in any measure
    return x[keep], w[keep]


def _mean(x: FloatArray, w: FloatArray, field: str = "values") -> float:
    mu = float(x @ w / w.sum())
    if mu <= 0:
        raise MedAllianceError([Problem((field,), "the mean is 0: the measure is undefined")])
    return mu


def gini(values: Values, population: Population | ArrayLike | None = None) -> float:
    """Population-weighted Gini coefficient: ``Σ_i Σ_k w_i w_k |x_i - x_k| / (2 W² μ)``.

    0 when everyone has the same access; near 1 when one origin holds it all.

    Parameters
    ----------
    values : AccessibilityResult or sequence of float
        Access of each origin (>= 0).
    population : Population or sequence of float, optional
        People at each origin (weights); default 1 each.

    Returns
    -------
    float

    Raises
    ------
    MedAllianceError
        For negative or non-finite values or weights, mismatched lengths or ids, or a mean
        of 0.

    Examples
    --------
    >>> gini([2, 2, 2])
    0.0
    >>> gini([0, 0, 0, 4])
    0.75
    >>> gini([1, 3], population=[3, 1])
    0.25
    """
    x, w = _inputs(values, population)
    mu = _mean(x, w)
    order = np.argsort(x, kind="stable")
    xs, ws = x[order], w[order]
    total = ws.sum()
    after = np.cumsum(ws)
    before = after - ws
    g = float((ws * xs) @ (before + after - total) / (total * total * mu))
    return max(g, 0.0)  # equal values may leave a rounding residue below 0


@dataclass(frozen=True, eq=False, repr=False)
class TheilResult(Tabular):
    """The Theil index and its exact split into within- and between-group parts.

    ``total = within + between`` with ``within = Σ_g s_g·T_g`` and
    ``between = Σ_g s_g·ln(μ_g / μ)``, where ``s_g`` is group ``g``'s share of all access.

    Attributes
    ----------
    total, within, between : float
        The index and its two parts (``within`` is ``total`` and ``between`` 0 without groups).
    groups : tuple of (label, people, mean, share, theil)
        Per group: people, mean access, share of all access, and the group's own Theil.
    """

    total: float
    within: float
    between: float
    groups: tuple[tuple[Any, float, float, float, float], ...] = ()

    def __repr__(self) -> str:
        return (
            f"TheilResult(total {self.total:.6g}, within {self.within:.6g}, "
            f"between {self.between:.6g}, {len(self.groups)} groups)"
        )

    def rows(self) -> list[dict[str, Any]]:
        """One row per group: ``group``, ``people``, ``mean``, ``share``, ``theil``.

        Examples
        --------
        >>> theil([1, 1, 3, 3], groups=["a", "a", "b", "b"]).rows()[1]
        {'group': 'b', 'people': 2.0, 'mean': 3.0, 'share': 0.75, 'theil': 0.0}
        """
        keys = ("group", "people", "mean", "share", "theil")
        return [dict(zip(keys, g, strict=True)) for g in self.groups]


def _theil(x: FloatArray, w: FloatArray) -> float:
    mu = float(x @ w / w.sum())
    r = x / mu
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(r > 0, r * np.log(np.where(r > 0, r, 1.0)), 0.0)
    return max(float(terms @ w / w.sum()), 0.0)  # >= 0 (Jensen); no rounding residue


def theil(
    values: Values,
    population: Population | ArrayLike | None = None,
    *,
    groups: ArrayLike | None = None,
) -> TheilResult:
    """Population-weighted Theil T index, split within and between groups.

    ``T = (1/W) Σ_i w_i (x_i/μ) ln(x_i/μ)`` (``0·ln 0 = 0``).

    Parameters
    ----------
    values, population
        As for :func:`gini`.
    groups : sequence, optional
        A group label per origin (county, urban/rural, alliance); gives the decomposition.

    Returns
    -------
    TheilResult

    Examples
    --------
    >>> r = theil([1, 1, 3, 3], groups=["a", "a", "b", "b"])
    >>> round(r.total, 6), round(r.within, 6), round(r.between, 6)
    (0.130812, 0.0, 0.130812)
    """
    x_all, w_all = _inputs(values, population)
    keep_labels = None
    if groups is not None:
        labels = np.asarray(groups)
        full = _full_length(values)
        if labels.ndim != 1 or len(labels) != full:
            msg = f"expected {full} group labels (one per origin), got shape {labels.shape}"
            raise MedAllianceError([Problem(("groups",), msg)])
        keep_labels = labels[_weights_kept(values, population)]
    mu = _mean(x_all, w_all)
    total = _theil(x_all, w_all)
    if keep_labels is None:
        return TheilResult(total=total, within=total, between=0.0)
    uniq, inverse = np.unique(keep_labels, return_inverse=True)
    people = np.bincount(inverse, weights=w_all)
    amount = np.bincount(inverse, weights=w_all * x_all)
    share = amount / amount.sum()
    means = amount / people
    per = [
        _theil(x_all[inverse == g], w_all[inverse == g]) if means[g] > 0 else 0.0
        for g in range(len(uniq))
    ]
    within = float(share @ np.asarray(per))
    with np.errstate(divide="ignore"):
        logs = np.where(means > 0, np.log(np.where(means > 0, means, 1.0) / mu), 0.0)
    between = float(share @ logs)
    rows = tuple(
        (uniq[g].item(), float(people[g]), float(means[g]), float(share[g]), float(per[g]))
        for g in range(len(uniq))
    )
    return TheilResult(total=total, within=within, between=between, groups=rows)


def _full_length(values: Values) -> int:
    if isinstance(values, AccessibilityResult):
        return len(values.values)
    return len(np.asarray(values))


def _weights_kept(values: Values, population: Population | ArrayLike | None) -> Any:
    """Which origins :func:`_inputs` keeps (people > 0), in the full order."""
    if population is None:
        return np.ones(_full_length(values), dtype=bool)
    if isinstance(values, AccessibilityResult):
        w = _aligned(population, values.origin_ids, "population", "population")
    else:
        people = population.people if isinstance(population, Population) else population
        w = _as_amounts(people, _full_length(values), "population")
    return w > 0


def _ranked(
    values: Values, population: Population | ArrayLike | None, rank_by: ArrayLike | None
) -> tuple[FloatArray, FloatArray, FloatArray]:
    x, w = _inputs(values, population)
    if rank_by is None:
        return x, w, x
    key = _numbers(rank_by, "rank_by").astype(np.float64)
    full = _full_length(values)
    problems: list[Problem] = []
    if key.ndim != 1 or len(key) != full:
        msg = f"expected {full} values (one per origin), got shape {key.shape}"
        raise MedAllianceError([Problem(("rank_by",), msg)])
    _flag(
        problems,
        ("rank_by",),
        np.flatnonzero(~np.isfinite(key)),
        lambda i: f"must be finite, got {key[i]}",
        "bad values",
    )
    if problems:
        raise MedAllianceError(problems)
    return x, w, key[_weights_kept(values, population)]


def palma(
    values: Values,
    population: Population | ArrayLike | None = None,
    *,
    rank_by: ArrayLike | None = None,
) -> float:
    """Palma ratio: the share of access held by the top 10% over that of the bottom 40%.

    People are ranked by ``rank_by`` (income, say) or by the access itself; an origin
    straddling the 10% or 40% line is split (its people share one value).

    Parameters
    ----------
    values, population
        As for :func:`gini`.
    rank_by : sequence of float, optional
        The ranking variable per origin; default the access values.

    Returns
    -------
    float
        Equal access gives 0.25 (10% of the people over 40%); larger is less equal.

    Examples
    --------
    >>> round(palma([1, 1, 1, 1, 1, 1, 1, 1, 1, 1]), 12)
    0.25
    >>> round(palma([1, 1, 1, 1, 2, 2, 2, 2, 2, 4]), 12)
    1.0
    """
    x, w, key = _ranked(values, population, rank_by)
    _mean(x, w)
    order = np.lexsort((x, key))
    cw = np.concatenate(([0.0], np.cumsum(w[order]) / w.sum()))
    cv = np.concatenate(([0.0], np.cumsum((w * x)[order]) / (w @ x)))
    bottom = float(np.interp(0.4, cw, cv))
    top = 1.0 - float(np.interp(0.9, cw, cv))
    if bottom <= 0:
        msg = "the bottom 40% hold no access: the Palma ratio is undefined"
        raise MedAllianceError([Problem(("values",), msg)])
    return top / bottom


def concentration_index(
    values: Values,
    population: Population | ArrayLike | None = None,
    *,
    rank_by: ArrayLike,
) -> float:
    """Concentration index of access over a ranking (e.g. income): ``2·cov_w(x, R) / μ``.

    ``R`` is each person's fractional rank by ``rank_by`` (ties share their mean rank);
    negative when access concentrates among the low-ranked (pro-poor), positive otherwise.

    Parameters
    ----------
    values, population
        As for :func:`gini` (values may be any finite numbers with a mean > 0).
    rank_by : sequence of float
        The ranking variable per origin.

    Returns
    -------
    float

    Examples
    --------
    >>> concentration_index([1, 2, 3, 4], rank_by=[10, 20, 30, 40])
    0.25
    >>> concentration_index([4, 3, 2, 1], rank_by=[10, 20, 30, 40])
    -0.25
    """
    x, w, key = _ranked(values, population, rank_by)
    mu = _mean(x, w)
    order = np.argsort(key, kind="stable")
    ks, ws = key[order], w[order]
    total = ws.sum()
    mid = (np.cumsum(ws) - ws / 2.0) / total
    # ties share the people-weighted mean of their ranks
    _, start, inverse = np.unique(ks, return_index=True, return_inverse=True)
    del start
    tie_mean = np.bincount(inverse, weights=ws * mid) / np.bincount(inverse, weights=ws)
    rank = np.empty_like(mid)
    rank[order] = tie_mean[inverse]
    rbar = float(rank @ w / total)
    cov = float(((x - mu) * (rank - rbar)) @ w / total)
    return 2.0 * cov / mu


def fgt(
    values: Values,
    population: Population | ArrayLike | None = None,
    *,
    poverty_line: float,
    alpha: float = 0,
) -> float:
    """Foster-Greer-Thorbecke measure of access below a line ``z``.

    ``FGT_α = (1/W) Σ_{x_i < z} w_i ((z - x_i) / z)^α``: ``α = 0`` the share of people below
    the line, ``α = 1`` the mean shortfall, ``α = 2`` its severity.

    Parameters
    ----------
    values, population
        As for :func:`gini`.
    poverty_line : float
        The line ``z`` (> 0), in the unit of the values (e.g. 2 beds per 1,000 people).
    alpha : float, default 0
        Sensitivity (>= 0).

    Returns
    -------
    float

    Examples
    --------
    >>> fgt([0, 1, 2, 4], poverty_line=2)
    0.5
    >>> fgt([0, 1, 2, 4], poverty_line=2, alpha=1)
    0.375
    """
    problems = []
    for name, v, strict in (("poverty_line", poverty_line, True), ("alpha", alpha, False)):
        ok = not isinstance(v, bool) and isinstance(v, int | float | np.number)
        if not ok or not math.isfinite(float(v)) or float(v) < 0 or (strict and float(v) == 0):
            limit = "> 0" if strict else ">= 0"
            problems.append(Problem((name,), f"must be a finite number {limit}, got {v!r}"))
    if problems:
        raise MedAllianceError(problems)
    x, w = _inputs(values, population)
    z = float(poverty_line)
    below = x < z
    gap = np.where(below, (z - x) / z, 0.0)
    terms = np.where(below, gap ** float(alpha), 0.0)
    return float(terms @ w / w.sum())


@dataclass(frozen=True, eq=False, repr=False)
class EquityTable(Tabular):
    """Equity measures of several options side by side (one row per option).

    Attributes
    ----------
    options : tuple of dict
        Per option: ``option``, ``mean``, ``gini``, ``theil``, ``palma`` (``None`` when the
        bottom 40% hold no access) and, when asked, ``concentration`` and
        ``fgt0``/``fgt1``/``fgt2``.
    """

    options: tuple[dict[str, Any], ...]

    def __repr__(self) -> str:
        return f"EquityTable({len(self.options)} options)"

    def rows(self) -> list[dict[str, Any]]:
        """One row per option (a copy).

        Examples
        --------
        >>> equity_table({"now": [1, 3], "plan": [2, 2]}).rows()[1]["gini"]
        0.0
        """
        return [dict(r) for r in self.options]


def _palma_or_none(
    values: Values, population: Population | ArrayLike | None, rank_by: ArrayLike | None
) -> float | None:
    """The Palma ratio, or ``None`` when the bottom 40% hold no access (it is undefined)."""
    x, w, key = _ranked(values, population, rank_by)
    order = np.lexsort((x, key))
    cw = np.concatenate(([0.0], np.cumsum(w[order]) / w.sum()))
    cv = np.concatenate(([0.0], np.cumsum((w * x)[order])))
    if float(np.interp(0.4, cw, cv)) <= 0:
        return None
    return palma(values, population, rank_by=rank_by)


def equity_table(
    options: Mapping[str, Values],
    population: Population | ArrayLike | None = None,
    *,
    rank_by: ArrayLike | None = None,
    poverty_line: float | None = None,
) -> EquityTable:
    """Compare options (e.g. before and after a new centre) on fairness, not only totals.

    Parameters
    ----------
    options : mapping of str to AccessibilityResult or sequence of float
        The access values of each option, all over the same origins.
    population : Population or sequence of float, optional
        People at each origin.
    rank_by : sequence of float, optional
        A ranking variable (income): adds the concentration index.
    poverty_line : float, optional
        Adds FGT 0, 1 and 2 at this line.

    Returns
    -------
    EquityTable

    Examples
    --------
    >>> t = equity_table({"now": [1, 3], "plan": [2, 2]}, population=[1, 1])
    >>> [(r["option"], round(r["gini"], 3)) for r in t.rows()]
    [('now', 0.25), ('plan', 0.0)]
    """
    out = []
    for name, vals in options.items():
        x, w = _inputs(vals, population)
        row: dict[str, Any] = {
            "option": name,
            "mean": float(x @ w / w.sum()),
            "gini": gini(vals, population),
            "theil": theil(vals, population).total,
            "palma": _palma_or_none(vals, population, rank_by),
        }
        if rank_by is not None:
            row["concentration"] = concentration_index(vals, population, rank_by=rank_by)
        if poverty_line is not None:
            for a in (0, 1, 2):
                row[f"fgt{a}"] = fgt(vals, population, poverty_line=poverty_line, alpha=a)
        out.append(row)
    return EquityTable(options=tuple(out))
