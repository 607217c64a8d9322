"""Spatial accessibility: the floating catchment family, gravity, nearest cost, coverage.

Demand sits at population points (*origins* ``i``, people ``P_i``); supply sits at sites
(*destinations* ``j``, capacity ``S_j`` — beds, doctors, clinic sessions). A travel cost
``d_ij`` (minutes, usually) links them, and a weight ``W(d)`` says how much a pair counts.

- **2SFCA** (Luo & Wang 2003): ``W = 1`` for ``d <= d0``. Step 1, for every site,
  ``R_j = S_j / D_j`` with ``D_j = Σ_k P_k·W(d_kj)``; step 2, for every origin,
  ``A_i = Σ_j R_j·W(d_ij)``.
- **E2SFCA** (Luo & Qi 2009): the same with stepped zone weights (default 0–10, 10–20 and
  20–30 minutes → 1, 0.68, 0.22; :data:`E2SFCA_ZONES`).
- **Gravity** (kernel or power decay): the same with a continuous weight, e.g.
  ``exp(−d²/2σ²)`` or ``max(d, d_min)^−β``.
- **3SFCA** (Wan, Zou & Sternberg 2012): a selection weight
  ``G_ij = W_ij / Σ_l W_il`` (over the sites in the origin's catchment) multiplies the weight
  in both steps: ``D_j = Σ_k G_kj·W_kj·P_k``, ``A_i = Σ_j G_ij·W_ij·R_j``.
- :func:`nearest_cost` (cost to the nearest site) and :func:`coverage_within` (share of the
  population within a threshold of a site, e.g. China's 15-minute health circle).

The rules every function follows:

- **Inclusive cutoff**: a pair counts when ``cost <= cutoff``; a cost of exactly the cutoff
  is inside. A cost of exactly 0 is a valid pair (the cost structure keeps it, unlike a
  sparse matrix that drops zeros).
- **Zero demand**: a site with no weighted demand in its catchment (``D_j = 0``) has ratio
  ``R_j = 0``: its supply reaches nobody and is reported in
  :attr:`AccessibilityResult.unserved_sites`, never turned into ``inf`` or ``NaN``. Hence
  ``Σ_i P_i·A_i = Σ_{j: D_j > 0} S_j`` exactly (supply conservation).
- **Unreached origins**: an origin with no site in reach has accessibility 0.
- **Zero supply**: a site with capacity 0 has ratio 0.
- Inputs are never modified; results are frozen, with read-only arrays in the order of the
  ids the cost structure was built with.

Travel costs come from a long table (:func:`costs_from_table`), a scipy sparse matrix
(:func:`costs_from_sparse`) or coordinates (:func:`costs_from_coordinates`: great-circle
distance at an assumed speed, found with a KD-tree within the cutoff — never an all-pairs
matrix). scipy is imported inside the functions that need it.

Examples
--------
>>> pop = Population(["a", "b", "c"], [100, 200, 300])
>>> beds = Supply(["x", "y"], [10, 6])
>>> costs = costs_from_table(
...     ["a", "a", "b", "b", "c"], ["x", "y", "x", "y", "y"], [5, 25, 15, 10, 30],
...     origin_ids=pop.ids, site_ids=beds.ids)
>>> res = two_step_fca(costs, pop, beds, cutoff=20)
>>> res.values.round(4).tolist()
[0.0333, 0.0633, 0.0]
>>> coverage_within(costs, pop, threshold=15).share
0.5
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Annotated, Any, ClassVar, Literal

import numpy as np
from numpy.typing import ArrayLike
from pydantic import Field, model_validator

from medalliance._geo import EARTH_RADIUS_KM
from medalliance.errors import MedAllianceError, Problem
from medalliance.institution import Institution, InstitutionKind, Tier
from medalliance.registry import Registry
from medalliance.types import FrozenModel, Tabular

__all__ = [
    "E2SFCA_ZONES",
    "AccessibilityResult",
    "CostMatrix",
    "CoverageResult",
    "Decay",
    "ExponentialDecay",
    "GaussianDecay",
    "NearestResult",
    "Population",
    "PowerDecay",
    "StepWeights",
    "Supply",
    "costs_from_coordinates",
    "costs_from_sparse",
    "costs_from_table",
    "coverage_within",
    "enhanced_two_step_fca",
    "gravity",
    "nearest_cost",
    "supply_from_registry",
    "three_step_fca",
    "two_step_fca",
]

FloatArray = np.ndarray[Any, np.dtype[np.float64]]
IntArray = np.ndarray[Any, np.dtype[np.int64]]
BoolArray = np.ndarray[Any, np.dtype[np.bool_]]
IdArray = np.ndarray[Any, np.dtype[Any]]
"""Ids: a read-only 1-D array of ``str`` (numpy unicode) or ``int64``."""

_LISTED = 20
"""At most this many problems of one kind are listed; the rest are counted in one line."""
_CHUNK = 65_536
"""Origins per KD-tree chunk (local row numbers fit in uint16, so sorting is a radix sort)."""


# --------------------------------------------------------------------------------------
# input helpers


def _readonly(a: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    a.flags.writeable = False
    return a


def _flag(
    out: list[Problem],
    path: tuple[str | int, ...],
    positions: np.ndarray[Any, Any],
    message: Callable[[int], str],
    what: str,
) -> None:
    """Add one problem per bad position (at most ``_LISTED``, then one line with the rest)."""
    for p in positions[:_LISTED].tolist():
        out.append(Problem((*path, int(p)), message(int(p))))
    if len(positions) > _LISTED:
        out.append(Problem(path, f"... and {len(positions) - _LISTED} more {what}"))


def _id_array(values: ArrayLike) -> np.ndarray[Any, Any]:
    """An array of ids without numpy's silent coercion of mixed lists (``["a", 2]``)."""
    if isinstance(values, list | tuple):
        return np.array(values, dtype=object) if len(values) else np.array([], dtype=str)
    return np.asarray(values)


def _as_ids(values: ArrayLike, field: str) -> IdArray:
    """Ids as a fresh read-only 1-D array of str or int64; duplicates are errors."""
    arr = _id_array(values)
    if arr.ndim != 1:
        raise MedAllianceError([Problem((field,), f"ids must be 1-D, got shape {arr.shape}")])
    kind = arr.dtype.kind
    if kind == "O":
        arr = _as_ids_loose(arr, field)
        kind = arr.dtype.kind
    if kind in "iu":
        if kind == "u" and arr.size and int(arr.max()) > np.iinfo(np.int64).max:
            raise MedAllianceError([Problem((field,), "integer ids must fit in int64")])
        out = arr.astype(np.int64, copy=True)
    elif kind == "U":
        out = arr.copy()
    else:
        raise MedAllianceError(
            [Problem((field,), f"ids must be strings or integers, got dtype {arr.dtype}")]
        )
    order = np.argsort(out, kind="stable")
    s = out[order]
    dup = order[1:][s[1:] == s[:-1]]
    if len(dup):
        problems: list[Problem] = []
        _flag(
            problems,
            (field,),
            np.sort(dup),
            lambda i: f"duplicate id {_id_text(out[i])}",
            "duplicate ids",
        )
        raise MedAllianceError(problems)
    return _readonly(out)


def _numbers(values: ArrayLike, field: str) -> np.ndarray[Any, Any]:
    """An array of numbers; None, text or booleans (mixed in or not) are errors."""
    arr = np.array(values, dtype=object) if isinstance(values, list | tuple) else np.asarray(values)
    if arr.dtype.kind in "USV":
        raise MedAllianceError([Problem((field,), f"must be numbers, got {arr.dtype}")])
    if arr.dtype.kind == "b":
        raise MedAllianceError([Problem((field,), "must be numbers, got booleans")])
    if arr.dtype.kind != "O":
        return arr
    items = arr.ravel().tolist()
    bad = [
        i
        for i, x in enumerate(items)
        if isinstance(x, bool) or not isinstance(x, int | float | np.number)
    ]
    if bad:
        problems: list[Problem] = []
        _flag(
            problems,
            (field,),
            np.asarray(bad),
            lambda i: f"must be a number, got {items[i]!r}",
            "values that are not numbers",
        )
        raise MedAllianceError(problems)
    return arr.astype(np.float64)


def _as_amounts(values: ArrayLike, n: int, field: str) -> FloatArray:
    """Non-negative finite float64 amounts (people, capacity), a fresh read-only copy."""
    arr = _numbers(values, field)
    if arr.dtype.kind not in "iuf":
        raise MedAllianceError([Problem((field,), f"values must be numbers, got {arr.dtype}")])
    if arr.ndim != 1 or len(arr) != n:
        raise MedAllianceError(
            [Problem((field,), f"expected {n} values (one per id), got shape {arr.shape}")]
        )
    out = arr.astype(np.float64, copy=True)
    problems: list[Problem] = []
    _flag(
        problems,
        (field,),
        np.flatnonzero(~np.isfinite(out)),
        lambda i: f"must be a finite number, got {out[i]}",
        "non-finite values",
    )
    _flag(
        problems,
        (field,),
        np.flatnonzero(out < 0),
        lambda i: f"must be >= 0, got {out[i]}",
        "negative values",
    )
    if problems:
        raise MedAllianceError(problems)
    return _readonly(out)


def _as_coords(lat: ArrayLike | None, lon: ArrayLike | None, n: int) -> tuple[Any, Any]:
    if lat is None and lon is None:
        return None, None
    if lat is None or lon is None:
        raise MedAllianceError([Problem(("lat",), "lat and lon must be given together")])
    problems: list[Problem] = []
    out: list[FloatArray] = []
    for field, values, limit in (("lat", lat, 90.0), ("lon", lon, 180.0)):
        try:
            arr = _numbers(values, field).astype(np.float64, copy=True)
        except MedAllianceError as exc:
            problems.extend(exc.problems)
            continue
        if arr.ndim != 1 or len(arr) != n:
            problems.append(Problem((field,), f"expected {n} values, got shape {arr.shape}"))
            out.append(arr)
            continue
        bad = np.flatnonzero(~(np.abs(arr) <= limit))
        for p in bad[:_LISTED].tolist():
            msg = f"must be a number within ±{limit:g} degrees, got {arr[p]}"
            problems.append(Problem((field, p), msg))
        if len(bad) > _LISTED:
            problems.append(Problem((field,), f"... and {len(bad) - _LISTED} more bad values"))
        out.append(_readonly(arr))
    if problems:
        raise MedAllianceError(problems)
    return out[0], out[1]


def _id_text(value: Any) -> str:
    return repr(value.item() if isinstance(value, np.generic) else value)


def _lookup(ids: IdArray, values: ArrayLike, field: str, what: str) -> IntArray:
    """Positions of ``values`` in ``ids``; every unknown value is an error."""
    vals = _id_array(values)
    if vals.ndim != 1:
        raise MedAllianceError([Problem((field,), f"expected a 1-D sequence of {what} ids")])
    if len(vals) == 0:
        return np.zeros(0, dtype=np.int64)
    if vals.dtype.kind == "O":
        vals = _as_ids_loose(vals, field)
    if vals.dtype.kind == "u" and int(vals.max()) <= np.iinfo(np.int64).max:
        vals = vals.astype(np.int64)
    ok_kind = (ids.dtype.kind == "U" and vals.dtype.kind == "U") or (
        ids.dtype.kind == "i" and vals.dtype.kind == "i"
    )
    lo = int(ids.min()) if ok_kind and ids.dtype.kind == "i" and len(ids) else 0
    span = int(ids.max()) - lo + 1 if ok_kind and ids.dtype.kind == "i" and len(ids) else 0
    if not ok_kind or len(ids) == 0:
        found = np.zeros(len(vals), dtype=bool)
        pos = np.zeros(len(vals), dtype=np.int64)
    elif span == len(ids) and ids[0] == lo and bool((np.diff(ids) == 1).all()):
        # ids lo, lo+1, ..., lo+n-1 in order: the position is the id minus lo
        if vals.min() >= lo and vals.max() < lo + span:
            return vals - lo if lo else vals.astype(np.int64, copy=True)
        pos = vals - lo
        found = (pos >= 0) & (pos < span)
    elif 0 < span <= 4 * len(ids) + 1024:
        # integer ids in a compact range: a direct table instead of a search
        table = np.full(span, -1, dtype=np.int64)
        table[ids - lo] = np.arange(len(ids))
        shifted = vals - lo
        inside = (shifted >= 0) & (shifted < span)
        pos = np.where(inside, table[np.where(inside, shifted, 0)], -1)
        found = pos >= 0
    else:
        order = np.argsort(ids, kind="stable")
        s = ids[order]
        k = np.searchsorted(s, vals)
        k = np.minimum(k, len(s) - 1)
        found = s[k] == vals
        pos = order[k].astype(np.int64)
    if not found.all():
        problems: list[Problem] = []
        _flag(
            problems,
            (field,),
            np.flatnonzero(~found),
            lambda i: f"unknown {what} id {_id_text(vals[i])}",
            f"unknown {what} ids",
        )
        raise MedAllianceError(problems)
    return pos


def _as_ids_loose(vals: np.ndarray[Any, Any], field: str) -> np.ndarray[Any, Any]:
    """Ids from an object array: all str or all int (bool is not an id)."""
    items = vals.tolist()
    if all(isinstance(x, str) for x in items):
        return np.array(items, dtype=str) if items else np.array([], dtype=str)
    if all(isinstance(x, int) and not isinstance(x, bool) for x in items):
        return np.array(items, dtype=np.int64)
    first_str = isinstance(items[0], str)
    bad = [
        i
        for i, x in enumerate(items)
        if (
            not isinstance(x, str) if first_str else (not isinstance(x, int) or isinstance(x, bool))
        )
    ]
    problems: list[Problem] = []
    _flag(
        problems,
        (field,),
        np.asarray(bad),
        lambda i: f"ids must be all strings or all integers, got {items[i]!r}",
        "bad ids",
    )
    raise MedAllianceError(problems)


def _as_cutoff(value: float | None, field: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float | np.number):
        raise MedAllianceError([Problem((field,), f"must be a number, got {value!r}")])
    v = float(value)
    if not (math.isfinite(v) and v >= 0):
        raise MedAllianceError([Problem((field,), f"must be a finite number >= 0, got {v}")])
    return v


def _as_costs(values: ArrayLike, field: str) -> FloatArray:
    arr = _numbers(values, field)
    if arr.dtype.kind not in "iuf":
        raise MedAllianceError([Problem((field,), f"costs must be numbers, got {arr.dtype}")])
    if arr.ndim != 1:
        raise MedAllianceError([Problem((field,), f"costs must be 1-D, got shape {arr.shape}")])
    return arr.astype(np.float64, copy=True)


def _cost_problems(cost: FloatArray, path: tuple[str | int, ...]) -> list[Problem]:
    problems: list[Problem] = []
    if not len(cost) or (cost.min() >= 0 and np.isfinite(cost.max())):
        return problems  # the common case in two passes, no temporaries (NaN fails min >= 0)
    _flag(
        problems,
        path,
        np.flatnonzero(np.isnan(cost) | np.isinf(cost)),
        lambda i: f"cost must be a finite number, got {cost[i]}",
        "non-finite costs",
    )
    _flag(
        problems,
        path,
        np.flatnonzero(cost < 0),
        lambda i: f"negative cost {cost[i]}",
        "negative costs",
    )
    return problems


# --------------------------------------------------------------------------------------
# population and supply


class _Points(Tabular):
    """Shared shape of :class:`Population` and :class:`Supply` (ids, amounts, coordinates)."""

    _amount: ClassVar[str]

    ids: IdArray
    lat: FloatArray | None
    lon: FloatArray | None

    def _set(
        self,
        ids: ArrayLike,
        amounts: ArrayLike,
        lat: ArrayLike | None,
        lon: ArrayLike | None,
        **extra: Any,
    ) -> None:
        problems: list[Problem] = []
        data: dict[str, Any] = dict(extra)
        try:
            data["ids"] = _as_ids(ids, "ids")
        except MedAllianceError as exc:
            problems.extend(exc.problems)
        if np.ndim(ids) != 1:
            raise MedAllianceError(problems)
        n = len(np.asarray(ids))
        try:
            data[self._amount] = _as_amounts(amounts, n, self._amount)
        except MedAllianceError as exc:
            problems.extend(exc.problems)
        try:
            data["lat"], data["lon"] = _as_coords(lat, lon, n)
        except MedAllianceError as exc:
            problems.extend(exc.problems)
        if problems:
            raise MedAllianceError(problems)
        for name, value in data.items():
            object.__setattr__(self, name, value)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"{type(self).__name__} is frozen")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"{type(self).__name__} is frozen")

    def __len__(self) -> int:
        return len(self.ids)

    @property
    def has_coordinates(self) -> bool:
        """Whether the points have latitudes and longitudes."""
        return self.lat is not None

    def _amounts(self) -> FloatArray:
        out: FloatArray = getattr(self, self._amount)
        return out

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}({len(self)} points, {self._amount} total "
            f"{float(self._amounts().sum()):g}, "
            f"coordinates={'yes' if self.has_coordinates else 'no'})"
        )

    def rows(self) -> list[dict[str, Any]]:
        """One row per point: ``id``, the amount, ``lat`` and ``lon`` (``None`` if absent).

        Examples
        --------
        >>> Population(["a"], [12.5], lat=[30.0], lon=[120.0]).rows()
        [{'id': 'a', 'people': 12.5, 'lat': 30.0, 'lon': 120.0}]
        """
        n = len(self)
        lat = self.lat.tolist() if self.lat is not None else [None] * n
        lon = self.lon.tolist() if self.lon is not None else [None] * n
        return [
            {"id": i, self._amount: a, "lat": la, "lon": lo}
            for i, a, la, lo in zip(
                self.ids.tolist(), self._amounts().tolist(), lat, lon, strict=True
            )
        ]


class Population(_Points):
    """Population points (demand): ids, number of people and optional coordinates.

    Parameters
    ----------
    ids : sequence of str or int
        Unique id of every point (a census block, a village, a grid cell).
    people : sequence of float
        People at each point (>= 0; fractional values from raster estimates are fine).
    lat, lon : sequence of float, optional
        WGS84 degrees, both or neither; needed by :func:`costs_from_coordinates`.

    Attributes
    ----------
    ids : numpy.ndarray
        Read-only array of the ids (``str`` or ``int64``).
    people : numpy.ndarray
        Read-only ``float64`` array.
    lat, lon : numpy.ndarray or None
        Read-only ``float64`` arrays, or ``None``.

    Raises
    ------
    MedAllianceError
        Duplicate ids, wrong lengths, negative or non-finite values, coordinates out of
        range — every problem with its position.

    Examples
    --------
    >>> pop = Population(["v1", "v2"], [1200, 800], lat=[36.6, 36.7], lon=[101.7, 101.8])
    >>> pop
    Population(2 points, people total 2000, coordinates=yes)
    >>> pop.people.tolist()
    [1200.0, 800.0]
    >>> Population(["v1", "v1"], [1, -1])
    Traceback (most recent call last):
    ...
    medalliance.errors.MedAllianceError: 2 problems:
      - ids[1]: duplicate id 'v1'
      - people[1]: must be >= 0, got -1.0
    """

    _amount = "people"
    people: FloatArray

    def __init__(
        self,
        ids: ArrayLike,
        people: ArrayLike,
        *,
        lat: ArrayLike | None = None,
        lon: ArrayLike | None = None,
    ) -> None:
        self._set(ids, people, lat, lon)

    @property
    def total(self) -> float:
        """Total number of people.

        Examples
        --------
        >>> Population([1, 2], [10, 5.5]).total
        15.5
        """
        return float(self.people.sum())


class Supply(_Points):
    """Supply sites: ids, capacity (beds, doctors, sessions) and optional coordinates.

    Parameters
    ----------
    ids : sequence of str or int
        Unique id of every site (institution ids when built by :func:`supply_from_registry`).
    capacity : sequence of float
        Capacity of each site (>= 0).
    lat, lon : sequence of float, optional
        WGS84 degrees, both or neither.
    skipped : sequence of str, optional
        Ids left out when the supply was built (see :func:`supply_from_registry`).

    Attributes
    ----------
    ids, capacity, lat, lon : numpy.ndarray
        Read-only arrays (``lat``/``lon`` may be ``None``).
    skipped : tuple of str
        Ids of institutions left out for lack of capacity or coordinates.

    Examples
    --------
    >>> Supply(["h1", "h2"], [300, 45]).capacity.tolist()
    [300.0, 45.0]
    """

    _amount = "capacity"
    capacity: FloatArray
    skipped: tuple[str, ...]

    def __init__(
        self,
        ids: ArrayLike,
        capacity: ArrayLike,
        *,
        lat: ArrayLike | None = None,
        lon: ArrayLike | None = None,
        skipped: Iterable[str] = (),
    ) -> None:
        self._set(ids, capacity, lat, lon, skipped=tuple(str(s) for s in skipped))

    @property
    def total(self) -> float:
        """Total capacity.

        Examples
        --------
        >>> Supply(["h"], [30]).total
        30.0
        """
        return float(self.capacity.sum())


_CAPACITY_FIELDS = ("beds", "population_served")


def supply_from_registry(
    registry: Registry,
    *,
    capacity: str | Callable[[Institution], float | None] = "beds",
    kinds: Iterable[InstitutionKind | str] | None = None,
    tiers: Iterable[Tier | str] | None = None,
    coordinates: bool = True,
    skip_missing: bool = False,
) -> Supply:
    """The institutions of a registry as supply sites, with a capacity field.

    Parameters
    ----------
    registry : Registry
        The registry; not modified.
    capacity : {"beds", "population_served"} or callable, default "beds"
        The institution field giving the capacity, or a function of an
        :class:`~medalliance.institution.Institution` returning a number or ``None``
        (missing).
    kinds : iterable of InstitutionKind or str, optional
        Keep only these kinds (any accepted label, e.g. ``"乡镇卫生院"``).
    tiers : iterable of Tier or str, optional
        Keep only these tiers (e.g. ``"二级"``, ``"tertiary"``).
    coordinates : bool, default True
        Take each institution's ``lat``/``lon`` (needed by :func:`costs_from_coordinates`);
        with ``False`` the supply has no coordinates and none are required.
    skip_missing : bool, default False
        Leave out institutions without a capacity (or coordinates) and list their ids in
        :attr:`Supply.skipped`, instead of raising.

    Returns
    -------
    Supply
        Sites in the registry's (id) order.

    Raises
    ------
    MedAllianceError
        When a selected institution has no capacity or no coordinates (unless
        ``skip_missing``), naming each one; for an unknown capacity field or label; when a
        capacity function returns a negative or non-finite number.

    Examples
    --------
    >>> from medalliance import synthetic
    >>> reg = synthetic.county(seed=0)
    >>> towns = supply_from_registry(reg, kinds=["乡镇卫生院"])
    >>> len(towns), towns.has_coordinates, towns.total > 0
    (12, True, True)
    >>> supply_from_registry(reg, kinds=["村卫生室"])  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    medalliance.errors.MedAllianceError: 180 problems:
      - institutions[...].beds: institution ... has no beds
    ...
    >>> len(supply_from_registry(reg, kinds=["村卫生室"], skip_missing=True).skipped)
    180
    """
    problems: list[Problem] = []
    get: Callable[[Institution], Any]
    if callable(capacity):
        get = capacity
        label = "capacity"
    elif capacity in _CAPACITY_FIELDS:
        field = str(capacity)
        label = field

        def get(inst: Institution) -> Any:
            return getattr(inst, field)
    else:
        msg = f"unknown capacity field {capacity!r}; use one of {', '.join(_CAPACITY_FIELDS)}"
        raise MedAllianceError([Problem(("capacity",), msg + " or a function")])
    want_kinds = None if kinds is None else {InstitutionKind.parse(k) for k in kinds}
    want_tiers = None if tiers is None else {Tier.parse(t) for t in tiers}
    ids: list[str] = []
    caps: list[float] = []
    lats: list[float | None] = []
    lons: list[float | None] = []
    skipped: list[str] = []
    missing: list[Problem] = []
    for pos, inst in enumerate(registry.institutions):
        if want_kinds is not None and inst.kind not in want_kinds:
            continue
        if want_tiers is not None and inst.tier not in want_tiers:
            continue
        value = get(inst)
        gaps: list[Problem] = []
        amount = 0.0
        if value is None:
            gaps.append(
                Problem(("institutions", pos, label), f"institution {inst.id!r} has no {label}")
            )
        elif isinstance(value, bool) or not isinstance(value, int | float | np.number):
            msg = f"capacity must be a number, got {value!r}"
            problems.append(Problem(("institutions", pos, label), msg))
            continue
        else:
            amount = float(value)
            if not (math.isfinite(amount) and amount >= 0):
                msg = f"capacity must be a finite number >= 0, got {value!r}"
                problems.append(Problem(("institutions", pos, label), msg))
                continue
        if coordinates and (inst.lat is None or inst.lon is None):
            gaps.append(
                Problem(("institutions", pos, "lat"), f"institution {inst.id!r} has no coordinates")
            )
        if gaps:
            if skip_missing:
                skipped.append(inst.id)
            else:
                missing.extend(gaps)
            continue
        ids.append(inst.id)
        caps.append(amount)
        if coordinates:
            lats.append(inst.lat)
            lons.append(inst.lon)
    problems.extend(missing)
    if problems:
        raise MedAllianceError(problems)
    return Supply(
        np.array(ids, dtype=str),
        np.asarray(caps, dtype=np.float64),
        lat=np.asarray(lats) if coordinates else None,
        lon=np.asarray(lons) if coordinates else None,
        skipped=skipped,
    )


# --------------------------------------------------------------------------------------
# the cost structure


@dataclass(frozen=True, eq=False, repr=False)
class CostMatrix(Tabular):
    """Travel costs between origins and sites, kept only for the pairs that exist.

    A compressed sparse row (CSR) structure over origins × sites: the pairs of origin ``i``
    are ``indices[indptr[i]:indptr[i + 1]]`` (site positions) with costs
    ``cost[indptr[i]:indptr[i + 1]]``. Unlike a scipy sparse matrix, a stored cost of 0 is a
    pair (origin and site at the same place), distinct from "no pair". Build it with
    :func:`costs_from_table`, :func:`costs_from_sparse` or :func:`costs_from_coordinates`.

    Attributes
    ----------
    origin_ids, site_ids : numpy.ndarray
        Row and column ids (read-only), in the order given when the structure was built;
        every result follows this order.
    indptr : numpy.ndarray of int64
        Row pointers, length ``n_origins + 1``.
    indices : numpy.ndarray of int32
        Site position of each pair.
    cost : numpy.ndarray of float64
        Cost of each pair (finite, >= 0).
    cutoff : float or None
        Pairs with a cost above it were left out when building (inclusive: a cost equal to
        it is kept); ``None`` when no pair was left out for its cost.
    unit : str
        Unit of the costs (``"min"`` for travel times).

    Examples
    --------
    >>> costs = costs_from_table(["a", "a", "b"], ["x", "y", "y"], [0.0, 12.5, 31.0],
    ...                          origin_ids=["a", "b"], site_ids=["x", "y"], cutoff=30)
    >>> costs
    CostMatrix(2 origins x 2 sites, 2 pairs, cutoff 30 min)
    >>> costs.rows()
    [{'origin': 'a', 'site': 'x', 'cost': 0.0}, {'origin': 'a', 'site': 'y', 'cost': 12.5}]
    """

    origin_ids: IdArray
    site_ids: IdArray
    indptr: IntArray
    indices: np.ndarray[Any, np.dtype[np.int32]]
    cost: FloatArray
    cutoff: float | None = None
    unit: str = "min"

    def __post_init__(self) -> None:
        """Check a structure given directly (the builders make valid ones and skip this)."""
        problems: list[Problem] = []
        fields: dict[str, Any] = {}
        for name in ("origin_ids", "site_ids"):
            try:
                fields[name] = _as_ids(getattr(self, name), name)
            except MedAllianceError as exc:
                problems.extend(exc.problems)
        try:
            fields["cutoff"] = _as_cutoff(self.cutoff, "cutoff")
        except MedAllianceError as exc:
            problems.extend(exc.problems)
        indptr = np.array(self.indptr, dtype=np.int64)
        indices = np.array(self.indices, dtype=np.int64)
        cost = _as_costs(self.cost, "cost")
        if problems:
            raise MedAllianceError(problems)
        n, m = len(fields["origin_ids"]), len(fields["site_ids"])
        if indptr.shape != (n + 1,) or indptr[0] != 0 or (np.diff(indptr) < 0).any():
            problems.append(
                Problem(("indptr",), f"must be {n + 1} non-decreasing row pointers from 0")
            )
        elif indices.shape != cost.shape or indptr[-1] != len(cost):
            msg = f"indptr ends at {indptr[-1]}, with {len(indices)} indices and {len(cost)} costs"
            problems.append(Problem(("indices",), msg))
        _flag(
            problems,
            ("indices",),
            np.flatnonzero((indices < 0) | (indices >= m)),
            lambda i: f"site position {indices[i]} out of range (0..{m - 1})",
            "bad site positions",
        )
        problems.extend(_cost_problems(cost, ("cost",)))
        cut = fields.get("cutoff")
        if cut is not None and not problems:
            _flag(
                problems,
                ("cost",),
                np.flatnonzero(cost > cut),
                lambda i: f"cost {cost[i]} exceeds the cutoff {cut:g}",
                "costs above the cutoff",
            )
        if not problems and len(indices):
            rows = np.repeat(np.arange(n, dtype=np.int64), np.diff(indptr))
            key = np.sort(rows * max(m, 1) + indices)
            if (key[1:] == key[:-1]).any():
                problems.append(Problem(("indices",), "a pair is stored twice"))
        if problems:
            raise MedAllianceError(problems)
        fields["indptr"] = _readonly(indptr)
        fields["indices"] = _readonly(indices.astype(np.int32))
        fields["cost"] = _readonly(cost)
        fields["unit"] = str(self.unit)
        for name, value in fields.items():
            object.__setattr__(self, name, value)

    @property
    def n_origins(self) -> int:
        """Number of origins (rows)."""
        return len(self.origin_ids)

    @property
    def n_sites(self) -> int:
        """Number of sites (columns)."""
        return len(self.site_ids)

    @property
    def n_pairs(self) -> int:
        """Number of stored pairs.

        Examples
        --------
        >>> costs_from_table([1], [7], [3.0], origin_ids=[1, 2], site_ids=[7]).n_pairs
        1
        """
        return len(self.cost)

    def __repr__(self) -> str:
        cut = "no cutoff" if self.cutoff is None else f"cutoff {self.cutoff:g} {self.unit}"
        return (
            f"CostMatrix({self.n_origins} origins x {self.n_sites} sites, "
            f"{self.n_pairs} pairs, {cut})"
        )

    def origin_positions(self) -> np.ndarray[Any, Any]:
        """The origin (row) position of every stored pair, aligned with :attr:`cost`.

        Examples
        --------
        >>> c = costs_from_table(["b", "a", "b"], ["x", "x", "y"], [1, 2, 3],
        ...                      origin_ids=["a", "b"], site_ids=["x", "y"])
        >>> c.origin_positions().tolist(), c.indices.tolist(), c.cost.tolist()
        ([0, 1, 1], [0, 0, 1], [2.0, 1.0, 3.0])
        """
        cached = self.__dict__.get("_rows")
        if cached is None:
            dtype = np.int32 if self.n_origins < 2**31 else np.int64
            rows = np.repeat(np.arange(self.n_origins, dtype=dtype), np.diff(self.indptr))
            cached = _readonly(rows)
            object.__setattr__(self, "_rows", cached)  # a cache of a derived array
        out: np.ndarray[Any, Any] = cached
        return out

    def pairs_of(self, origin: str | int) -> tuple[IdArray, FloatArray]:
        """The site ids and costs of one origin's pairs.

        Raises
        ------
        UnknownIdError
            For an origin id the structure does not hold.

        Examples
        --------
        >>> c = costs_from_table(["a", "a"], ["x", "y"], [4, 9],
        ...                      origin_ids=["a"], site_ids=["x", "y"])
        >>> sites, cost = c.pairs_of("a")
        >>> sites.tolist(), cost.tolist()
        (['x', 'y'], [4.0, 9.0])
        """
        i = _position(self.origin_ids, origin, "origin")
        lo, hi = int(self.indptr[i]), int(self.indptr[i + 1])
        return self.site_ids[self.indices[lo:hi]], self.cost[lo:hi].copy()

    def within(self, cutoff: float) -> CostMatrix:
        """A new structure keeping only the pairs with ``cost <= cutoff``.

        Raises
        ------
        MedAllianceError
            When ``cutoff`` is not a finite number >= 0, or exceeds the structure's own
            cutoff (the pairs beyond it are not there).

        Examples
        --------
        >>> c = costs_from_table(["a", "a"], ["x", "y"], [15, 15.5],
        ...                      origin_ids=["a"], site_ids=["x", "y"])
        >>> c.within(15)
        CostMatrix(1 origins x 2 sites, 1 pairs, cutoff 15 min)
        """
        cut = _check_cutoff(self, cutoff, "cutoff")
        assert cut is not None
        keep = self.cost <= cut
        return _filtered(self, keep, cut)

    def to_scipy(self) -> Any:
        """The costs as a ``scipy.sparse.csr_matrix`` (origins × sites).

        Stored zero costs stay explicit entries of the matrix; scipy operations such as
        ``eliminate_zeros`` or arithmetic may drop them, after which a zero-cost pair and
        "no pair" can no longer be told apart.

        Examples
        --------
        >>> c = costs_from_table(["a"], ["x"], [0.0], origin_ids=["a"], site_ids=["x", "y"])
        >>> m = c.to_scipy()
        >>> m.shape, m.nnz
        ((1, 2), 1)
        """
        from medalliance._optional import require

        sparse = require("scipy.sparse", extra="core")
        return sparse.csr_matrix(
            (self.cost.copy(), self.indices.copy(), self.indptr.copy()),
            shape=(self.n_origins, self.n_sites),
        )

    def rows(self) -> list[dict[str, Any]]:
        """The long table: one row per pair, ``origin``, ``site``, ``cost``.

        Examples
        --------
        >>> costs_from_table([1], [2], [7.5], origin_ids=[1], site_ids=[2]).rows()
        [{'origin': 1, 'site': 2, 'cost': 7.5}]
        """
        origins = self.origin_ids[self.origin_positions()].tolist()
        sites = self.site_ids[self.indices].tolist()
        return [
            {"origin": o, "site": s, "cost": c}
            for o, s, c in zip(origins, sites, self.cost.tolist(), strict=True)
        ]


def _position(ids: IdArray, value: Any, what: str) -> int:
    from medalliance.errors import UnknownIdError

    try:
        hits = np.flatnonzero(ids == np.asarray(value, dtype=ids.dtype))
    except (TypeError, ValueError):
        hits = np.zeros(0, dtype=np.int64)
    if len(hits) != 1:
        raise UnknownIdError([Problem((), f"unknown {what} id {value!r}")])
    return int(hits[0])


def _check_cutoff(costs: CostMatrix, cutoff: float | None, field: str) -> float | None:
    cut = _as_cutoff(cutoff, field)
    if cut is not None and costs.cutoff is not None and cut > costs.cutoff:
        msg = (
            f"{cut:g} {costs.unit} exceeds the cost structure's cutoff "
            f"({costs.cutoff:g} {costs.unit}): the pairs beyond it were never kept; "
            "build the costs with a larger cutoff"
        )
        raise MedAllianceError([Problem((field,), msg)])
    return cut


def _filtered(costs: CostMatrix, keep: BoolArray, cutoff: float | None) -> CostMatrix:
    counts = np.bincount(costs.origin_positions()[keep], minlength=costs.n_origins)
    indptr = np.zeros(costs.n_origins + 1, dtype=np.int64)
    np.cumsum(counts, out=indptr[1:])
    return _build(
        (costs.origin_ids, costs.site_ids),
        indptr,
        costs.indices[keep],
        costs.cost[keep],
        cutoff=cutoff,
        unit=costs.unit,
    )


def _build(
    ids: tuple[IdArray, IdArray],
    indptr: IntArray,
    indices: np.ndarray[Any, Any],
    cost: FloatArray,
    *,
    cutoff: float | None,
    unit: str,
) -> CostMatrix:
    """A CostMatrix from arrays the builders have checked (no second validation pass)."""
    out = object.__new__(CostMatrix)
    fields = {
        "origin_ids": ids[0],
        "site_ids": ids[1],
        "indptr": _readonly(np.ascontiguousarray(indptr, dtype=np.int64)),
        "indices": _readonly(np.ascontiguousarray(indices, dtype=np.int32)),
        "cost": _readonly(np.ascontiguousarray(cost, dtype=np.float64)),
        "cutoff": cutoff,
        "unit": unit,
    }
    for name, value in fields.items():
        object.__setattr__(out, name, value)
    return out


def _from_pairs(
    pairs: tuple[IntArray, IntArray, FloatArray],
    ids: tuple[IdArray, IdArray],
    *,
    cutoff: float | None,
    unit: str,
    path: Callable[[int], tuple[str | int, ...]],
) -> CostMatrix:
    """CSR with sorted columns from unordered pairs; duplicate pairs are errors."""
    rows, cols, cost = pairs
    origin_ids, site_ids = ids
    m = max(len(site_ids), 1)
    key = rows * m if rows.dtype == np.int64 else rows.astype(np.int64) * m
    key += cols
    order: IntArray | None = None  # None: the pairs are already in CSR order (no sort)
    if len(key) > 1 and not bool((key[1:] > key[:-1]).all()):
        order = np.argsort(key, kind="stable")
        k = key[order]
        dup = np.flatnonzero(k[1:] == k[:-1])
        if len(dup):
            problems: list[Problem] = []
            later, first = order[dup + 1], order[dup]
            for a, b in zip(later[:_LISTED].tolist(), first[:_LISTED].tolist(), strict=True):
                o, s = origin_ids[rows[a]], site_ids[cols[a]]
                msg = f"duplicate pair ({_id_text(o)}, {_id_text(s)}), first given at {b}"
                problems.append(Problem(path(a), msg))
            if len(dup) > _LISTED:
                more = f"... and {len(dup) - _LISTED} more duplicate pairs"
                problems.append(Problem((), more))
            raise MedAllianceError(problems)
    if cutoff is not None:
        inside = cost <= cutoff
        if not inside.all():
            order = np.flatnonzero(inside) if order is None else order[inside[order]]
    if order is None:
        r, c, x = rows, cols, cost
    else:
        r, c, x = rows[order], cols[order], cost[order]
    indptr = np.zeros(len(origin_ids) + 1, dtype=np.int64)
    np.cumsum(np.bincount(r, minlength=len(origin_ids)), out=indptr[1:])
    return _build((origin_ids, site_ids), indptr, c, x, cutoff=cutoff, unit=unit)


def costs_from_table(
    origin: ArrayLike,
    destination: ArrayLike,
    cost: ArrayLike,
    *,
    origin_ids: ArrayLike,
    site_ids: ArrayLike,
    cutoff: float | None = None,
    unit: str = "min",
) -> CostMatrix:
    """Build the cost structure from a long table: one (origin, destination, cost) per row.

    Parameters
    ----------
    origin, destination : sequence of str or int
        Origin and destination id of each row.
    cost : sequence of float
        Cost of each row (finite, >= 0; 0 is a valid cost).
    origin_ids, site_ids : sequence of str or int
        Every origin and every site, in the order results will follow (usually
        ``population.ids`` and ``supply.ids``); points without any row are fine.
    cutoff : float, optional
        Keep only rows with ``cost <= cutoff`` (inclusive).
    unit : str, default "min"
        Unit of the costs, for messages and reports.

    Returns
    -------
    CostMatrix

    Raises
    ------
    MedAllianceError
        Listing every unknown id, negative or non-finite cost and repeated
        (origin, destination) pair with its row, and columns of different lengths.

    Examples
    --------
    >>> c = costs_from_table(["a", "b"], ["x", "x"], [30, 30.5],
    ...                      origin_ids=["a", "b"], site_ids=["x"], cutoff=30)
    >>> c.n_pairs
    1
    >>> costs_from_table(["a", "q"], ["x", "x"], [-1, 2], origin_ids=["a"], site_ids=["x"])
    Traceback (most recent call last):
    ...
    medalliance.errors.MedAllianceError: 2 problems:
      - origin[1]: unknown origin id 'q'
      - cost[0]: negative cost -1.0
    """
    oids = _as_ids(origin_ids, "origin_ids")
    sids = _as_ids(site_ids, "site_ids")
    cut = _as_cutoff(cutoff, "cutoff")
    c = _as_costs(cost, "cost")
    o_arr, d_arr = np.asarray(origin), np.asarray(destination)
    if not (len(o_arr) == len(d_arr) == len(c)) or o_arr.ndim != 1 or d_arr.ndim != 1:
        msg = (
            "origin, destination and cost must be 1-D and of one length, got "
            f"{o_arr.shape}, {d_arr.shape}, {c.shape}"
        )
        raise MedAllianceError([Problem((), msg)])
    problems: list[Problem] = []
    rows = cols = np.zeros(0, dtype=np.int64)
    try:
        rows = _lookup(oids, o_arr, "origin", "origin")
    except MedAllianceError as exc:
        problems.extend(exc.problems)
    try:
        cols = _lookup(sids, d_arr, "destination", "site")
    except MedAllianceError as exc:
        problems.extend(exc.problems)
    problems.extend(_cost_problems(c, ("cost",)))
    if problems:
        raise MedAllianceError(problems)
    return _from_pairs(
        (rows, cols, c), (oids, sids), cutoff=cut, unit=str(unit), path=lambda r: ("cost", r)
    )


def costs_from_sparse(
    matrix: Any,
    *,
    origin_ids: ArrayLike,
    site_ids: ArrayLike,
    cutoff: float | None = None,
    unit: str = "min",
) -> CostMatrix:
    """Build the cost structure from a scipy sparse matrix (origins × sites).

    Every **stored** entry is a pair, including stored zeros (a cost of 0); entries not
    stored are "no pair". The matrix is not modified.

    Parameters
    ----------
    matrix : scipy.sparse matrix or array
        Shape ``(len(origin_ids), len(site_ids))``; any format (CSR, CSC, COO, ...).
    origin_ids, site_ids : sequence of str or int
        Row and column ids.
    cutoff : float, optional
        Keep only entries with ``cost <= cutoff`` (inclusive).
    unit : str, default "min"
        Unit of the costs.

    Returns
    -------
    CostMatrix

    Raises
    ------
    MedAllianceError
        For a dense input, a wrong shape, negative or non-finite entries, or an entry stored
        twice (an uncompressed COO matrix with repeated coordinates).

    Examples
    --------
    >>> from scipy import sparse
    >>> m = sparse.coo_matrix(([0.0, 12.0], ([0, 1], [1, 0])), shape=(2, 2))
    >>> c = costs_from_sparse(m, origin_ids=["a", "b"], site_ids=["x", "y"])
    >>> c.rows()[0]
    {'origin': 'a', 'site': 'y', 'cost': 0.0}
    """
    from medalliance._optional import require

    sparse = require("scipy.sparse", extra="core")
    if not sparse.issparse(matrix):
        raise MedAllianceError(
            [Problem(("matrix",), f"expected a scipy sparse matrix, got {type(matrix).__name__}")]
        )
    oids = _as_ids(origin_ids, "origin_ids")
    sids = _as_ids(site_ids, "site_ids")
    cut = _as_cutoff(cutoff, "cutoff")
    if matrix.shape != (len(oids), len(sids)):
        msg = f"shape {matrix.shape} does not match {len(oids)} origins x {len(sids)} sites"
        raise MedAllianceError([Problem(("matrix",), msg)])
    coo = matrix.tocoo(copy=True)
    rows = np.asarray(coo.row, dtype=np.int64)
    cols = np.asarray(coo.col, dtype=np.int64)
    c = np.asarray(coo.data)
    if c.dtype.kind not in "iuf":
        raise MedAllianceError([Problem(("matrix",), f"costs must be numbers, got {c.dtype}")])
    c = c.astype(np.float64, copy=True)
    problems: list[Problem] = []
    bad = np.flatnonzero(~np.isfinite(c) | (c < 0))
    for p in bad[:_LISTED].tolist():
        problems.append(
            Problem(
                ("matrix", int(rows[p]), int(cols[p])),
                f"cost must be a finite number >= 0, got {c[p]}",
            )
        )
    if len(bad) > _LISTED:
        problems.append(Problem(("matrix",), f"... and {len(bad) - _LISTED} more bad costs"))
    if problems:
        raise MedAllianceError(problems)
    return _from_pairs(
        (rows, cols, c),
        (oids, sids),
        cutoff=cut,
        unit=str(unit),
        path=lambda p: ("matrix", int(rows[p]), int(cols[p])),
    )


def _unit_vectors(lat: FloatArray, lon: FloatArray) -> FloatArray:
    phi, lam = np.radians(lat), np.radians(lon)
    cphi = np.cos(phi)
    return np.column_stack((cphi * np.cos(lam), cphi * np.sin(lam), np.sin(phi)))


def costs_from_coordinates(
    population: Population,
    supply: Supply,
    *,
    speed_kmh: float,
    cutoff_min: float,
    detour_factor: float = 1.0,
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
        for start in range(0, n, _CHUNK):
            stop = min(start + _CHUNK, n)
            xyz = _unit_vectors(population.lat[start:stop], population.lon[start:stop])
            found = spatial.cKDTree(xyz, **opts).sparse_distance_matrix(
                site_tree, radius, output_type="ndarray"
            )
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
            counts[start:stop] = np.bincount(local, minlength=stop - start)
            parts_j.append(sites[order])
            parts_c.append(minutes[order])
            del local, sites, minutes, keep, order
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(counts, out=indptr[1:])
    indices = np.concatenate(parts_j) if parts_j else np.zeros(0, dtype=np.int32)
    cost = np.concatenate(parts_c) if parts_c else np.zeros(0, dtype=np.float64)
    return _build((population.ids, supply.ids), indptr, indices, cost, cutoff=cut, unit="min")


# --------------------------------------------------------------------------------------
# distance-decay weights

NonNegFloat = Annotated[float, Field(ge=0, allow_inf_nan=False)]
PosFloat = Annotated[float, Field(gt=0, allow_inf_nan=False)]


class Decay(FrozenModel):
    """A distance-decay weight ``W(cost)``, applied to a whole array of costs at once.

    Subclasses are frozen parameter records: :class:`StepWeights` (zones, E2SFCA),
    :class:`GaussianDecay` (kernel), :class:`PowerDecay` (gravity) and
    :class:`ExponentialDecay`. Any vectorised function of a cost array may be used in their
    place; its weights are checked (finite, >= 0, same shape).
    """

    def __call__(self, cost: FloatArray) -> FloatArray:
        """Weights for an array of costs."""
        raise NotImplementedError  # pragma: no cover - every subclass implements it

    @property
    def max_cost(self) -> float | None:
        """Cost beyond which the weight is 0 (``None``: it never reaches 0)."""
        return None


class StepWeights(Decay):
    """Stepped zone weights (E2SFCA): cost in ``(bounds[k-1], bounds[k]]`` gets ``weights[k]``.

    Zone ``k`` is inclusive at its upper bound (a cost of exactly 10 is in the 0–10 zone);
    costs above the last bound get 0.

    Examples
    --------
    >>> import numpy as np
    >>> E2SFCA_ZONES(np.array([0.0, 10.0, 10.5, 30.0, 30.5])).tolist()
    [1.0, 1.0, 0.68, 0.22, 0.0]
    >>> StepWeights.from_mapping({20: 1, 40: 0.5}).bounds
    (20.0, 40.0)
    >>> StepWeights(bounds=(20, 10), weights=(1, 0.5))
    Traceback (most recent call last):
    ...
    medalliance.errors.MedAllianceError: 1 problem:
      - bounds: zone bounds must be strictly increasing, got (20.0, 10.0)
    """

    bounds: tuple[NonNegFloat, ...]
    """Upper bound of each zone, strictly increasing (same unit as the costs)."""
    weights: tuple[NonNegFloat, ...]
    """Weight of each zone."""

    @model_validator(mode="after")
    def _check(self) -> StepWeights:
        problems: list[Problem] = []
        if not self.bounds:
            problems.append(Problem(("bounds",), "at least one zone is needed"))
        if len(self.bounds) != len(self.weights):
            msg = f"{len(self.bounds)} bounds but {len(self.weights)} weights"
            problems.append(Problem(("weights",), msg))
        if any(b >= a for b, a in zip(self.bounds, self.bounds[1:], strict=False)):
            msg = f"zone bounds must be strictly increasing, got {self.bounds}"
            problems.append(Problem(("bounds",), msg))
        if problems:
            raise MedAllianceError(problems)
        return self

    @classmethod
    def from_mapping(cls, zones: Mapping[Any, float]) -> StepWeights:
        """Build from ``{upper_bound: weight}`` (the form PySAL ``access`` uses).

        Examples
        --------
        >>> StepWeights.from_mapping({30: 0.22, 10: 1, 20: 0.68}) == E2SFCA_ZONES
        True
        """
        items = sorted((float(k), float(v)) for k, v in zones.items())
        return cls(bounds=tuple(k for k, _ in items), weights=tuple(v for _, v in items))

    def __call__(self, cost: FloatArray) -> FloatArray:
        """Zone weight of each cost (0 beyond the last bound)."""
        table = np.append(np.asarray(self.weights, dtype=np.float64), 0.0)
        out: FloatArray = table[np.searchsorted(np.asarray(self.bounds), cost, side="left")]
        return out

    @property
    def max_cost(self) -> float | None:
        """The last zone bound.

        Examples
        --------
        >>> E2SFCA_ZONES.max_cost
        30.0
        """
        return self.bounds[-1]


E2SFCA_ZONES = StepWeights(bounds=(10.0, 20.0, 30.0), weights=(1.0, 0.68, 0.22))
"""Default E2SFCA zones: 0–10, 10–20 and 20–30 minutes weighted 1, 0.68 and 0.22 (Luo & Qi
2009, Gaussian-derived; also PySAL ``access``'s default)."""


class GaussianDecay(Decay):
    """Gaussian kernel ``W = exp(−cost² / 2σ²)`` (``W(0) = 1``, not normalised).

    Examples
    --------
    >>> import numpy as np
    >>> GaussianDecay(sigma=10)(np.array([0.0, 10.0])).round(4).tolist()
    [1.0, 0.6065]
    """

    sigma: PosFloat
    """Width σ (same unit as the costs)."""

    def __call__(self, cost: FloatArray) -> FloatArray:
        """Kernel weight of each cost."""
        out: FloatArray = np.exp(-cost * cost / (2.0 * self.sigma**2))
        return out


class PowerDecay(Decay):
    """Gravity (power) decay ``W = (max(cost, min_cost) / scale)^−β``.

    The floor ``min_cost`` avoids the infinite weight at cost 0. PySAL ``access``'s
    ``weights.gravity(scale, alpha, min_dist)`` is the same function with ``alpha = −β``.

    Examples
    --------
    >>> import numpy as np
    >>> PowerDecay(beta=2, min_cost=1)(np.array([0.0, 1.0, 2.0])).tolist()
    [1.0, 1.0, 0.25]
    """

    beta: NonNegFloat
    """Decay exponent β (>= 0; 1 to 2 is common)."""
    min_cost: PosFloat = 1.0
    """Floor on the cost (> 0), same unit as the costs."""
    scale: PosFloat = 1.0
    """Costs are divided by it before the power is taken."""

    def __call__(self, cost: FloatArray) -> FloatArray:
        """Power-decay weight of each cost."""
        out: FloatArray = np.power(np.maximum(cost, self.min_cost) / self.scale, -self.beta)
        return out


class ExponentialDecay(Decay):
    """Exponential decay ``W = exp(−rate · cost)``.

    Examples
    --------
    >>> import numpy as np
    >>> ExponentialDecay(rate=0.1)(np.array([0.0, 10.0])).round(4).tolist()
    [1.0, 0.3679]
    """

    rate: NonNegFloat
    """Decay rate per unit of cost."""

    def __call__(self, cost: FloatArray) -> FloatArray:
        """Exponential weight of each cost."""
        out: FloatArray = np.exp(-self.rate * cost)
        return out


WeightFunction = Decay | Callable[[FloatArray], FloatArray]
"""A :class:`Decay` or any vectorised function of a cost array returning weights."""


def _weights(fn: WeightFunction, cost: FloatArray) -> FloatArray:
    # a user's function gets a copy (it might write into it); our own decays do not write
    arg = cost if isinstance(fn, Decay) else cost.copy()
    with np.errstate(over="ignore", under="ignore"):
        w = np.asarray(fn(arg), dtype=np.float64)
    if w.shape != cost.shape:
        msg = f"the weight function returned shape {w.shape} for {cost.shape} costs"
        raise MedAllianceError([Problem(("weight",), msg)])
    if len(w) and w.min() >= 0 and np.isfinite(w.max()):
        return w
    bad = np.flatnonzero(~np.isfinite(w) | (w < 0))
    if len(bad):
        p = int(bad[0])
        msg = (
            f"the weight function gave {w[p]} for cost {cost[p]} ({len(bad)} bad weights); "
            "weights must be finite and >= 0"
        )
        raise MedAllianceError([Problem(("weight",), msg)])
    return w


# --------------------------------------------------------------------------------------
# results


@dataclass(frozen=True, eq=False, repr=False)
class AccessibilityResult(Tabular):
    """Accessibility of every origin, with the site ratios behind it.

    Attributes
    ----------
    method : {"2sfca", "e2sfca", "gravity", "3sfca"}
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
        for ``3sfca``).
    site_ratios : numpy.ndarray
        Supply-to-demand ratio ``R_j = S_j / D_j``; 0 where ``D_j = 0``.
    weight : Decay or callable or None
        The distance-decay weight used (``None``: 1 for every pair in the catchment).
    cutoff : float or None
        Catchment cutoff applied (inclusive); ``None`` for every stored pair.
    unit : str
        Unit of the costs.
    """

    method: Literal["2sfca", "e2sfca", "gravity", "3sfca"]
    origin_ids: IdArray
    values: FloatArray
    site_ids: IdArray
    site_supply: FloatArray
    site_demand: FloatArray
    site_ratios: FloatArray
    weight: WeightFunction | None
    cutoff: float | None
    unit: str

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
        >>> pop, beds = Population(["a"], [10]), Supply(["x"], [5])
        >>> costs = costs_from_table(["a"], ["x"], [3], origin_ids=["a"], site_ids=["x"])
        >>> two_step_fca(costs, pop, beds).site_rows()
        [{'site': 'x', 'supply': 5.0, 'weighted_demand': 10.0, 'ratio': 0.5}]
        """
        return [
            {"site": s, "supply": a, "weighted_demand": d, "ratio": r}
            for s, a, d, r in zip(
                self.site_ids.tolist(),
                self.site_supply.tolist(),
                self.site_demand.tolist(),
                self.site_ratios.tolist(),
                strict=True,
            )
        ]


@dataclass(frozen=True, eq=False, repr=False)
class NearestResult(Tabular):
    """The nearest site of every origin and its cost.

    Attributes
    ----------
    origin_ids, site_ids : numpy.ndarray
        Ids, in the cost structure's order.
    cost : numpy.ndarray
        Cost to the nearest site; ``inf`` where no site is stored for the origin (none
        within the cutoff).
    site : numpy.ndarray of int64
        Position of the nearest site in ``site_ids`` (the lowest position among equal
        costs); -1 where none.
    cutoff : float or None
        The cost structure's cutoff.
    unit : str
        Unit of the costs.
    """

    origin_ids: IdArray
    site_ids: IdArray
    cost: FloatArray
    site: IntArray
    cutoff: float | None
    unit: str

    @property
    def reached(self) -> BoolArray:
        """Whether each origin has a site at all.

        Examples
        --------
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
    """Which population points lie within a threshold of a site, and the share of people.

    Attributes
    ----------
    origin_ids : numpy.ndarray
        Origin ids, in the cost structure's order.
    people : numpy.ndarray
        People at each origin.
    covered : numpy.ndarray of bool
        Whether some site is within the threshold (inclusive).
    nearest_cost : numpy.ndarray
        Cost to the nearest site (``inf`` where none is stored).
    threshold : float
        The threshold (e.g. 15 minutes).
    unit : str
        Unit of the costs.
    """

    origin_ids: IdArray
    people: FloatArray
    covered: BoolArray
    nearest_cost: FloatArray
    threshold: float
    unit: str

    @property
    def covered_people(self) -> float:
        """People within the threshold."""
        return float(self.people[self.covered].sum())

    @property
    def total_people(self) -> float:
        """All people."""
        return float(self.people.sum())

    @property
    def share(self) -> float:
        """Covered people / all people; 0.0 when there are no people at all.

        Examples
        --------
        >>> c = costs_from_table(["a"], ["x"], [15], origin_ids=["a", "b"], site_ids=["x"])
        >>> coverage_within(c, Population(["a", "b"], [90, 10]), threshold=15).share
        0.9
        """
        total = self.total_people
        return self.covered_people / total if total > 0 else 0.0

    def __repr__(self) -> str:
        return (
            f"CoverageResult(within {self.threshold:g} {self.unit}: "
            f"{self.covered_people:g} of {self.total_people:g} people, share {self.share:.4g})"
        )

    def rows(self) -> list[dict[str, Any]]:
        """One row per origin: ``origin``, ``people``, ``nearest_cost`` (or None), ``covered``.

        Examples
        --------
        >>> c = costs_from_table(["a"], ["x"], [15], origin_ids=["a", "b"], site_ids=["x"])
        >>> coverage_within(c, Population(["a", "b"], [90, 10]), threshold=15).rows()[1]
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


# --------------------------------------------------------------------------------------
# the measures


def _aligned(
    values: Population | Supply | ArrayLike,
    ids: IdArray,
    field: str,
    what: str,
) -> FloatArray:
    """Amounts in the order of ``ids`` (the cost structure's), from points or a plain array."""
    if isinstance(values, Population | Supply):
        amounts: FloatArray = values.people if isinstance(values, Population) else values.capacity
        if len(values.ids) == len(ids) and np.array_equal(values.ids, ids):
            return amounts
        problems: list[Problem] = []
        if values.ids.dtype.kind != ids.dtype.kind:
            msg = f"{what} ids are of another type than the cost structure's"
            raise MedAllianceError([Problem((field,), msg)])
        missing = np.setdiff1d(ids, values.ids)
        extra = np.setdiff1d(values.ids, ids)
        for x in missing[:_LISTED].tolist():
            problems.append(Problem((field,), f"no {what} value for id {x!r}"))
        for x in extra[:_LISTED].tolist():
            problems.append(Problem((field,), f"{what} id {x!r} is not in the cost structure"))
        if len(missing) + len(extra) > 2 * _LISTED:
            problems.append(Problem((field,), "... and more ids that do not match"))
        if problems:
            raise MedAllianceError(problems)
        pos = _lookup(values.ids, ids, field, what)
        out: FloatArray = amounts[pos]
        return out
    return _as_amounts(values, len(ids), field)


def _fca(
    method: Literal["2sfca", "e2sfca", "gravity", "3sfca"],
    costs: CostMatrix,
    population: Population | ArrayLike,
    supply: Supply | ArrayLike,
    *,
    weight: WeightFunction | None,
    cutoff: float | None,
) -> AccessibilityResult:
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
        cut = _check_cutoff(costs, cutoff, "cutoff")
        reach = getattr(weight, "max_cost", None)
        if (
            cut is None
            and isinstance(reach, float)
            and costs.cutoff is not None
            and reach > costs.cutoff
        ):
            msg = (
                f"the weights reach {reach:g} {costs.unit} but the cost structure only holds "
                f"pairs up to {costs.cutoff:g} {costs.unit}; pass cutoff= to truncate on "
                "purpose, or build the costs with a larger cutoff"
            )
            raise MedAllianceError([Problem(("weight",), msg)])
    except MedAllianceError as exc:
        problems.extend(exc.problems)
    if problems:
        raise MedAllianceError(problems)
    assert people is not None
    assert supply_s is not None
    n, m = costs.n_origins, costs.n_sites
    rows = costs.origin_positions()
    cols = costs.indices
    cost = costs.cost
    if cut is not None and (costs.cutoff is None or cut < costs.cutoff):
        inside = cost <= cut
        if not inside.all():  # work on the catchment's pairs only
            keep = np.flatnonzero(inside)
            rows, cols, cost = rows[keep], cols[keep], cost[keep]
            del keep
        del inside
    # w: the weight of every pair in the catchment (None: 1 for each, the plain 2SFCA)
    w = None if weight is None else _weights(weight, cost)
    if method == "3sfca":
        if w is None:
            w = np.ones(len(cost), dtype=np.float64)
        total = np.bincount(rows, weights=w, minlength=n)
        with np.errstate(divide="ignore", invalid="ignore"):
            share = np.where(total[rows] > 0, w / total[rows], 0.0)
        w = w * share
    demand_k = people[rows]
    if w is not None:
        demand_k *= w
    demand = np.bincount(cols, weights=demand_k, minlength=m)
    del demand_k
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        ratios = np.where(demand > 0, supply_s / demand, 0.0)
    if not np.isfinite(ratios).all():
        j = int(np.flatnonzero(~np.isfinite(ratios))[0])
        msg = (
            f"site {_id_text(costs.site_ids[j])}: weighted demand {demand[j]:.3g} is too small "
            "for a finite supply-to-demand ratio; use a cutoff or a weight that does not "
            "vanish"
        )
        raise MedAllianceError([Problem(("weight",), msg)])
    supply_k = ratios[cols]
    if w is not None:
        supply_k *= w
    values = np.bincount(rows, weights=supply_k, minlength=n)
    return AccessibilityResult(
        method=method,
        origin_ids=costs.origin_ids,
        values=_readonly(values.astype(np.float64)),
        site_ids=costs.site_ids,
        site_supply=_readonly(np.array(supply_s, dtype=np.float64)),
        site_demand=_readonly(demand.astype(np.float64)),
        site_ratios=_readonly(ratios.astype(np.float64)),
        weight=weight,
        cutoff=cut if cut is not None else costs.cutoff,
        unit=costs.unit,
    )


def two_step_fca(
    costs: CostMatrix,
    population: Population | ArrayLike,
    supply: Supply | ArrayLike,
    *,
    cutoff: float | None = None,
) -> AccessibilityResult:
    """Two-step floating catchment area (2SFCA, Luo & Wang 2003).

    ``R_j = S_j / Σ_{k: d_kj <= d0} P_k`` and ``A_i = Σ_{j: d_ij <= d0} R_j``.

    Parameters
    ----------
    costs : CostMatrix
        Travel costs; its rows and columns fix the order of everything else.
    population : Population or sequence of float
        People per origin: a :class:`Population` (matched to the cost structure's origins by
        id) or values in the order of ``costs.origin_ids``.
    supply : Supply or sequence of float
        Capacity per site: a :class:`Supply` (matched by id) or values in the order of
        ``costs.site_ids``.
    cutoff : float, optional
        Catchment ``d0`` (inclusive). By default every stored pair is in the catchment (the
        cost structure's own cutoff). It may not exceed the structure's cutoff.

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
    >>> pop = Population(["a", "b", "c"], [100, 200, 300])
    >>> beds = Supply(["x", "y"], [10, 6])
    >>> costs = costs_from_table(
    ...     ["a", "a", "b", "b", "c"], ["x", "y", "x", "y", "y"], [5, 25, 15, 10, 30],
    ...     origin_ids=pop.ids, site_ids=beds.ids)
    >>> res = two_step_fca(costs, pop, beds, cutoff=30)
    >>> res.site_ratios.round(4).tolist(), res.values.round(4).tolist()
    ([0.0333, 0.01], [0.0433, 0.0433, 0.01])
    >>> round(float(pop.people @ res.values), 9)
    16.0
    """
    return _fca("2sfca", costs, population, supply, weight=None, cutoff=cutoff)


def enhanced_two_step_fca(
    costs: CostMatrix,
    population: Population | ArrayLike,
    supply: Supply | ArrayLike,
    *,
    zones: StepWeights | Mapping[Any, float] = E2SFCA_ZONES,
    cutoff: float | None = None,
) -> AccessibilityResult:
    """Enhanced 2SFCA (E2SFCA, Luo & Qi 2009): 2SFCA with stepped travel-time zone weights.

    ``R_j = S_j / Σ_k W(d_kj)·P_k`` and ``A_i = Σ_j W(d_ij)·R_j``, where ``W`` is the weight
    of the zone the cost falls in (zones inclusive at their upper bound, 0 beyond the last).

    Parameters
    ----------
    costs, population, supply
        As for :func:`two_step_fca`.
    zones : StepWeights or mapping, default :data:`E2SFCA_ZONES`
        Zone weights; a mapping ``{upper_bound: weight}`` is accepted.
    cutoff : float, optional
        Extra catchment cutoff (inclusive); by default the zones end the catchment. When
        the zones reach beyond the cost structure's cutoff, pass ``cutoff=`` explicitly.

    Returns
    -------
    AccessibilityResult

    Examples
    --------
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
    return _fca("e2sfca", costs, population, supply, weight=weights, cutoff=cutoff)


def gravity(
    costs: CostMatrix,
    population: Population | ArrayLike,
    supply: Supply | ArrayLike,
    *,
    decay: WeightFunction,
    cutoff: float | None = None,
) -> AccessibilityResult:
    """Gravity-type accessibility (Hansen 1959; Joseph & Bantock 1982) with a decay function.

    ``A_i = Σ_j S_j·W(d_ij) / V_j`` with ``V_j = Σ_k P_k·W(d_kj)``: 2SFCA with a continuous
    weight (kernel 2SFCA with :class:`GaussianDecay`, classic gravity with
    :class:`PowerDecay`). Only stored pairs (and pairs within ``cutoff``) count.

    Parameters
    ----------
    costs, population, supply
        As for :func:`two_step_fca`.
    decay : Decay or callable
        :class:`GaussianDecay`, :class:`PowerDecay`, :class:`ExponentialDecay`,
        :class:`StepWeights`, or a vectorised function of a cost array.
    cutoff : float, optional
        Catchment cutoff (inclusive); by default every stored pair.

    Returns
    -------
    AccessibilityResult

    Examples
    --------
    >>> pop = Population(["a", "b"], [100, 100])
    >>> beds = Supply(["x"], [10])
    >>> costs = costs_from_table(["a", "b"], ["x", "x"], [1, 2],
    ...                          origin_ids=pop.ids, site_ids=beds.ids)
    >>> res = gravity(costs, pop, beds, decay=PowerDecay(beta=1))
    >>> res.values.round(4).tolist()
    [0.0667, 0.0333]
    """
    return _fca("gravity", costs, population, supply, weight=decay, cutoff=cutoff)


def three_step_fca(
    costs: CostMatrix,
    population: Population | ArrayLike,
    supply: Supply | ArrayLike,
    *,
    weights: WeightFunction | None = E2SFCA_ZONES,
    cutoff: float | None = None,
) -> AccessibilityResult:
    """Three-step floating catchment area (3SFCA, Wan, Zou & Sternberg 2012).

    A selection weight ``G_ij = W_ij / Σ_l W_il`` (over the sites in origin ``i``'s
    catchment; 0 when that sum is 0) spreads each origin's demand over the sites it can
    reach: ``D_j = Σ_k G_kj·W_kj·P_k``, ``R_j = S_j / D_j``, ``A_i = Σ_j G_ij·W_ij·R_j``.

    Parameters
    ----------
    costs, population, supply
        As for :func:`two_step_fca`.
    weights : Decay or callable or None, default :data:`E2SFCA_ZONES`
        Distance-decay weight ``W``; ``None`` for 1 on every pair in the catchment.
    cutoff : float, optional
        Catchment cutoff (inclusive); the selection weights are normalised over it.

    Returns
    -------
    AccessibilityResult

    Examples
    --------
    >>> pop = Population(["a", "b", "c"], [100, 200, 300])
    >>> beds = Supply(["x", "y"], [10, 6])
    >>> costs = costs_from_table(
    ...     ["a", "a", "b", "b", "c"], ["x", "y", "x", "y", "y"], [5, 25, 15, 10, 30],
    ...     origin_ids=pop.ids, site_ids=beds.ids)
    >>> three_step_fca(costs, pop, beds, weights=None, cutoff=30).values.round(4).tolist()
    [0.04, 0.04, 0.0133]
    """
    return _fca("3sfca", costs, population, supply, weight=weights, cutoff=cutoff)


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
        rows = costs.origin_positions()
        big = np.iinfo(np.int64).max
        cand = np.where(cost == best[rows], costs.indices.astype(np.int64), big)
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
        cutoff=costs.cutoff,
        unit=costs.unit,
    )


def coverage_within(
    costs: CostMatrix,
    population: Population | ArrayLike,
    *,
    threshold: float,
    supply: Supply | ArrayLike | None = None,
) -> CoverageResult:
    """Share of the population within ``threshold`` of a site (cumulative-opportunity coverage).

    An origin is covered when its nearest site costs ``<= threshold`` (inclusive). China's
    15-minute health circle (15分钟医疗卫生服务圈) is ``threshold=15`` minutes to a
    grassroots institution.

    Parameters
    ----------
    costs : CostMatrix
        Travel costs; its cutoff must be at least ``threshold``.
    population : Population or sequence of float
        People per origin.
    threshold : float
        Largest cost counted as covered (>= 0).
    supply : Supply or sequence of float, optional
        When given, only sites with capacity > 0 count.

    Returns
    -------
    CoverageResult
        Per origin ``covered``; ``share`` of people covered (0.0 when there are no people).

    Raises
    ------
    MedAllianceError
        When ``threshold`` exceeds the cost structure's cutoff (the pairs beyond it are not
        stored), or for mismatched inputs.

    Examples
    --------
    >>> pop = Population(["a", "b", "c"], [100, 200, 300])
    >>> c = costs_from_table(["a", "b", "c"], ["x", "x", "x"], [5, 15, 20],
    ...                      origin_ids=pop.ids, site_ids=["x"], cutoff=30)
    >>> res = coverage_within(c, pop, threshold=15)
    >>> res.covered.tolist(), res.share
    ([True, True, False], 0.5)
    """
    if not isinstance(costs, CostMatrix):
        msg = f"expected a CostMatrix, got {type(costs).__name__}"
        raise MedAllianceError([Problem(("costs",), msg)])
    if threshold is None:
        raise MedAllianceError([Problem(("threshold",), "a threshold is required")])
    thr = _check_cutoff(costs, threshold, "threshold")
    assert thr is not None
    people = _aligned(population, costs.origin_ids, "population", "population")
    best, _ = _nearest(costs, _open_sites(costs, supply))
    return CoverageResult(
        origin_ids=costs.origin_ids,
        people=people,
        covered=_readonly(best <= thr),
        nearest_cost=_readonly(best),
        threshold=thr,
        unit=costs.unit,
    )
